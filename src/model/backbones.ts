// Backbones: image -> embedding. Heads are added by the multi-head model, so every backbone can carry
// any number of them. Agents may use different backbones; only the class space is shared.
import * as tfl from '@tensorflow/tfjs-layers';

export const BACKBONES = ['mlp', 'mlp-small', 'cnn'] as const;
export type BackboneName = (typeof BACKBONES)[number];

/** Builds the backbone's layers on `input` and returns its embedding tensor. */
export function buildBackbone(name: BackboneName, input: tfl.SymbolicTensor, seed: number): tfl.SymbolicTensor {
  let s = seed;
  // Each layer gets its own seeded initialiser so that a model is a pure function of (profile, seed).
  const init = () => tfl.initializers.glorotUniform({ seed: s++ });
  const dense = (units: number, name: string) =>
    tfl.layers.dense({ units, activation: 'relu', kernelInitializer: init(), name });
  switch (name) {
    case 'mlp': {
      const flat = tfl.layers.flatten({ name: 'flatten' }).apply(input) as tfl.SymbolicTensor;
      const h1 = dense(256, 'dense1').apply(flat) as tfl.SymbolicTensor;
      return dense(128, 'embedding').apply(h1) as tfl.SymbolicTensor;
    }
    case 'mlp-small': {
      const flat = tfl.layers.flatten({ name: 'flatten' }).apply(input) as tfl.SymbolicTensor;
      return dense(64, 'embedding').apply(flat) as tfl.SymbolicTensor;
    }
    case 'cnn': {
      const conv = (filters: number, name: string) =>
        tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), name });
      const pool = (name: string) => tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name });
      let x = conv(16, 'conv1').apply(input) as tfl.SymbolicTensor;
      x = pool('pool1').apply(x) as tfl.SymbolicTensor;
      x = conv(32, 'conv2').apply(x) as tfl.SymbolicTensor;
      x = pool('pool2').apply(x) as tfl.SymbolicTensor;
      x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
      return dense(128, 'embedding').apply(x) as tfl.SymbolicTensor;
    }
  }
}
