// An exported model read back as plain tfjs reads one: model.json, then the weight files its manifest
// names (what tf.loadLayersModel does over http:// in a browser or file:// in tfjs-node).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../../src/model/backend.ts';

/** An IOHandler for tf.loadLayersModel that reads `dir/model.json` and its weight files. */
export function filesHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) => group.paths.map((p) => new Uint8Array(readFileSync(join(dir, p))).buffer));
        return [specs, buffers];
      });
    },
  };
}

/** The greatest difference between a model's outputs (one per head) and probabilities laid out head-major. */
export function maxDifference(outputs: tf.Tensor[], probs: Float32Array, n: number, classes: number): number {
  let worst = 0;
  outputs.forEach((out, h) => {
    const values = out.dataSync();
    for (let i = 0; i < n * classes; i++) worst = Math.max(worst, Math.abs(values[i] - probs[h * n * classes + i]));
  });
  return worst;
}
