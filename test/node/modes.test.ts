// The exchange modes in-process, with real learners and libp2p hosts: the staleness fallback of the
// predictions mode (answers grouped by round, one's own predictions no longer kept, `gone`), and the
// gossip mode really moving a model's weights to the Metropolis mean.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Libp2p } from 'libp2p';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { PrivateKey } from '@libp2p/interface';
import { chunkHash, publicChunk } from '../../src/learning/chunks.ts';
import { metropolisAverage } from '../../src/learning/gossip.ts';
import { Learner } from '../../src/learning/learner.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { createHost } from '../../src/network/host.ts';
import type { Peer } from '../../src/network/round-service.ts';
import { RoundStore } from '../../src/network/round-store.ts';
import { loadRunData, type RunConfig } from '../../src/node/config.ts';
import type { ExchangeMode } from '../../src/node/exchange-mode.ts';
import { gossipConfig, predictionsConfig } from '../../src/node/modes/index.ts';
import { predictionDistillation } from '../../src/node/modes/predictions.ts';
import { weightGossip } from '../../src/node/modes/weights.ts';
import { Neighbours } from '../../src/node/neighbours.ts';
import { AgentLog } from '../../src/node/run-log.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';
import { servePredictions } from '../helpers/services.ts';

const never = new AbortController().signal;

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');

const nodes: Libp2p[] = [];
const learners: Learner[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  for (const l of learners) l.dispose();
});
beforeAll(async () => {
  await selectBackend(TEST_BACKEND);
});

let memoryId = 0;
async function makeHost(key: PrivateKey, allowed: () => ReadonlySet<string>): Promise<Libp2p> {
  const node = await createHost({ privateKey: key, listen: [`/memory/mhd-modes-${process.pid}-${memoryId++}`], transport: 'memory', allowedPeers: allowed });
  nodes.push(node);
  return node;
}

function learnerFor(config: RunConfig, agent: string): Learner {
  const data = loadRunData(config);
  const i = config.topology.agents.indexOf(agent);
  const l = new Learner({
    profile: config.profiles[agent].profile,
    classes: data.dataset.classes,
    inputShape: data.dataset.inputShape,
    privateSet: data.privateSet(i),
    publicSet: data.split.publicSet,
    seed: config.seed * 1000 + i + 1,
  });
  learners.push(l);
  return l;
}

/** Agents `ids` of `config`, each with a host, a learner, Neighbours and the mode `make` builds. */
async function agentsOf(config: RunConfig, ids: string[]) {
  const keys = await Promise.all(ids.map(() => generateKeyPair('Ed25519')));
  const peerIds = keys.map((k) => peerIdFromPrivateKey(k).toString());
  const allowed = new Set(peerIds);
  const out: Record<string, { node: Libp2p; learner: Learner; neighbours: Neighbours; mode: ExchangeMode; log: string }> = {};
  for (const [i, id] of ids.entries()) {
    const node = await makeHost(keys[i], () => allowed);
    const learner = learnerFor(config, id);
    const log = join(tempDir('mhd-modes-'), 'log');
    const agentLog = new AgentLog(log, id);
    const neighbours = new Neighbours(config.topology, id, agentLog);
    const mode = weightGossip({ node, learner, neighbours, classes: 10, log: agentLog }, gossipConfig(config));
    await mode.start();
    out[id] = { node, learner, neighbours, mode, log };
  }
  const peers: Record<string, Peer> = Object.fromEntries(ids.map((id, i) => [id, { agent: id, peerId: peerIds[i], addrs: out[id].node.getMultiaddrs().map(String) }]));
  for (const id of ids) out[id].neighbours.setPeers(peers);
  return { agents: out, peers, keys };
}

describe('predictions mode: the staleness fallback', () => {
  // a1 learns from a0 and a2. Its neighbours here are plain servers of round stores we fill by hand,
  // with honest predictions (right chunk, right shape) of the rounds we choose.
  const config = tinyConfig({ topology: line3, staleness: 2, fetchTimeout: 1 });
  const chunk = (r: number) => publicChunk(config.seed, r, config.chunkSize, config.publicSize);
  const honest = (agent: string, round: number): PredictionBatch => {
    const samples = config.chunkSize;
    const probs = new Float32Array(2 * samples * 10);
    // confident teachers, so that the gate keeps their samples
    for (let row = 0; row < 2 * samples; row++) probs[row * 10 + ((row + round) % 10)] = 1;
    return { agent, round, chunkHash: chunkHash(chunk(round)), heads: 2, classes: 10, samples, probs };
  };

  async function setup(keepRounds: number, rounds: { a0: number[]; a2: number[] }) {
    const keys = { a0: await generateKeyPair('Ed25519'), a1: await generateKeyPair('Ed25519'), a2: await generateKeyPair('Ed25519') };
    const ids = Object.fromEntries(Object.entries(keys).map(([a, k]) => [a, peerIdFromPrivateKey(k).toString()]));
    const allowed = new Set(Object.values(ids));
    const hosts = { a0: await makeHost(keys.a0, () => allowed), a1: await makeHost(keys.a1, () => allowed), a2: await makeHost(keys.a2, () => allowed) };
    for (const agent of ['a0', 'a2'] as const) {
      const store = new RoundStore<PredictionBatch>(8);
      for (const r of rounds[agent]) store.put(r, honest(agent, r));
      // they answer at once: no waiting for a round they do not have
      await servePredictions(hosts[agent], agent, store, 'f32', { reader: () => 'a1', maxWaitMs: 0 });
    }
    const learner = learnerFor(config, 'a1');
    const log = join(tempDir('mhd-modes-'), 'log');
    const neighbours = new Neighbours(config.topology, 'a1', new AgentLog(log, 'a1'));
    neighbours.setPeers(Object.fromEntries(Object.entries(hosts).map(([a, h]) => [a, { agent: a, peerId: ids[a], addrs: h.getMultiaddrs().map(String) }])));
    const mode = predictionDistillation({ node: hosts.a1, learner, neighbours, classes: 10, log: new AgentLog(log, 'a1') }, { ...predictionsConfig(config, 'a1'), keepRounds });
    await mode.start();
    return mode;
  }

  it('answers of different rounds are grouped by round: targets per chunk, joined', async () => {
    // a0 is a round behind, a2 up to date
    const mode = await setup(4, { a0: [1], a2: [2] });
    await mode.exchange(0, never);
    await mode.exchange(1, never);
    const ex = await mode.exchange(2, never);
    expect(ex.used).toEqual(['a0', 'a2']);
    expect(ex.skipped).toEqual([]);
    expect(ex.rejected).toEqual([]);
    const t = ex.targets!;
    // a0's answer is about chunk 1, a2's about chunk 2: both chunks, each with its own targets
    expect(t.chunkRows).toEqual([...chunk(1), ...chunk(2)]);
    expect(t.heads[0].choice.targets.length).toBe(2 * config.chunkSize * 10);
    expect(t.heads[0].choice.mask.length).toBe(2 * config.chunkSize);
    expect(t.heads[0].teachers).toEqual(['a0', 'a2']);
    // the first half holds a0's round-1 rows, the second a2's round-2 rows
    const argmax = (s: number) => {
      const row = t.heads[0].choice.targets.subarray(s * 10, s * 10 + 10);
      return row.indexOf(Math.max(...row));
    };
    expect(argmax(0)).toBe(1);
    expect(argmax(config.chunkSize)).toBe(2);
    expect(ex.samplesUsed).toEqual(t.heads.map((h) => h.choice.used));
  });

  it('an answer about a round whose own predictions are no longer kept is skipped; a round the server dropped is gone', async () => {
    // a1 keeps one round; a0 answers round 1 when asked for 2, a2 answers 2 and no longer has round 1
    const mode = await setup(1, { a0: [1], a2: [2, 5] });
    await mode.exchange(0, never);
    await mode.exchange(1, never);
    const ex = await mode.exchange(2, never);
    expect(ex.skipped.map((s) => [s.agent, s.reason])).toEqual([['a0', 'answered round 1, whose own predictions are no longer kept']]);
    // only a2's answer is trained on: a0's is not counted as used
    expect(ex.used).toEqual(['a2']);
    expect(ex.targets!.chunkRows).toEqual(chunk(2));
    expect(ex.targets!.heads[0].teachers).toEqual(['a2']);
    // asked for round 1 (accepting 0..1), a2 keeps only 2 and 5
    const stale = await mode.exchange(1, never);
    expect(stale.skipped.find((s) => s.agent === 'a2')!.reason).toBe('gone: round 1 is no longer kept (oldest 2)');
    await mode.stop();
  });
});

describe('gossip mode', () => {
  it('after an exchange each model holds the Metropolis mean of its own and its neighbours\' weights', async () => {
    const config = tinyConfig({ topology: line3, mode: 'gossip', fetchTimeout: 2 });
    const { agents } = await agentsOf(config, ['a0', 'a1', 'a2']);
    const before = Object.fromEntries(Object.entries(agents).map(([id, a]) => [id, a.learner.model.getWeights()]));
    // the models start different (seeded per agent)
    expect(before.a0[0].values).not.toEqual(before.a1[0].values);
    const results = await Promise.all(['a0', 'a1', 'a2'].map((id) => agents[id].mode.exchange(0, never)));
    expect(results.map((r) => r.used)).toEqual([['a1'], ['a0', 'a2'], ['a1']]);
    // line a0 - a1 - a2: degrees 1, 2, 1
    const expected = {
      a0: metropolisAverage(before.a0, 1, [{ agent: 'a1', degree: 2, weights: before.a1 }]),
      a1: metropolisAverage(before.a1, 2, [
        { agent: 'a0', degree: 1, weights: before.a0 },
        { agent: 'a2', degree: 1, weights: before.a2 },
      ]),
      a2: metropolisAverage(before.a2, 1, [{ agent: 'a1', degree: 2, weights: before.a1 }]),
    };
    for (const id of ['a0', 'a1', 'a2'] as const) {
      const after = agents[id].learner.model.getWeights();
      expect(after.map((w) => w.name)).toEqual(expected[id].map((w) => w.name));
      for (const [i, w] of after.entries()) {
        const want = expected[id][i].values;
        let maxErr = 0;
        for (let j = 0; j < want.length; j++) maxErr = Math.max(maxErr, Math.abs(w.values[j] - want[j]));
        expect(maxErr, `${id} ${w.name}`).toBeLessThan(1e-6);
      }
    }
    // a1's weights are a third of each: the middle of the line is exactly the plain mean
    const mean = before.a0[0].values.map((v, j) => (v + before.a1[0].values[j] + before.a2[0].values[j]) / 3);
    expect(Math.max(...agents.a1.learner.model.getWeights()[0].values.map((v, j) => Math.abs(v - mean[j])))).toBeLessThan(1e-6);
    // the gossip mode has nothing to rebuild on resume
    expect(await agents.a1.mode.resume(0, never)).toBeUndefined();
    for (const a of Object.values(agents)) await a.mode.stop();
  });

  it('without answers the weights are left as they are', async () => {
    const config = tinyConfig({ topology: line3, mode: 'gossip', fetchTimeout: 1 });
    const { agents } = await agentsOf(config, ['a0', 'a1', 'a2']);
    agents.a0.neighbours.setPeers({});
    const before = agents.a0.learner.model.getWeights();
    const ex = await agents.a0.mode.exchange(0, never);
    expect(ex.used).toEqual([]);
    expect(ex.skipped.map((s) => s.agent)).toEqual(['a1']);
    expect(agents.a0.learner.model.getWeights().map((w) => [...w.values])).toEqual(before.map((w) => [...w.values]));
  });
});
