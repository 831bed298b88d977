// Four agents on four "hosts" (network namespaces on a private bridge), each started with only the
// roster and one bootstrap address: they find each other, one host is cut off for about two rounds,
// and after the heal every agent finishes and learns from both ring neighbours again.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE } from '../helpers/node-bin.ts';
import { tempDir } from '../helpers/config.ts';
import { makeHosts, netnsUnavailable, type Hosts } from '../helpers/netns.ts';

const why = netnsUnavailable();
if (why) console.warn(`multi-host test skipped: ${why}`);

const N = 4;
const ROUNDS = 8;
const PORT = 4001;
const FETCH_TIMEOUT_S = 8;
const tiny = ['--nodes', 'small', '--private', '100', '--public', '400', '--chunk', '100', '--steps', '3', '--eval-samples', '300', '--backend', 'wasm'];

interface Line {
  type: string;
  round?: number;
  teachersUsed?: string[];
  skipped?: { agent: string; reason: string }[];
  status?: string;
  roundsCompleted?: number;
}

const records = (dir: string, agent: string): Line[] => {
  const f = join(dir, `run-${agent}`, 'agents', agent, 'metrics.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) : [];
};
const rounds = (dir: string, agent: string) => records(dir, agent).filter((r) => r.type === 'round');

async function until(what: string, ms: number, ok: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let hosts: Hosts | undefined;
const agents: ChildProcess[] = [];
afterAll(() => {
  for (const p of agents) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  const left = hosts?.cleanup() ?? [];
  expect(left, 'namespaces or links left behind').toEqual([]);
});

describe.skipIf(why !== undefined)(`multi-host: ${N} agents in ${N} network namespaces${why ? ` (skipped: ${why})` : ''}`, () => {
  it('find each other from a roster and one bootstrap address, survive a partition of one host, and learn from both neighbours after the heal', async () => {
    const dir = tempDir('mhd-multihost-');
    hosts = makeHosts(N);
    const h = hosts;
    const keys = spawnSync(NODE, ['src/cli.ts', 'keys', '--topology', 'topologies/ring-4.yaml', '--out', join(dir, 'keys')], { encoding: 'utf8' });
    expect(keys.stderr).toBe('');
    const roster = join(dir, 'keys', 'roster.yaml');
    const bootstrap = `/ip4/${h.addr[0]}/tcp/${PORT}/p2p/${/a0\s+(\S+)/.exec(keys.stdout)![1]}`;
    const exits: Promise<number | null>[] = [];
    for (let i = 0; i < N; i++) {
      const agent = `a${i}`;
      const out = openSync(join(dir, `${agent}.out`), 'w');
      const args = ['netns', 'exec', h.ns[i], NODE, 'src/cli.ts', 'node', '--agent', agent, '--roster', roster, '--listen', `/ip4/${h.addr[i]}/tcp/${PORT}`, '--bootstrap', bootstrap];
      // The fetch timeout is long enough for an agent that is ahead to wait for neighbours that the cut
      // slowed down (with 3 s, a fast agent skipped both in its last round on a loaded machine).
      args.push('--topology', 'topologies/ring-4.yaml', ...tiny, '--rounds', String(ROUNDS), '--fetch-timeout', String(FETCH_TIMEOUT_S), '--out', join(dir, `run-${agent}`));
      const p = spawn('ip', args, { stdio: ['ignore', out, out] });
      agents.push(p);
      exits.push(new Promise((resolve) => p.on('exit', (code) => resolve(code))));
    }
    const cut = 1; // a1: its neighbours a0 and a2 lose it
    const skippedCut = (agent: string) => rounds(dir, agent).filter((r) => r.skipped?.some((s) => s.agent === `a${cut}`)).length;
    await until('a1 to finish round 1', 90_000, () => rounds(dir, 'a1').length >= 2);
    const before = { a0: skippedCut('a0'), a2: skippedCut('a2') };
    h.setLink(cut, false);
    const cutAt = Date.now();
    try {
      // About two rounds: each neighbour of a1 skips it twice (every such round waits --fetch-timeout),
      // and a1 has had one round wholly inside the cut (on a loaded machine its rounds can straddle it).
      const cutOff = () => rounds(dir, 'a1').some((r) => (r.skipped ?? []).length === 2);
      await until('a0 and a2 to skip a1 twice, and a1 to skip both', 8 * FETCH_TIMEOUT_S * 1000, () => skippedCut('a0') >= before.a0 + 2 && skippedCut('a2') >= before.a2 + 2 && cutOff()).catch(() => undefined);
    } finally {
      h.setLink(cut, true);
    }
    const cutSeconds = (Date.now() - cutAt) / 1000;
    const codes = await Promise.race([Promise.all(exits), new Promise<null>((r) => setTimeout(() => r(null), 150_000))]);
    const tail = (a: string) => readFileSync(join(dir, `${a}.out`), 'utf8').split('\n').slice(-15).join('\n');
    expect(codes, `agents did not all exit in time:\n${['a0', 'a1', 'a2', 'a3'].map(tail).join('\n')}`).not.toBeNull();
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(cutSeconds).toBeGreaterThan(3);
    for (let i = 0; i < N; i++) {
      const agent = `a${i}`;
      const end = records(dir, agent).find((r) => r.type === 'end');
      expect(end, agent).toMatchObject({ status: 'finished', roundsCompleted: ROUNDS });
      const last = rounds(dir, agent).at(-1)!;
      expect(last.round).toBe(ROUNDS - 1);
      expect([...last.teachersUsed!].sort(), `${agent} learns from both ring neighbours in the last round`).toEqual([`a${(i + 1) % N}`, `a${(i + N - 1) % N}`].sort());
    }
    // the partition did happen: both neighbours of a1 skipped it, and a1 skipped both of them
    expect(skippedCut('a0')).toBeGreaterThan(before.a0);
    expect(skippedCut('a2')).toBeGreaterThan(before.a2);
    expect(rounds(dir, 'a1').some((r) => (r.skipped ?? []).length === 2), 'a1 skipped both neighbours in a round').toBe(true);
    // nobody was given a single --peer: every neighbour was found by discovery
    const log = readFileSync(join(dir, 'a2.out'), 'utf8');
    expect(log).toMatch(/discovery: found a1 after/);
    expect(log).toMatch(/discovery: found a3 after/);
    console.log(`multi-host: partition of a1 lasted ${cutSeconds.toFixed(1)}s`);
  }, 300_000);
});
