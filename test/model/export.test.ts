// The export round trip: a trained learner written as a TF.js LayersModel (src/model/export-layers.ts),
// read back from its files the way plain tfjs reads them (model.json's manifest names weights.bin), and
// its predictions equal the learner's own on the same images, every head.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { prepareExperimentData } from '../../src/data/experiment-data.ts';
import { Learner } from '../../src/learning/learner.ts';
import { loadProfile, type Profile } from '../../src/learning/profile.ts';
import { selectBackend, tf } from '../../src/model/backend.ts';
import type { BackboneName, BackboneSpec } from '../../src/model/backbones.ts';
import { exportModel, headName } from '../../src/model/export-layers.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import { imagesTensor } from '../../src/model/tensors.ts';
import { TEST_BACKEND, TEST_BACKEND_NAME } from '../helpers/backend.ts';
import { tempDir } from '../helpers/config.ts';
import { filesHandler, maxDifference } from '../helpers/layers-files.ts';
import { userCnn, userMlp, writeLayersModel } from '../helpers/layers-model.ts';

beforeAll(async () => {
  await selectBackend(TEST_BACKEND);
});

const data = () => prepareExperimentData({ dataset: 'mnist', partition: 'iid', agents: 1, privatePerAgent: 100, publicSize: 64, seed: 3 });

describe.each<BackboneName>(['mlp-small', 'cnn'])('export of a %s agent', (backbone) => {
  it('loads with tf.loadLayersModel from its files and predicts as the agent does, every head', async () => {
    const d = data();
    const profile: Profile = { ...loadProfile('small'), backbone, auxHeads: 2, stepsPerRound: 3 };
    const learner = new Learner({ profile, classes: 10, inputShape: [28, 28, 1], privateSet: d.privateSet(0), publicSet: d.split.publicSet, seed: 7 });
    await learner.trainRound();
    const dir = join(tempDir('mhd-export-'), 'a0');
    const before = tf.memory().numTensors;
    await exportModel(learner.model, dir, { run: 'test-run', agent: 'a0', round: 0, classNames: d.dataset.classNames });
    expect(tf.memory().numTensors).toBe(before);

    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    // The weights under the checkpoint's names, in the model's order.
    expect(json.weightsManifest[0].weights.map((w) => w.name)).toEqual(learner.model.getWeights().map((w) => w.name));

    const heads = JSON.parse(readFileSync(join(dir, 'heads.json'), 'utf8'));
    expect(heads).toMatchObject({ format: 'mhd-heads-1', run: 'test-run', agent: 'a0', round: 0, backbone, classes: 10, input: { shape: [28, 28, 1], dtype: 'float32', scaling: 'pixels / 255' } });
    expect(heads.classNames).toEqual([...d.dataset.classNames]);
    expect(heads.outputs.map((o: { output: number; head: number; name: string; role: string }) => `${o.output} ${o.head} ${o.name} ${o.role}`)).toEqual(['0 0 head_main main', '1 1 head_aux1 auxiliary', '2 2 head_aux2 auxiliary']);

    const loaded = await tfl.loadLayersModel(filesHandler(dir));
    expect(loaded.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(loaded.outputNames).toEqual([0, 1, 2].map(headName));
    const rows = Array.from({ length: 64 }, (_, i) => i);
    const x = imagesTensor(d.split.publicSet.pixels, [28, 28, 1], rows);
    const outputs = loaded.predict(x) as tf.Tensor[];
    expect(outputs).toHaveLength(3);
    for (const out of outputs) expect(out.shape).toEqual([64, 10]);
    const { probs } = await learner.predict(rows);
    expect(maxDifference(outputs, probs, 64, 10)).toBeLessThan(1e-5);
    // Trained, so the heads differ from one another (a mix-up of outputs would not pass unseen).
    expect(maxDifference([outputs[1]], probs, 64, 10)).toBeGreaterThan(1e-4);
    tf.dispose([x, ...outputs]);
    loaded.dispose();
    learner.dispose();
  });
});

describe('export of any backbone on images of any size', () => {
  it.each<[string, () => Promise<BackboneSpec>, [number, number, number]]>([
    ['mlp on 14x10x3 (colour, not square)', async () => 'mlp', [14, 10, 3]],
    ['cnn on 14x10x3', async () => 'cnn', [14, 10, 3]],
    ["a user's cnn file (valid 5x5 conv, linear conv, dropout)", async () => `file:${await writeLayersModel(userCnn())}`, [28, 28, 1]],
    ["a user's flat-input mlp file", async () => `file:${await writeLayersModel(userMlp())}`, [28, 28, 1]],
  ])('%s: the export computes what the model does', async (_, backboneSpec, inputShape) => {
    const backbone = await backboneSpec();
    const model = new MultiHeadModel({ backbone, auxHeads: 1, classes: 4, inputShape, seed: 11 });
    const dir = join(tempDir('mhd-export-'), 'm');
    await exportModel(model, dir, { run: 'r', agent: 'a', round: 0 });
    expect(JSON.parse(readFileSync(join(dir, 'heads.json'), 'utf8'))).not.toHaveProperty('classNames');
    const x = tf.randomUniform([5, ...inputShape], 0, 1, 'float32', 3) as tf.Tensor4D;
    const probs = tf.tidy(() => tf.concat(model.forward(x).logits.map((l) => tf.softmax(l)), 0).dataSync() as Float32Array);
    // tfjs-node reads the files with its own file:// handler, as any Node program would.
    const loaded = await tfl.loadLayersModel(TEST_BACKEND_NAME === 'native' ? `file://${join(dir, 'model.json')}` : filesHandler(dir));
    const outputs = loaded.predict(x) as tf.Tensor[];
    expect(maxDifference(outputs, probs, 5, 4)).toBeLessThan(1e-5);
    tf.dispose([x, ...outputs]);
    loaded.dispose();
    model.dispose();
  });
});
