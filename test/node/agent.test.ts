import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../src/cluster/simulate.ts';
import { Agent } from '../../src/node/agent.ts';
import { CENTRAL_AGENT, loadRunData } from '../../src/node/config.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');

describe('agent runtime', () => {
  it('runs every agent through every round, exchanging predictions with its neighbours', async () => {
    const dir = tempDir();
    const summary = await simulate(tinyConfig({ topology: line3, rounds: 3 }), dir);
    expect(summary.agents.map((a) => [a.id, a.status, a.roundsCompleted])).toEqual([
      ['a0', 'finished', 3],
      ['a1', 'finished', 3],
      ['a2', 'finished', 3],
    ]);
    const run = readRun(dir);
    const a1 = run.agents.find((a) => a.id === 'a1')!;
    // from round 0 on, a1 learns from both ends of the line and they from it
    expect(a1.rounds[1].teachersUsed).toEqual(['a0', 'a2']);
    expect(a1.rounds[1].bytesReceived.a0).toBeGreaterThan(100 * 4 * 10 * 4);
    expect(a1.rounds.every((r) => r.skipped.length === 0 && r.rejected.length === 0)).toBe(true);
    expect(summary.agents[0].sharedAccuracy).toHaveLength(4);
  });

  it('records memory per round, and a lone agent\'s live tensors stay flat from round to round', async () => {
    const dir = tempDir();
    await simulate(tinyConfig({ topology: topologyFile('agents: [solo]\nedges: []\n'), rounds: 4 }), dir);
    const rounds = readRun(dir).agents[0].rounds;
    expect(rounds.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    expect(rounds[1].memory.tensors).toBeGreaterThan(0);
    expect(rounds[3].memory.tensors).toBe(rounds[1].memory.tensors);
    expect(rounds[3].memory.rssMB).toBeGreaterThan(0);
  });

  it('stopping the middle agent of a line mid-run: the others finish every round and log the skips', async () => {
    const dir = tempDir();
    const summary = await simulate(tinyConfig({ topology: line3, rounds: 5, fetchTimeout: 2 }), dir, { stopAfter: { a1: 1 } });
    const status = Object.fromEntries(summary.agents.map((a) => [a.id, [a.status, a.roundsCompleted]]));
    expect(status).toEqual({ a0: ['finished', 5], a1: ['stopped', 2], a2: ['finished', 5] });
    const run = readRun(dir);
    for (const id of ['a0', 'a2']) {
      const rounds = run.agents.find((a) => a.id === id)!.rounds;
      expect(rounds.map((r) => r.round)).toEqual([0, 1, 2, 3, 4]);
      // Round 2's request may reach a1 before its stop takes effect and be answered with a1's round 1
      // (within the staleness bound of 1), so only the rounds after the stop surely took effect count:
      // from round 3 on (accepting 2..3) there is no round of a1 to be had, and every one is skipped.
      expect(rounds[2].teachersUsed.includes('a1') !== rounds[2].skipped.some((s) => s.agent === 'a1')).toBe(true);
      for (const r of rounds.slice(3)) {
        expect(r.skipped.map((s) => s.agent)).toEqual(['a1']);
        expect(r.teachersUsed).toEqual([]);
      }
      expect(readFileSync(join(dir, 'agents', id, 'log'), 'utf8')).toMatch(/round 3: skipped a1: [\s\S]*round 4: skipped a1: /);
    }
    expect(summary.agents.find((a) => a.id === 'a0')!.roundsSkipped).toBeGreaterThanOrEqual(2);
  });

  it("a stopped agent is marked gone: its neighbours do not linger the whole --fetch-timeout for it", async () => {
    const dir = tempDir();
    const t0 = performance.now();
    await simulate(tinyConfig({ topology: line3, rounds: 3, fetchTimeout: 30 }), dir, { stopAfter: { a1: 0 } });
    expect((performance.now() - t0) / 1000).toBeLessThan(30);
    for (const id of ['a0', 'a2']) {
      const log = readFileSync(join(dir, 'agents', id, 'log'), 'utf8');
      expect(log).toMatch(/a1 is gone/);
      expect(log).not.toMatch(/stopped serving before/);
    }
  });

  it('an agent stopped after a checkpoint resumes from that round with the same peer id', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line3, rounds: 4, fetchTimeout: 1, checkpointEvery: 1 });
    await simulate(config, dir, { stopAfter: { a2: 1 } });
    const before = readRun(dir).agents.find((a) => a.id === 'a2')!;
    expect(before.rounds.map((r) => r.round)).toEqual([0, 1]);
    const agent = await Agent.create({ agent: 'a2', config, runDir: dir, transport: 'tcp', listen: ['/ip4/127.0.0.1/tcp/0'], resume: true });
    expect(agent.peerId).toBe(before.start!.peerId);
    agent.setPeers({});
    expect(await agent.run()).toBe('finished');
    await agent.stop();
    const after = readRun(dir).agents.find((a) => a.id === 'a2')!;
    expect(after.start!.startRound).toBe(2);
    expect(after.start!.peerId).toBe(before.start!.peerId);
    expect(after.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3]);
    expect(after.end!.status).toBe('finished');
  });

  it('exchanges embeddings when asked and distils them', async () => {
    const dir = tempDir();
    await simulate(tinyConfig({ topology: line3, rounds: 2, embeddings: true, nuEmb: 0.5 }), dir);
    const a1 = readRun(dir).agents.find((a) => a.id === 'a1')!;
    expect(a1.rounds[0].loss.embedding).toBe(0);
    expect(a1.rounds[1].loss.embedding).toBeGreaterThan(0);
    // 100 samples x 64 floats of embedding ride along with the predictions
    expect(a1.rounds[1].bytesReceived.a0).toBeGreaterThan(100 * 64 * 4);
  });

  it('the central baseline trains one model on the pooled data and reports every agent', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line3, rounds: 2, mode: 'central' });
    const summary = await simulate(config, dir);
    expect(summary.agents.map((a) => a.id)).toEqual(['a0', 'a1', 'a2']);
    expect(new Set(summary.agents.map((a) => a.sharedAccuracy[0])).size).toBe(1);
    // The fair baseline: the profile's own model, all 4 heads (tinyOptions has 3 auxiliary heads).
    expect(summary.agents.every((a) => a.privateAccuracy.length === 4)).toBe(true);
    // the one learner's data is every agent's private set: its class histogram is their sum
    const start = JSON.parse(readFileSync(join(dir, 'agents', CENTRAL_AGENT, 'metrics.jsonl'), 'utf8').split('\n')[0]);
    const { partition } = loadRunData(config);
    const sum = partition.histograms.reduce((t, h) => t.map((v, c) => v + h[c]));
    expect(start.histogram).toEqual(sum);
    expect(sum.reduce((a: number, b: number) => a + b, 0)).toBe(3 * 100);
    // and each agent's private accuracy is weighed by its own histogram, not the pooled one
    expect(new Set(summary.agents.map((a) => a.privateAccuracy[0])).size).toBeGreaterThan(1);
  });

  it('the gossip baseline averages weights over libp2p', async () => {
    const dir = tempDir();
    const summary = await simulate(tinyConfig({ topology: line3, rounds: 2, mode: 'gossip' }), dir);
    const run = readRun(dir);
    const a1 = run.agents.find((a) => a.id === 'a1')!;
    expect(a1.rounds[0].teachersUsed).toEqual(['a0', 'a2']);
    // the small MLP has 784*64 + 64 + 64*10 + 10 = 50,954 weights: about 200 KB per neighbour per round
    expect(a1.rounds[0].bytesReceived.a0).toBeGreaterThan(200_000);
    expect(summary.agents.every((a) => a.status === 'finished')).toBe(true);
  });
});
