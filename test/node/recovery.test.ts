// The paths that matter when things go wrong, in-process: resuming with live neighbours, --resume
// without a checkpoint, lingering for a slow reader, and runNode (the body of `mhd node`), which
// refuses to start with no way to its neighbours.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../src/cluster/simulate.ts';
import { publicChunk } from '../../src/learning/chunks.ts';
import type { RoundTargets } from '../../src/learning/learner.ts';
import type { NamedWeights } from '../../src/learning/gossip.ts';
import { readCheckpoint } from '../../src/model/checkpoint.ts';
import { loadOrCreateKey, peerIdString } from '../../src/network/identity.ts';
import { writeKeys, readRoster, keyFile } from '../../src/network/roster.ts';
import { Agent } from '../../src/node/agent.ts';
import type { ExchangeMode } from '../../src/node/exchange-mode.ts';
import { writeRunConfig } from '../../src/node/config.ts';
import { assertReachable, parseListen, runNode } from '../../src/node/run-node.ts';
import { StartupError } from '../../src/node/errors.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');
const line2 = topologyFile('name: line-2\nagents: 2\ngraph: line\n');
// a1 learns from a0, not the other way round: a0 never waits for a1
const arrow = topologyFile('name: arrow\nagents: [a0, a1]\ndirected: true\nedges: [[a0, a1]]\n');
const tcp = { transport: 'tcp' as const, listen: ['/ip4/127.0.0.1/tcp/0'] };

/** The agent's insides, for checks that only the agent itself can see. */
interface Insides {
  mode: ExchangeMode;
  learner: { model: { getWeights(): NamedWeights[] } };
}
const insides = (a: Agent) => a as unknown as Insides;

describe('resume with real neighbours', () => {
  it('rebuilds the interrupted round\'s targets from the live neighbour, on the restored weights', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line3, rounds: 4, fetchTimeout: 2, checkpointEvery: 1 });
    // a1 and a2 stop after round 1 (checkpoints of round 1); a0 finishes alone
    await simulate(config, dir, { stopAfter: { a1: 1, a2: 1 } });
    const original = readRun(dir).agents.find((a) => a.id === 'a2')!;
    expect(original.rounds.map((r) => r.round)).toEqual([0, 1]);
    expect(original.rounds[1].teachersUsed).toEqual(['a1']);
    const saved = Object.fromEntries(['a1', 'a2'].map((id) => [id, readCheckpoint(join(dir, 'agents', id, 'checkpoint.bin'))]));

    const a1 = await Agent.create({ agent: 'a1', config, runDir: dir, ...tcp, resume: true });
    const a2 = await Agent.create({ agent: 'a2', config, runDir: dir, ...tcp, resume: true });
    const peers = Object.fromEntries([a1, a2].map((a) => [a.id, { agent: a.id, peerId: a.peerId, addrs: a.addrs }]));
    a1.setPeers(peers);
    a2.setPeers(peers);
    // watch a2 resume: the weights it resumes on, and the targets it rebuilds
    let atResume: NamedWeights[] | undefined;
    let rebuilt: RoundTargets | undefined;
    const mode = insides(a2).mode;
    const resume = mode.resume.bind(mode);
    mode.resume = async (round, signal) => {
      atResume = insides(a2).learner.model.getWeights();
      rebuilt = await resume(round, signal);
      return rebuilt;
    };
    const outcomes = await Promise.all([a1.run(), a2.run()]);
    await Promise.all([a1.stop(), a2.stop()]);
    expect(outcomes).toEqual(['finished', 'finished']);

    // the restored weights are exactly the saved ones
    const flat = (ws: readonly NamedWeights[]) => ws.flatMap((w) => [...w.values]);
    expect(flat(atResume!)).toEqual(flat(saved.a2.weights));
    expect(saved.a2.meta.round).toBe(1);
    // the targets of round 1 again: chunk 1, taught by a1, with as many samples kept per head as the first time
    expect(rebuilt).toBeDefined();
    expect(rebuilt!.chunkRows).toEqual(publicChunk(config.seed, 1, config.chunkSize, config.publicSize));
    expect(rebuilt!.heads[0].teachers).toEqual(['a1']);
    expect(rebuilt!.heads.map((h) => h.choice.used)).toEqual(original.rounds[1].samplesUsed);
    // and round 2 trains on them: it distils (round 0, with no targets, does not)
    const after = readRun(dir).agents.find((a) => a.id === 'a2')!;
    expect(after.start!.startRound).toBe(2);
    expect(after.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    expect(after.rounds[0].loss.distill.every((d) => d === 0)).toBe(true);
    expect(after.rounds[2].loss.distill[0]).toBeGreaterThan(0);
    expect(after.rounds[2].teachersUsed).toEqual(['a1']);
  }, 120_000);

  it('--resume without a checkpoint starts from round 0 and says so', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line2, rounds: 1, mode: 'isolated' });
    writeRunConfig(dir, config);
    const agent = await Agent.create({ agent: 'a0', config, runDir: dir, ...tcp, resume: true });
    agent.setPeers({});
    expect(await agent.run()).toBe('finished');
    await agent.stop();
    await agent.stop();
    const run = readRun(dir).agents.find((a) => a.id === 'a0')!;
    expect(run.start!.startRound).toBe(0);
    expect(run.rounds.map((r) => r.round)).toEqual([0]);
    expect(readFileSync(join(dir, 'agents', 'a0', 'log'), 'utf8')).toMatch(/--resume given but no checkpoint exists yet: starting from round 0/);
  });

  it('an unknown agent is refused', async () => {
    await expect(Agent.create({ agent: 'zz', config: tinyConfig({ topology: line2 }), runDir: tempDir(), ...tcp })).rejects.toThrow(/unknown agent "zz": the run has a0, a1/);
  });
});

describe('lingering after the last round', () => {
  it('keeps serving until its reader has fetched the last round, then stops at once', async () => {
    const dir = tempDir();
    // a0 finishes long before a1 starts; lingerMs is the fetch timeout (20 s)
    const config = tinyConfig({ topology: arrow, rounds: 2, fetchTimeout: 20 });
    writeRunConfig(dir, config);
    const a0 = await Agent.create({ agent: 'a0', config, runDir: dir, ...tcp });
    const a1 = await Agent.create({ agent: 'a1', config, runDir: dir, ...tcp });
    const peers = Object.fromEntries([a0, a1].map((a) => [a.id, { agent: a.id, peerId: a.peerId, addrs: a.addrs }]));
    a0.setPeers(peers);
    a1.setPeers(peers);
    // a1 starts only once a0 has done its rounds
    let a0Done = 0;
    const a0Run = a0.run().then((o) => ((a0Done = performance.now()), o));
    const rounds = () => readFileSync(join(dir, 'agents', 'a0', 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"round"')).length;
    await expect.poll(rounds, { timeout: 60_000, interval: 50 }).toBe(2);
    const a1Start = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    // still serving: a1 has not fetched round 1 yet
    expect(a0Done).toBe(0);
    const a1Out = await a1.run();
    const a1End = performance.now();
    expect(await a0Run).toBe('finished');
    await Promise.all([a0.stop(), a1.stop()]);
    expect(a1Out).toBe('finished');
    // a0 lingered past a1's start, and ended soon after a1 fetched the last round, well before its 20 s
    expect(a0Done).toBeGreaterThan(a1Start);
    expect(a0Done - a1End).toBeLessThan(5000);
    const a1Rounds = readRun(dir).agents.find((a) => a.id === 'a1')!.rounds;
    expect(a1Rounds[1].teachersUsed).toEqual(['a0']);
    expect(readFileSync(join(dir, 'agents', 'a0', 'log'), 'utf8')).not.toMatch(/stopped serving before/);
  }, 120_000);

  it('a reader that never comes: serving stops after timeouts.lingerMs, with a warning naming it', async () => {
    const dir = tempDir();
    const base = tinyConfig({ topology: arrow, rounds: 1, fetchTimeout: 1 });
    const config = { ...base, timeouts: { ...base.timeouts, lingerMs: 400 } };
    writeRunConfig(dir, config);
    const a0 = await Agent.create({ agent: 'a0', config, runDir: dir, ...tcp });
    // a1 has an address (so it is waited for) but never runs
    a0.setPeers({ a1: { agent: 'a1', peerId: a0.peerId, addrs: ['/ip4/127.0.0.1/tcp/9'] } });
    const t0 = performance.now();
    expect(await a0.run()).toBe('finished');
    await a0.stop();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(400);
    expect(readFileSync(join(dir, 'agents', 'a0', 'log'), 'utf8')).toMatch(/stopped serving before a1 fetched the last round/);
  }, 60_000);
});

describe('runNode (mhd node) in-process', () => {
  it('refuses to start with no way to its neighbours; with an unreachable --peer it runs to the end, skipping it', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line2, rounds: 1, fetchTimeout: 1 });
    writeRunConfig(dir, config);
    const base = { config, agent: 'a0', runDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp' as const };
    const refused = await runNode(base).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StartupError);
    expect((refused as Error).message).toBe('a0 learns from a1 in line-2, but no peer is given: give --peer AGENT=MULTIADDR for its neighbours, or --roster FILE (from `mhd keys`) to find them');
    // A --peer for another agent than its neighbours is no way to them either; an isolated node needs none.
    expect(() => assertReachable({ config, agent: 'a0', peers: { a0: { agent: 'a0', peerId: 'x', addrs: [] } } })).toThrow(/but --peer names only a0:/);
    expect(() => assertReachable({ config: tinyConfig({ topology: line2, mode: 'isolated' }), agent: 'a0' })).not.toThrow();
    const id = peerIdString(await loadOrCreateKey(join(dir, 'other.key')));
    let started = 0;
    await runNode({ ...base, peers: { a1: { agent: 'a1', peerId: id, addrs: [`/ip4/127.0.0.1/tcp/9/p2p/${id}`] } }, onStarted: () => started++ });
    expect(started).toBe(1);
    const a0 = readRun(dir).agents.find((a) => a.id === 'a0')!;
    expect(a0.end!.status).toBe('finished');
    expect(a0.rounds[0].skipped).toEqual([{ agent: 'a1', reason: expect.stringMatching(/unreachable/) }]);
  }, 60_000);

  it('with a roster: runs on its own key; a roster that lacks agents, a missing key or another agent\'s key is a StartupError', async () => {
    const dir = tempDir();
    const keys = join(dir, 'keys');
    const roster = readRoster(await writeKeys({ agents: ['a0', 'a1'], dir: keys, topology: 'line-2', addrs: {} }));
    const config = tinyConfig({ topology: line2, rounds: 1, fetchTimeout: 1, mode: 'isolated' });
    writeRunConfig(dir, config);
    const base = { config, agent: 'a0', runDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'], roster };
    await runNode({ ...base, keyFile: keyFile(keys, 'a0') });
    expect(readRun(dir).agents.find((a) => a.id === 'a0')!.end!.status).toBe('finished');
    // with a bootstrap peer (not listening) and a --peer for a1: the run still finishes on its own
    const id1 = roster.agents.a1.peerId;
    await runNode({ ...base, keyFile: keyFile(keys, 'a0'), resume: true, bootstrap: [`/ip4/127.0.0.1/tcp/9/p2p/${id1}`], peers: { a1: { agent: 'a1', peerId: id1, addrs: [`/ip4/127.0.0.1/tcp/9/p2p/${id1}`] } } });
    expect(readRun(dir).agents.find((a) => a.id === 'a0')!.end!.status).toBe('finished');
    await expect(runNode({ ...base, keyFile: keyFile(keys, 'a0'), bootstrap: ['/ip4/127.0.0.1/tcp/9'] })).rejects.toThrow(/no roster agent lists this address/);
    const three = tinyConfig({ topology: line3, rounds: 1, mode: 'isolated' });
    await expect(runNode({ ...base, config: three, keyFile: keyFile(keys, 'a0') })).rejects.toThrow(/lacks a2 of the run's topology/);
    await expect(runNode({ ...base, keyFile: join(keys, 'missing.key') })).rejects.toThrow(/no key file .*missing\.key for a0/);
    const wrong = await runNode({ ...base, keyFile: keyFile(keys, 'a1') }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(StartupError);
    expect((wrong as Error).message).toMatch(/a0/);
  }, 60_000);

  it('a bad --listen is named', () => {
    expect(parseListen('/ip4/127.0.0.1/tcp/4001')).toBe('/ip4/127.0.0.1/tcp/4001');
    expect(() => parseListen('localhost:4001')).toThrow(/bad --listen "localhost:4001".*\/ip4\/0\.0\.0\.0\/tcp\/4001/);
  });
});
