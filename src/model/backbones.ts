// Backbones: image -> embedding, as a list of layers that src/model/multi-head.ts turns into variables
// and fused kernels. Heads are added by the multi-head model, so every backbone can carry any number of
// them. Agents may use different backbones; only the class space is shared.

import type { Activation, Padding } from './lean-ops.ts';

export const BACKBONES = ['mlp', 'mlp-small', 'cnn'] as const;
export type BackboneName = (typeof BACKBONES)[number];

/**
 * One layer of a backbone. Names are the checkpoint's. `pool` is a 2x2 max pool with stride 2 and
 * `valid` padding; convolutions have stride 1.
 */
export type LayerPlan =
  | { kind: 'flatten' }
  | { kind: 'pool' }
  | { kind: 'dense'; name: string; units: number; kernelShape: [number, number]; activation: Activation }
  | { kind: 'conv'; name: string; units: number; kernelShape: [number, number, number, number]; activation: Activation; padding: Padding };

/** The layers of `name` for images of `inputShape` [h, w, c]. */
export function backboneLayers(name: BackboneName, inputShape: readonly [number, number, number]): LayerPlan[] {
  const [h, w, c] = inputShape;
  const dense = (name: string, inputs: number, units: number): LayerPlan => ({ kind: 'dense', name, units, kernelShape: [inputs, units], activation: 'relu' });
  const conv = (name: string, inputs: number, units: number): LayerPlan => ({ kind: 'conv', name, units, kernelShape: [3, 3, inputs, units], activation: 'relu', padding: 'same' });
  switch (name) {
    case 'mlp':
      return [{ kind: 'flatten' }, dense('dense1', h * w * c, 256), dense('embedding', 256, 128)];
    case 'mlp-small':
      return [{ kind: 'flatten' }, dense('embedding', h * w * c, 64)];
    case 'cnn': {
      // Two 2x2 max pools with stride 2 and 'valid' padding: each halves a side, rounding down.
      const side = (s: number) => Math.floor(Math.floor(s / 2) / 2);
      return [conv('conv1', c, 16), { kind: 'pool' }, conv('conv2', 16, 32), { kind: 'pool' }, { kind: 'flatten' }, dense('embedding', side(h) * side(w) * 32, 128)];
    }
  }
}

/** Whether the first layer takes the image as a flat row (the dense backbones) rather than [h, w, c]. */
export function takesFlatInput(name: BackboneName): boolean {
  return backboneLayers(name, [1, 1, 1])[0].kind === 'flatten';
}
