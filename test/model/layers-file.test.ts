// A backbone from a user's TF.js LayersModel (src/model/layers-file.ts): the translation is faithful
// (the embedding is the tfjs-layers model's own penultimate output), classifiers are cut, flat and
// functional models load, and each unusable file is refused in one line naming it.
import { beforeAll, describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend, tf } from '../../src/model/backend.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import { batchInput } from '../../src/learning/step.ts';
import { takesFlatInput } from '../../src/model/backbones.ts';
import { measuredAs } from '../../src/model/backend-choice.ts';
import { layersFileFor, readLayersFile } from '../../src/model/layers-file.ts';
import { parseProfile } from '../../src/learning/profile.ts';
import { loadCheckpointInto, saveCheckpoint } from '../../src/model/checkpoint.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { tempDir } from '../helpers/config.ts';
import { userCnn, userMlp, writeLayersModel } from '../helpers/layers-model.ts';

beforeAll(async () => {
  await selectBackend(TEST_BACKEND);
});

const SHAPE = [28, 28, 1] as const;

/** The loaded model's embedding and the tfjs-layers model's output at `layer`, for the same 3 images. */
function bothEmbeddings(file: string, model: tfl.LayersModel, layer: number): { ours: Float32Array; theirs: Float32Array } {
  const n = 3;
  const x = Float32Array.from({ length: n * 784 }, (_, i) => ((i * 7919) % 1000) / 1000);
  const mh = new MultiHeadModel({ backbone: `file:${file}`, auxHeads: 2, classes: 10, inputShape: SHAPE, seed: 1 });
  const ours = tf.tidy(() => mh.forward(batchInput(mh, x, n)).embedding.dataSync() as Float32Array).slice();
  const cut = tfl.model({ inputs: model.inputs, outputs: model.layers[layer].output as tfl.SymbolicTensor });
  const input = model.inputs[0].shape.length === 2 ? tf.tensor2d(x, [n, 784]) : tf.tensor4d(x, [n, ...SHAPE]);
  const theirs = tf.tidy(() => (cut.predict(input) as tf.Tensor).dataSync() as Float32Array).slice();
  input.dispose();
  mh.dispose();
  return { ours, theirs };
}

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / (1 + Math.abs(b[i]))), 0);
  expect(worst).toBeLessThan(1e-4);
}

describe('a backbone from a TF.js LayersModel file', () => {
  it('translates a conv classifier, cut at its penultimate layer, and computes what tfjs-layers computes', async () => {
    const model = userCnn();
    const file = await writeLayersModel(model);
    const loaded = layersFileFor(file, SHAPE);
    expect(loaded.plans.map((p) => p.kind)).toEqual(['conv', 'pool', 'conv', 'flatten', 'dense']);
    expect(loaded.plans[0]).toMatchObject({ kernelShape: [5, 5, 1, 4], padding: 'valid', activation: 'relu' });
    expect(loaded.plans[2]).toMatchObject({ kernelShape: [3, 3, 4, 6], padding: 'same', activation: 'linear' });
    expect(loaded.plans[4]).toMatchObject({ kernelShape: [12 * 12 * 6, 24], units: 24 });
    expect(loaded.cut).toBe(model.layers[6].name);
    expect(loaded.skipped).toEqual([model.layers[4].name]);
    expect(takesFlatInput(`file:${file}`)).toBe(false);
    expect(measuredAs(`file:${file}`)).toBe('cnn');
    const { ours, theirs } = bothEmbeddings(file, model, 5);
    expectClose(ours, theirs);
  });

  it('takes a flat [null, 784] input for 28x28x1 images, and a Dense without a bias; no softmax: no cut', async () => {
    const model = userMlp();
    const file = await writeLayersModel(model);
    const loaded = layersFileFor(file, SHAPE);
    expect(loaded.inputShape).toEqual([784]);
    expect(loaded.plans.map((p) => p.kind)).toEqual(['flatten', 'dense', 'dense']);
    expect(loaded.cut).toBeUndefined();
    expect(takesFlatInput(`file:${file}`)).toBe(true);
    expect(measuredAs(`file:${file}`)).toBe('mlp');
    const { ours, theirs } = bothEmbeddings(file, model, 1);
    expectClose(ours, theirs);
    const mh = new MultiHeadModel({ backbone: `file:${file}`, auxHeads: 0, classes: 10, inputShape: SHAPE, seed: 1 });
    expect(mh.embeddingSize).toBe(16);
    expect(mh.getWeights().map((w) => w.name)).toEqual([`${model.layers[0].name}/kernel`, `${model.layers[0].name}/bias`, `${model.layers[1].name}/kernel`, `${model.layers[1].name}/bias`, 'head_main/kernel', 'head_main/bias']);
    mh.dispose();
  });

  it("checkpoints under the file's layer names and resumes into a model built from the same file", async () => {
    const file = await writeLayersModel(userCnn());
    const spec = { backbone: `file:${file}` as const, auxHeads: 1, classes: 10, inputShape: SHAPE, seed: 3 };
    const a = new MultiHeadModel(spec);
    const cp = join(tempDir(), 'a.ckpt');
    saveCheckpoint(cp, a);
    const b = new MultiHeadModel({ ...spec, seed: 4 });
    loadCheckpointInto(cp, b);
    expect(b.getWeights()).toEqual(a.getWeights());
    a.dispose();
    b.dispose();
  });

  it('loads a functional model that is a plain chain, and refuses one with two inputs', async () => {
    const input = tfl.input({ shape: [28, 28, 1] });
    const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 8, activation: 'relu' }).apply(flat) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const file = await writeLayersModel(model);
    expect(layersFileFor(file, SHAPE).plans.map((p) => p.kind)).toEqual(['flatten', 'dense']);
    expectClose(...(Object.values(bothEmbeddings(file, model, 2)) as [Float32Array, Float32Array]));

    const a = tfl.input({ shape: [4] });
    const b = tfl.input({ shape: [4] });
    const sum = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
    const two = await writeLayersModel(tfl.model({ inputs: [a, b], outputs: tfl.layers.dense({ units: 2 }).apply(sum) as tfl.SymbolicTensor }));
    expect(() => readLayersFile(two)).toThrow(`${two}: the model has 2 inputs: mhd takes one image input`);
  });

  it('refuses unsupported layers, activations and shapes by name, and a model for other images', async () => {
    const seq = (...layers: tfl.layers.Layer[]) => writeLayersModel(tfl.sequential({ layers }));
    const norm = await seq(tfl.layers.flatten({ inputShape: [28, 28, 1] }), tfl.layers.batchNormalization(), tfl.layers.dense({ units: 4 }));
    expect(() => readLayersFile(norm)).toThrow(/model\.json: layer "batch_normalization\w*" \(BatchNormalization\) is not supported: supported are InputLayer, Flatten, Dense/);
    const tanh = await seq(tfl.layers.dense({ inputShape: [784], units: 4, activation: 'tanh' }));
    expect(() => readLayersFile(tanh)).toThrow(/\(Dense\) has activation "tanh"/);
    const strided = await seq(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, strides: 2 }), tfl.layers.flatten(), tfl.layers.dense({ units: 4 }));
    expect(() => readLayersFile(strided)).toThrow(/\(Conv2D\) has strides or dilation other than 1/);
    const convOut = await seq(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3, padding: 'same' }));
    expect(() => readLayersFile(convOut)).toThrow(`${convOut}: the model's output is [28,28,2], not an embedding: the model must end with a Dense layer (or a Dense then a softmax Dense classifier)`);
    const mlp = await writeLayersModel(userMlp());
    expect(() => layersFileFor(mlp, [32, 32, 3], 'dataset cifar10')).toThrow(`${mlp}: the model takes input [784] but dataset cifar10 gives [32,32,3] images (a flat input must be 3072 wide)`);
  });

  it('refuses a malformed model.json, a missing or short weight shard, and non-float32 weights', async () => {
    const dir = tempDir();
    const bad = join(dir, 'model.json');
    writeFileSync(bad, '{"modelTopology": ');
    expect(() => readLayersFile(bad)).toThrow(new RegExp(`^${bad}: not a TF.js model.json: `));
    expect(() => readLayersFile(join(dir, 'none.json'))).toThrow(`${join(dir, 'none.json')}: model file not found`);
    const graph = join(dir, 'graph.json');
    writeFileSync(graph, JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    expect(() => readLayersFile(graph)).toThrow(`${graph}: a TF.js graph model, which cannot be trained: convert to a LayersModel (tfjs_layers_model)`);
    const file = await writeLayersModel(userMlp());
    const json = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(file, 'utf8')));
    const variant = (name: string, edit: (j: typeof json) => void) => {
      const copy = structuredClone(json);
      edit(copy);
      const out = join(dirname(file), name);
      writeFileSync(out, JSON.stringify(copy));
      return out;
    };
    const missing = variant('missing.json', (j) => (j.weightsManifest[0].paths = ['gone.bin']));
    expect(() => readLayersFile(missing)).toThrow(`${missing}: weight shard ${join(dirname(file), 'gone.bin')} (named in its weightsManifest) not found`);
    const long = variant('long.json', (j) => (j.weightsManifest[0].weights[0].shape = [784, 64]));
    expect(() => readLayersFile(long)).toThrow(/the weight shards hold \d+ bytes, fewer than the weightsManifest lists/);
    const half = variant('half.json', (j) => (j.weightsManifest[0].weights[0].dtype = 'float16'));
    expect(() => readLayersFile(half)).toThrow(/is float16: only float32 weights are supported/);
  });

  it('a profile names it as file:PATH, relative to the profile file', () => {
    const base = 'auxHeads: 1\nlearningRate: 0.001\nbatchPrivate: 8\nbatchPublic: 8\nstepsPerRound: 1\nnu0: 1\nnuAux: 1\ntemperature: 1\nteacher: mean\ngateMain: true\ngateAux: false\nincludeSelf: true\n';
    expect(parseProfile(`backbone: file:models/a/model.json\n${base}`, '/p/nodes/x.yaml').backbone).toBe('file:/p/nodes/models/a/model.json');
    expect(parseProfile(`backbone: file:/abs/model.json\n${base}`, '/p/x.yaml').backbone).toBe('file:/abs/model.json');
    expect(() => parseProfile(`backbone: resnet\n${base}`, 'x.yaml')).toThrow(/field "backbone".*expected mlp, mlp-small, cnn or file:PATH\/model.json/);
  });
});
