// The worker process of a local cluster, run in this process: the launcher's side of the IPC channel is
// played by replacing process.send (messages to the launcher) and emitting 'message' (messages to the
// worker). Everything else is real: agents, hosts, rounds, the run directory.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ToAgent, ToLauncher } from '../../src/node/ipc.ts';
import { writeRunConfig } from '../../src/node/config.ts';
import { runWorker } from '../../src/node/run-worker.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';
import { NODE } from '../helpers/node-bin.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');
const OURS = new Set(['ready', 'round', 'done', 'failed']);
const realSend = process.send;

/** Captures the worker's messages; anything else (the test runner's own IPC) goes through. */
function captureSend(): ToLauncher[] {
  const got: ToLauncher[] = [];
  process.send = ((msg: unknown, ...rest: unknown[]) => {
    if (typeof msg === 'object' && msg !== null && OURS.has((msg as { type?: string }).type ?? '')) {
      got.push(msg as ToLauncher);
      return true;
    }
    return (realSend as (...a: unknown[]) => boolean).call(process, msg, ...rest);
  }) as typeof process.send;
  return got;
}
const toWorker = (m: ToAgent) => process.emit('message', m as never, undefined as never);

afterEach(() => {
  process.send = realSend;
});

describe('runWorker', () => {
  it('refuses to run outside the launcher', async () => {
    process.send = undefined;
    const run = runWorker({ config: tinyConfig({ topology: line3 }), agents: ['a0'], runDir: tempDir() });
    process.send = realSend;
    await expect(run).rejects.toThrow(/runs under the cluster launcher/);
  });

  it('hosts its agents, waits for the peers, runs them; stops one on request and passes on who is gone', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line3, rounds: 3, fetchTimeout: 2 });
    // the launcher writes the run's config before it starts a worker
    writeRunConfig(dir, config);
    const got = captureSend();
    let stopped = false;
    const timer = setInterval(() => {
      // a2 is told to stop once it finished round 0; its neighbours are then told it is gone
      if (!stopped && got.some((m) => m.type === 'round' && m.agent === 'a2' && m.round === 0)) {
        stopped = true;
        toWorker({ type: 'stop', agent: 'a2' });
      }
      if (got.some((m) => m.type === 'done' && m.agent === 'a2')) toWorker({ type: 'gone', agent: 'a2' });
    }, 20);
    const worker = runWorker({ config, agents: ['a0', 'a1', 'a2'], runDir: dir });
    await expect.poll(() => got.filter((m) => m.type === 'ready').length, { timeout: 30_000 }).toBe(3);
    const ready = got.filter((m): m is Extract<ToLauncher, { type: 'ready' }> => m.type === 'ready');
    expect(ready.map((m) => m.agent)).toEqual(['a0', 'a1', 'a2']);
    // nothing runs before the peers arrive
    expect(got.some((m) => m.type === 'round')).toBe(false);
    toWorker({ type: 'peers', peers: Object.fromEntries(ready.map((m) => [m.agent, { agent: m.agent, peerId: m.peerId, addrs: m.addrs }])) });
    await worker;
    clearInterval(timer);
    const done = Object.fromEntries(got.filter((m) => m.type === 'done').map((m) => [m.agent, (m as { outcome: string }).outcome]));
    expect(done).toEqual({ a0: 'finished', a1: 'finished', a2: 'stopped' });
    const rounds = got.filter((m) => m.type === 'round' && m.agent === 'a0');
    expect(rounds.map((m) => (m as { round: number }).round)).toEqual([0, 1, 2]);
    expect(rounds.every((m) => (m as { rounds: number }).rounds === 3)).toBe(true);
    const run = readRun(dir);
    expect(run.agents.find((a) => a.id === 'a1')!.rounds[0].teachersUsed).toEqual(['a0', 'a2']);
    expect(readFileSync(join(dir, 'agents', 'a1', 'log'), 'utf8')).toMatch(/a2 is gone/);
  }, 120_000);

  it('an agent that cannot start is reported failed while the others start; a stop before the peers ends the worker without a run', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'agents', 'a1'), { recursive: true });
    writeFileSync(join(dir, 'agents', 'a1', 'key'), 'not a key');
    const got = captureSend();
    const worker = runWorker({ config: tinyConfig({ topology: line3 }), agents: ['a0', 'a1'], runDir: dir });
    await expect.poll(() => got.length, { timeout: 30_000 }).toBe(2);
    expect(got.map((m) => [m.type, m.agent])).toEqual([
      ['ready', 'a0'],
      ['failed', 'a1'],
    ]);
    expect((got[1] as { reason: string }).reason).not.toMatch(/\n/);
    toWorker({ type: 'stop' });
    await worker;
    expect(got.filter((m) => m.type === 'round' || m.type === 'done')).toEqual([]);
  }, 60_000);
});

describe('a worker whose launcher is gone', () => {
  it('stops its agents after their round, leaves their end records and exits 0 (not crashing on its next message)', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line3, rounds: 200, fetchTimeout: 2 });
    writeRunConfig(dir, config);
    const child = spawn(NODE, ['src/cli.ts', 'worker', '--agents', 'a0,a1,a2', '--config', join(dir, 'config.json'), '--out', dir], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const got: ToLauncher[] = [];
    child.on('message', (m: ToLauncher) => got.push(m));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    await expect.poll(() => got.filter((m) => m.type === 'ready').length, { timeout: 60_000, interval: 50 }).toBe(3);
    const ready = got.filter((m): m is Extract<ToLauncher, { type: 'ready' }> => m.type === 'ready');
    child.send({ type: 'peers', peers: Object.fromEntries(ready.map((m) => [m.agent, { agent: m.agent, peerId: m.peerId, addrs: m.addrs }])) } satisfies ToAgent);
    await expect.poll(() => got.some((m) => m.type === 'round'), { timeout: 60_000, interval: 50 }).toBe(true);
    // the launcher's end of the channel closes, as when the launcher dies
    child.disconnect();
    const code = await exited;
    clearTimeout(killer);
    expect(code, stderr).toBe(0);
    for (const agent of ['a0', 'a1', 'a2']) {
      const lines = readFileSync(join(dir, 'agents', agent, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string; roundsCompleted?: number });
      const end = lines.at(-1)!;
      expect(end).toMatchObject({ type: 'end', status: 'stopped' });
      expect(end.roundsCompleted).toBeLessThan(200);
    }
  }, 150_000);
});
