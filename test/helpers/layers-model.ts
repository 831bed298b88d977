// User models for tests: a tfjs-layers model saved as `model.save` writes it for a file, model.json
// (modelTopology + weightsManifest) and one binary shard, weights.bin, in a fresh temp folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../../src/model/backend.ts';
import { tempDir } from './config.ts';

/** Saves `model` into a new folder; returns the path of its model.json. */
export async function writeLayersModel(model: tfl.LayersModel, dir = tempDir('mhd-user-model-')): Promise<string> {
  const file = join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightsManifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }];
      writeFileSync(file, JSON.stringify({ format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest }));
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return file;
}

/** A small classifier for 28x28x1 images: conv (valid, 5x5) -> pool -> conv (same) -> flatten -> dropout -> dense -> softmax. */
export function userCnn(seed = 7): tfl.Sequential {
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: seed + s });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 5, padding: 'valid', activation: 'relu', kernelInitializer: init(0), biasInitializer: 'randomNormal' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'linear', kernelInitializer: init(1), biasInitializer: 'randomNormal' }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.2 }),
      tfl.layers.dense({ units: 24, activation: 'relu', kernelInitializer: init(2), biasInitializer: 'randomNormal' }),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
}

/** A flat-input MLP for 28x28x1 images ([null, 784]), without a classifier: its last Dense is the embedding. */
export function userMlp(seed = 11): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 32, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }), biasInitializer: 'randomNormal' }),
      tfl.layers.dense({ units: 16, activation: 'linear', useBias: false, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}
