// Backbones: image -> embedding, as a list of layers that src/model/multi-head.ts turns into variables
// and fused kernels. Heads are added by the multi-head model, so every backbone can carry any number of
// them. Agents may use different backbones; only the class space is shared.

import type { LayerPlan } from './layer-plan.ts';
import { backboneFile, isFileBackbone, layersFileFor, readLayersFile, type FileBackbone } from './layers-file.ts';

export const BACKBONES = ['mlp', 'mlp-small', 'cnn'] as const;
export type BackboneName = (typeof BACKBONES)[number];
/** A shipped backbone, or `file:PATH/model.json`, a TF.js LayersModel (src/model/layers-file.ts). */
export type BackboneSpec = BackboneName | FileBackbone;

export function isBackboneSpec(value: unknown): value is BackboneSpec {
  return typeof value === 'string' && ((BACKBONES as readonly string[]).includes(value) || isFileBackbone(value));
}

export type { LayerPlan } from './layer-plan.ts';

/** The layers of `name` for images of `inputShape` [h, w, c]. */
export function backboneLayers(name: BackboneSpec, inputShape: readonly [number, number, number]): LayerPlan[] {
  if (isFileBackbone(name)) return layersFileFor(backboneFile(name), inputShape).plans;
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
export function takesFlatInput(name: BackboneSpec): boolean {
  return (isFileBackbone(name) ? readLayersFile(backboneFile(name)).plans : backboneLayers(name, [1, 1, 1]))[0].kind === 'flatten';
}
