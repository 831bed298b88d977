// `mhd export` through the real command line: a tiny finished run exported, every agent or one, each
// export loaded with tf.loadLayersModel from its files and predicting as the agent's checkpoint does;
// and each bad input as one line, a non-zero exit and nothing written.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadDataset } from '../../src/data/datasets.ts';
import { selectBackend, tf } from '../../src/model/backend.ts';
import { readCheckpoint } from '../../src/model/checkpoint.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import { imagesTensor } from '../../src/model/tensors.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { tempDir, topologyFile } from '../helpers/config.ts';
import { filesHandler, maxDifference } from '../helpers/layers-files.ts';
import { runCli } from '../helpers/node-bin.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');
const tiny = ['--topology', line3, '--nodes', 'small', '--aux-heads', '2', '--private', '100', '--public', '400', '--chunk', '100', '--steps', '2', '--rounds', '2', '--eval-samples', '100', '--backend', TEST_BACKEND];

const mhd = (args: string[]) => runCli(args, 150_000);

beforeAll(async () => {
  await selectBackend(TEST_BACKEND);
});

/** The predictions of an agent's checkpoint on the first test images: head-major softmax probabilities. */
function checkpointProbs(file: string, x: tf.Tensor4D): Float32Array {
  const cp = readCheckpoint(file);
  const model = new MultiHeadModel(cp.spec);
  model.setWeights(cp.weights);
  const probs = tf.tidy(() => tf.concat(model.forward(x).logits.map((l) => tf.softmax(l)), 0).dataSync() as Float32Array);
  model.dispose();
  return probs;
}

/** A command that must fail: exit 1 and exactly one line on stderr. */
async function refused(args: string[]): Promise<string> {
  const res = await mhd(['export', ...args]);
  expect(res.code, res.stdout).toBe(1);
  expect(res.stderr.trim().split('\n'), res.stderr).toHaveLength(1);
  return res.stderr;
}

describe('mhd export', () => {
  it("writes every agent's model, which tf.loadLayersModel loads and which predicts as the checkpoint does", async () => {
    const root = tempDir();
    const run = join(root, 'run');
    const sim = await mhd(['simulate', ...tiny, '--checkpoint-every', '1', '--out', run]);
    expect(sim.code, sim.stderr).toBe(0);

    const out = join(root, 'models');
    const res = await mhd(['export', run, '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout.trim().split('\n')).toEqual([
      ...['a0', 'a1', 'a2'].map((a) => `${a}: mlp-small, 3 heads, after round 2 of 2 -> ${join(out, a)}/ (model.json, weights.bin, heads.json)`),
      `exported 3 agents of ${run} to ${out}: input 28x28x1 pixels / 255, one softmax output per head (heads.json)`,
    ]);
    expect(readdirSync(out).sort()).toEqual(['a0', 'a1', 'a2']);

    const test = loadDataset('mnist').test;
    const x = imagesTensor(test.pixels, [28, 28, 1], Array.from({ length: 32 }, (_, i) => i));
    for (const agent of ['a0', 'a1', 'a2']) {
      const dir = join(out, agent);
      expect(readdirSync(dir).sort()).toEqual(['heads.json', 'model.json', 'weights.bin']);
      const heads = JSON.parse(readFileSync(join(dir, 'heads.json'), 'utf8'));
      expect(heads).toMatchObject({ format: 'mhd-heads-1', run: 'line-3-mhd', agent, round: 1, roundsTrained: 2, classes: 10, input: { shape: [28, 28, 1], scaling: 'pixels / 255' } });
      expect(heads.outputs.map((o: { name: string }) => o.name)).toEqual(['head_main', 'head_aux1', 'head_aux2']);
      const loaded = await tfl.loadLayersModel(filesHandler(dir));
      const outputs = loaded.predict(x) as tf.Tensor[];
      expect(maxDifference(outputs, checkpointProbs(join(run, 'agents', agent, 'checkpoint.bin'), x), 32, 10)).toBeLessThan(1e-5);
      tf.dispose(outputs);
      loaded.dispose();
    }
    x.dispose();

    // One agent, into a new folder of its own.
    const one = join(root, 'one');
    const single = await mhd(['export', run, '--agent', 'a1', '--out', one]);
    expect(single.code, single.stderr).toBe(0);
    expect(readdirSync(one)).toEqual(['a1']);

    // Bad inputs: one line each, and nothing written.
    const fresh = join(root, 'fresh');
    expect(await refused([root, '--out', fresh])).toBe(`mhd: ${root} is not a run directory (no config.json)\n`);
    expect(await refused([run, '--agent', 'a9', '--out', fresh])).toBe(`mhd: unknown agent "a9": the agents of ${run} are a0, a1, a2\n`);
    expect(await refused([run, '--out', out])).toBe(`mhd: --out ${out} exists and is not empty\n`);
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    expect(await refused([run, '--out', file])).toBe(`mhd: --out ${file} exists and is not a directory\n`);
    expect(await refused([run])).toMatch(/^mhd: required option '--out <dir>' not specified/);
    expect(existsSync(fresh)).toBe(false);
    // An empty --out is fine.
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect((await mhd(['export', run, '--agent', 'a0', '--out', empty])).code).toBe(0);
  }, 300_000);

  it('says in one line that a run without checkpoints has nothing to export', async () => {
    const root = tempDir();
    const run = join(root, 'run');
    const sim = await mhd(['simulate', ...tiny, '--rounds', '1', '--checkpoint-every', '0', '--out', run]);
    expect(sim.code, sim.stderr).toBe(0);
    const out = join(root, 'models');
    expect(await refused([run, '--out', out])).toBe(`mhd: ${run} has no checkpoint: run with --checkpoint-every N\n`);
    expect(await refused([run, '--agent', 'a2', '--out', out])).toBe(`mhd: agent a2 of ${run} has no checkpoint: run with --checkpoint-every N\n`);
    expect(existsSync(out)).toBe(false);
  }, 300_000);
});
