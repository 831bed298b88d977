// A user's model in a run (`backbone: file:PATH/model.json`): two agents, one on a shipped backbone and
// one on a TF.js LayersModel the test writes, teach each other; and each unusable model file stops the
// command before anything starts, in one stderr line naming the file, with no run directory left.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { simulate } from '../../src/cluster/simulate.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';
import { runCli } from '../helpers/node-bin.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { userCnn, writeLayersModel } from '../helpers/layers-model.ts';

beforeAll(async () => {
  await selectBackend(TEST_BACKEND);
});

/** nodes/small.yaml with another backbone, written as `name` next to the model (so a relative path works). */
function profileWith(backbone: string, dir: string, name = 'user.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, readFileSync('nodes/small.yaml', 'utf8').replace('backbone: mlp-small', `backbone: ${backbone}`));
  return file;
}

describe('a user model.json as an agent backbone', () => {
  it('trains beside a shipped backbone, and the two teach each other', async () => {
    const model = await writeLayersModel(userCnn());
    const dir = dirname(model);
    // The profile names the model relative to itself; the topology names the profile relative to itself.
    profileWith('file:model.json', dir);
    const topology = join(dir, 'line-2.yaml');
    writeFileSync(topology, 'name: line-2\nagents: [shipped, user]\ngraph: line\nprofiles:\n  user: user.yaml\n');
    const config = tinyConfig({ topology, nodes: 'small', rounds: 2, steps: 2, auxHeads: undefined, evalSamples: 100 });
    expect(config.profiles.user).toMatchObject({ name: 'user', profile: { backbone: `file:${model}` } });
    expect(config.profiles.shipped.profile.backbone).toBe('mlp-small');
    const runDir = tempDir();
    await simulate(config, runDir);
    const agents = readRun(runDir).agents;
    const rounds = (id: string) => agents.find((a) => a.id === id)!.rounds;
    for (const [id, other] of [['shipped', 'user'], ['user', 'shipped']]) {
      expect(rounds(id).map((r) => r.teachersUsed), id).toContainEqual([other]);
      const evaluated = rounds(id).at(-1)!.eval;
      expect(evaluated?.sharedAccuracy, id).toHaveLength(1);
      expect(evaluated!.sharedAccuracy[0], id).toBeGreaterThanOrEqual(0);
    }
  }, 120_000);

  it('a topology names a profile file relative to itself; a missing one is refused by its path', () => {
    const dir = tempDir();
    const source = join(dir, 'line-2.yaml');
    expect(() => parseTopology('agents: 2\ngraph: line\nprofiles:\n  a1: nodes/gone.yaml\n', source)).toThrow(`profile "nodes/gone.yaml" of agent a1 not found (no ${join(dir, 'nodes/gone.yaml')})`);
    profileWith('mlp', dir, 'here.yaml');
    expect(parseTopology('agents: 2\ngraph: line\nprofiles:\n  a1: here.yaml\n  a0: small\n', source).profiles).toEqual({ a1: join(dir, 'here.yaml'), a0: 'small' });
  });
});

const line2 = topologyFile('name: line-2\nagents: 2\ngraph: line\n');
const tiny = ['--topology', line2, '--private', '100', '--public', '400', '--chunk', '100', '--steps', '1', '--rounds', '1', '--backend', TEST_BACKEND];

/** `mhd simulate` with every agent on `backbone`: one `mhd: ` line on stderr, a non-zero exit, no run directory. */
async function refused(backbone: string, dir: string): Promise<string> {
  const out = join(tempDir(), 'run');
  const res = await runCli(['simulate', ...tiny, '--nodes', profileWith(backbone, dir), '--out', out], 100_000);
  expect(res.code, res.stderr).not.toBe(0);
  const lines = res.stderr.trim().split('\n');
  expect(lines, res.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^mhd: /);
  expect(existsSync(out), `${out} was left behind`).toBe(false);
  return lines[0];
}

describe('an unusable model file stops the run before it starts', () => {
  it('missing, malformed, or missing a weight shard', async () => {
    const dir = tempDir();
    expect(await refused('file:none/model.json', dir)).toBe(`mhd: ${join(dir, 'none/model.json')}: model file not found`);
    writeFileSync(join(dir, 'bad.json'), '{"modelTopology": {');
    expect(await refused('file:bad.json', dir)).toMatch(new RegExp(`^mhd: ${join(dir, 'bad.json')}: not a TF.js model.json: `));
    const model = await writeLayersModel(userCnn());
    const manifest = JSON.parse(readFileSync(model, 'utf8'));
    manifest.weightsManifest[0].paths = ['shard-gone.bin'];
    writeFileSync(join(dirname(model), 'no-shard.json'), JSON.stringify(manifest));
    expect(await refused('file:no-shard.json', dirname(model))).toBe(`mhd: ${join(dirname(model), 'no-shard.json')}: weight shard ${join(dirname(model), 'shard-gone.bin')} (named in its weightsManifest) not found`);
  }, 200_000);

  it('several inputs, an output that is no embedding, an unsupported layer, or other images', async () => {
    const a = tfl.input({ shape: [28, 28, 1] });
    const b = tfl.input({ shape: [28, 28, 1] });
    const sum = tfl.layers.flatten().apply(tfl.layers.add().apply([a, b])) as tfl.SymbolicTensor;
    const two = await writeLayersModel(tfl.model({ inputs: [a, b], outputs: tfl.layers.dense({ units: 4 }).apply(sum) as tfl.SymbolicTensor }));
    expect(await refused(`file:${two}`, tempDir())).toBe(`mhd: ${two}: the model has 2 inputs: mhd takes one image input`);

    const conv = await writeLayersModel(tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 3 }), tfl.layers.maxPooling2d({ poolSize: 2 })] }));
    expect(await refused(`file:${conv}`, tempDir())).toBe(`mhd: ${conv}: the model's output is [13,13,2], not an embedding: the model must end with a Dense layer (or a Dense then a softmax Dense classifier)`);

    const layer = tfl.layers.batchNormalization({ name: 'norm' });
    const norm = await writeLayersModel(tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [28, 28, 1] }), layer, tfl.layers.dense({ units: 4 })] }));
    expect(await refused(`file:${norm}`, tempDir())).toMatch(new RegExp(`^mhd: ${norm}: layer "norm" \\(BatchNormalization\\) is not supported: supported are InputLayer, Flatten, Dense \\(relu or linear\\), Conv2D`));

    const rgb = await writeLayersModel(tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [32, 32, 3] }), tfl.layers.dense({ units: 4 })] }));
    expect(await refused(`file:${rgb}`, tempDir())).toBe(`mhd: ${rgb}: the model takes input [32,32,3] but dataset mnist gives [28,28,1] images (a flat input must be 784 wide)`);
  }, 300_000);
});
