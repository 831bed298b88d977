// The late rule (src/node/punctuality.ts) through Neighbours.fetchAll with scripted neighbours: a
// staller costs a round the grace after the quorum, not the fetch budget; an honest neighbour that was
// late once is waited for again; a lone teacher is never cut; two echo liars no longer deadlock;
// teachers that all stall stop holding the round.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FetchOutcome, Peer } from '../../src/network/round-service.ts';
import { Neighbours } from '../../src/node/neighbours.ts';
import { lateRule, Punctuality, quorumReached } from '../../src/node/punctuality.ts';
import { AgentLog } from '../../src/node/run-log.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { tempDir } from '../helpers/config.ts';

const never = new AbortController().signal;
const BUDGET_MS = 60_000;
const complete = parseTopology('agents: [a, b, c, d, e, f, g, h]\ngraph: complete\n', 'c.yaml');
const peer = (agent: string): Peer => ({ agent, peerId: `peer-${agent}`, addrs: [`/memory/${agent}`] });
const ok = (value: string): FetchOutcome<string> => ({ ok: true, value, bytesSent: 1, bytesReceived: 1, waitedMs: 0 });
const neighbours = (topology = complete, self = 'a') => {
  const n = new Neighbours(topology, self, new AgentLog(join(tempDir('mhd-late-'), 'log'), self), BUDGET_MS);
  n.setPeers(Object.fromEntries(topology.agents.map((x) => [x, peer(x)])));
  return n;
};
/** Answers after `ms`, or rejects at the fetch's signal (a stop or a cancelled probe). */
const after = (ms: number, value: string, signal: AbortSignal) =>
  sleep(ms, ok(value), { signal });

describe('late neighbours', () => {
  it('the rule: a floor of 1 s at the default budget, the quorum time or a quarter of the work; records earn up to half the budget', () => {
    expect(lateRule(60_000, 0, 100)).toEqual({ floorMs: 1000, graceMs: 1000, capMs: 30_000 });
    expect(lateRule(60_000, 8000, 100)).toMatchObject({ graceMs: 2000 });
    expect(lateRule(60_000, 4000, 3000)).toMatchObject({ graceMs: 3000 });
    expect(lateRule(600_000, 0, 0).floorMs).toBe(10_000);
    // the quorum: half of those that can still answer, known stallers not counted
    const q = { teachers: 7, answered: 3, failed: 1, stallers: 0, stallersOut: false };
    expect(quorumReached(q)).toBe(true);
    expect(quorumReached({ ...q, failed: 0 })).toBe(false);
    expect(quorumReached({ ...q, answered: 2, stallers: 2, stallersOut: true })).toBe(true);
    // nobody answered: a quorum only when stallers alone are left, not when everyone failed
    expect(quorumReached({ teachers: 2, answered: 0, failed: 0, stallers: 2, stallersOut: true })).toBe(true);
    expect(quorumReached({ teachers: 2, answered: 0, failed: 2, stallers: 0, stallersOut: false })).toBe(false);
    const p = new Punctuality();
    const rule = lateRule(60_000, 0, 0);
    expect(p.allowance('new', rule, 0)).toEqual({ ms: 1000, staller: false, behind: false });
    // twice the least lag seen, not the last: a lag that follows the allowance cannot make it grow
    p.answered('slow', 2000);
    p.answered('slow', 8000);
    expect(p.allowance('slow', rule, 0)).toEqual({ ms: 4000, staller: false, behind: false });
    p.answered('staller', 59_000);
    // a staller is not waited for at all once the quorum is in (its fetch goes on as a probe)
    expect(p.allowance('staller', rule, 0)).toEqual({ ms: 0, staller: true, behind: false });
    // skipped at a quorum at t = 0 and not answered since: behind, so no grace; past the cap, a staller
    p.probe('behind', 0, new Promise<never>(() => {}), () => undefined, 60_000);
    expect(p.allowance('behind', rule, 1000)).toEqual({ ms: 0, staller: false, behind: true });
    expect(p.allowance('behind', rule, 31_000)).toEqual({ ms: 0, staller: true, behind: true });
    // behind, but prompt before (a healed partition, a slow round): catching up, so it gets its grace
    p.answered('healed', 300);
    p.probe('healed', 0, new Promise<never>(() => {}), () => undefined, 60_000);
    expect(p.allowance('healed', rule, 1000)).toEqual({ ms: 1000, staller: false, behind: true });
  });

  it('stallers cost the grace after the quorum, not the budget; an honest neighbour late once is waited for next round', async () => {
    const a = neighbours();
    const fetch = (p: Peer, signal: AbortSignal) => {
      // Every neighbour reads from a too, this round: it is alive.
      a.access().reader(`peer-${p.agent}`);
      if (p.agent === 'g' || p.agent === 'h') return after(50_000, 'stalled', signal);
      return after(p.agent === 'f' ? 1600 : 0, `from ${p.agent}`, signal);
    };
    const t0 = Date.now();
    const first = await a.fetchAll(fetch, never);
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(first.ok.map((o) => o.agent)).toEqual(['b', 'c', 'd', 'e']);
    expect(first.skipped.map((s) => s.agent).sort()).toEqual(['f', 'g', 'h']);
    expect(first.skipped[0].reason).toMatch(/^late: no answer within 1\.\d s of the quorum \(4 of 7 neighbours had answered\)$/);
    expect(first.lateSeconds).toBeGreaterThanOrEqual(0.95);
    expect(first.lateSeconds).toBeLessThan(2);
    expect(a.takeLateSeconds()).toBe(first.lateSeconds);
    expect(a.takeLateSeconds()).toBe(0);
    // f's fetch went on: its lag, 1.6 s, is on record, and earns it twice that.
    await sleep(1000);
    const t1 = Date.now();
    const second = await a.fetchAll(fetch, never);
    expect(second.ok.map((o) => o.agent)).toEqual(['b', 'c', 'd', 'e', 'f']);
    expect(second.skipped.map((s) => s.agent).sort()).toEqual(['g', 'h']);
    // g and h have not answered the first round's request yet: no grace at all, they are skipped as
    // soon as the quorum is in; f's 1.6 s ends the round.
    expect(second.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/^late: no answer within 0\.\d s of the quorum \(4 of 7 neighbours had answered, still behind on an earlier request\)$/),
      expect.stringMatching(/still behind on an earlier request/),
    ]);
    expect(Date.now() - t1).toBeLessThan(2500);
    expect(second.lateSeconds).toBeGreaterThan(1.5);
  }, 15_000);

  it('a lone teacher is never cut: with nobody to compare with, it gets the whole budget', async () => {
    const line = parseTopology('agents: [x, y]\ndirected: true\nedges: [[x, y]]\n', 'l.yaml');
    const y = neighbours(line, 'y');
    const res = await y.fetchAll((_p, signal) => after(1500, 'late but alone', signal), never);
    expect(res.ok).toEqual([{ agent: 'x', value: 'late but alone' }]);
    expect(res.lateSeconds).toBe(0);
  });

  it('a late teacher not heard from (behind a partition, down, or one that never reads) is waited for as before', async () => {
    const a = neighbours();
    const t0 = Date.now();
    const res = await a.fetchAll((p, signal) => after(p.agent === 'h' ? 2500 : 0, `from ${p.agent}`, signal), never);
    expect(res.ok.map((o) => o.agent)).toContain('h');
    expect(res.skipped).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2400);
    expect(res.lateSeconds).toBeGreaterThan(2);
  });

  it('two echo liars, each serving only once its own fetch is done, no longer wait for each other', async () => {
    const liars = { e: neighbours(complete, 'e'), f: neighbours(complete, 'f') };
    const done: Record<string, Promise<unknown>> = {};
    const echoFetch = (self: 'e' | 'f') => (p: Peer, signal: AbortSignal) => {
      const other = self === 'e' ? 'f' : 'e';
      // Asking a liar for its round is what lets it hear from this one.
      if (p.agent === other) liars[other].access().reader(`peer-${self}`);
      if (p.agent !== other) return after(10, `from ${p.agent}`, signal);
      // The other liar answers once its own fetch of the round is over.
      return Promise.race([done[other].then(() => ok(`echo of ${other}`)), sleep(BUDGET_MS, undefined, { signal }).then(() => ok('never'))]);
    };
    const t0 = Date.now();
    done.e = liars.e.fetchAll(echoFetch('e'), never);
    done.f = liars.f.fetchAll(echoFetch('f'), never);
    const [e, f] = (await Promise.all([done.e, done.f])) as Awaited<ReturnType<Neighbours['fetchAll']>>[];
    expect(Date.now() - t0).toBeLessThan(2500);
    // The first to give up on the other serves at once, so the other may even get its echo in time.
    expect(e.skipped).toEqual([expect.objectContaining({ agent: 'f', reason: expect.stringMatching(/^late: /) })]);
    expect(e.ok).toHaveLength(6);
    expect(f.ok.length + f.skipped.length).toBe(7);
  });

  it('when every teacher stalls, they answer together, and from the third round on they are skipped at the start', async () => {
    // A 4 s budget: the floor is 1 s, the cap 2 s. Both teachers answer 3 s into every fetch, so each
    // answers a moment after the quorum that the other made: only the time to answer shows them. In
    // the second round their replies come too late and the streams fail: that counts as late as well.
    const line = parseTopology('agents: [x, y, z]\nedges: [[x, y], [y, z]]\n', 'l.yaml');
    const y = new Neighbours(line, 'y', new AgentLog(join(tempDir('mhd-late-'), 'log'), 'y'), 4000);
    y.setPeers(Object.fromEntries(line.agents.map((a) => [a, peer(a)])));
    let round = 0;
    const stall = (p: Peer, signal: AbortSignal) => {
      y.access().reader(`peer-${p.agent}`);
      const answer = after(3000, `from ${p.agent}`, signal);
      return round === 1 ? answer.then(() => Promise.reject(new Error('The stream has been reset'))) : answer;
    };
    const first = await y.fetchAll(stall, never);
    expect(first.ok.map((o) => o.agent)).toEqual(['x', 'z']);
    round = 1;
    const t = Date.now();
    const second = await y.fetchAll(stall, never);
    expect(second.skipped.map((s) => s.reason)).toEqual(['unreachable: The stream has been reset', 'unreachable: The stream has been reset']);
    expect(Date.now() - t).toBeGreaterThanOrEqual(2900);
    round = 2;
    const t2 = Date.now();
    const third = await y.fetchAll(stall, never);
    expect(Date.now() - t2).toBeLessThan(500);
    expect(third.ok).toEqual([]);
    expect(third.skipped.map((s) => s.reason)).toEqual([expect.stringMatching(/^late: no answer within 0\.\d s of the quorum \(0 of 2 neighbours had answered, a known staller\)$/), expect.stringMatching(/a known staller/)]);
    expect(third.lateSeconds).toBeLessThan(0.5);
  }, 15_000);
});
