// The layer of a backbone that src/model/multi-head.ts runs: what the shipped backbones
// (src/model/backbones.ts) and a model file (src/model/layers-file.ts) are both translated to.
import type { Activation, Padding } from './lean-ops.ts';

/**
 * One layer of a backbone. Names are the checkpoint's. `pool` is a 2x2 max pool with stride 2 and
 * `valid` padding; convolutions have stride 1.
 */
export type LayerPlan =
  | { kind: 'flatten' }
  | { kind: 'pool' }
  | { kind: 'dense'; name: string; units: number; kernelShape: [number, number]; activation: Activation }
  | { kind: 'conv'; name: string; units: number; kernelShape: [number, number, number, number]; activation: Activation; padding: Padding };
