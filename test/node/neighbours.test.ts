// The agent's own rules about the others (src/node/neighbours.ts): who may read from it on a directed
// graph, checked through the hooks its servers really use; how fetches are sorted into answers, skips
// and rejections; who linger still waits for.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Libp2p } from 'libp2p';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createHost } from '../../src/network/host.ts';
import { DeadlineError, WireError } from '../../src/network/errors.ts';
import type { FetchOutcome, Peer } from '../../src/network/round-service.ts';
import { RoundStore } from '../../src/network/round-store.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';
import { Neighbours } from '../../src/node/neighbours.ts';
import { AgentLog } from '../../src/node/run-log.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { tempDir } from '../helpers/config.ts';
import { fetchPredictions, servePredictions } from '../helpers/services.ts';

const never = new AbortController().signal;

// x -> y -> z, plus w that only y learns from: y's teachers are x and w, its only reader is z.
const directed = parseTopology('agents: [x, y, z, w]\ndirected: true\nedges: [[x, y], [y, z], [w, y]]\n', 'd.yaml');
const logFile = () => join(tempDir('mhd-nb-'), 'log');
const peer = (agent: string, addrs: string[] = [`/memory/${agent}`]): Peer => ({ agent, peerId: `peer-${agent}`, addrs });
const outcome = <T>(o: Partial<FetchOutcome<T>> & ({ ok: true; value: T } | { ok: false; status: string; message: string })): FetchOutcome<T> =>
  ({ bytesSent: 10, bytesReceived: 100, waitedMs: 0, ...o }) as FetchOutcome<T>;

describe('Neighbours on a directed graph', () => {
  it('teachers are the in-neighbours, readers the out-neighbours', () => {
    const y = new Neighbours(directed, 'y', new AgentLog(logFile(), 'y'));
    expect(y.teachers).toEqual(['x', 'w']);
    expect(y.readers).toEqual(['z']);
  });

  it('readerOf: only an out-neighbour may read; a teacher, an unknown peer and itself may not, and refusals are logged', () => {
    const file = logFile();
    const y = new Neighbours(directed, 'y', new AgentLog(file, 'y'));
    y.setPeers({ x: peer('x'), y: peer('y'), z: peer('z'), w: peer('w') });
    expect(y.readerOf('peer-z')).toBe('z');
    expect(y.readerOf('peer-x')).toBeUndefined();
    expect(y.readerOf('peer-w')).toBeUndefined();
    expect(y.readerOf('peer-y')).toBeUndefined();
    expect(y.readerOf('peer-stranger')).toBeUndefined();
    // setPeers leaves itself out of the allow-list
    expect([...y.allowedPeers()].sort()).toEqual(['peer-w', 'peer-x', 'peer-z']);
    const hooks = y.access();
    expect(hooks.reader('peer-z')).toBe('z');
    expect(hooks.reader('peer-x')).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toMatch(/refused to serve peer peer-x: not an agent that learns from y/);
  });

  describe('through a real server using the agent\'s hooks', async () => {
    const keys = Object.fromEntries(await Promise.all(['x', 'y', 'z'].map(async (a) => [a, await generateKeyPair('Ed25519')] as const)));
    const ids = Object.fromEntries(Object.entries(keys).map(([a, k]) => [a, peerIdFromPrivateKey(k).toString()]));
    const nodes: Libp2p[] = [];
    afterAll(async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    });

    it('the out-neighbour z is served; the in-neighbour x, which can connect, is refused', async () => {
      const allowed = () => new Set(Object.values(ids));
      const hosts: Record<string, Libp2p> = {};
      for (const a of ['x', 'y', 'z']) {
        hosts[a] = await createHost({ privateKey: keys[a], listen: [`/memory/mhd-nb-${process.pid}-${a}`], transport: 'memory', allowedPeers: allowed });
        nodes.push(hosts[a]);
      }
      const peers = Object.fromEntries(['x', 'y', 'z'].map((a) => [a, { agent: a, peerId: ids[a], addrs: hosts[a].getMultiaddrs().map(String) }]));
      const y = new Neighbours(directed, 'y', new AgentLog(logFile(), 'y'));
      y.setPeers(peers);
      const store = new RoundStore<PredictionBatch>(2);
      store.put(0, { agent: 'y', round: 0, chunkHash: 'c0', heads: 1, classes: 2, samples: 1, probs: Float32Array.from([0.25, 0.75]) });
      await servePredictions(hosts.y, 'y', store, 'f32', { ...y.access(), maxWaitMs: 100 });
      const exp = { agent: 'y', minRound: 0, maxRound: 0, chunkHash: () => 'c0', classes: 2, samples: 1, maxHeads: 4, embeddingSize: 0 };
      const req = { round: 0, minRound: 0, waitMs: 0 };
      const byZ = await fetchPredictions(hosts.z, peers.y, req, exp, 3000);
      expect(byZ.ok).toBe(true);
      const byX = await fetchPredictions(hosts.x, peers.y, req, exp, 3000);
      expect(byX).toMatchObject({ ok: false, status: 'forbidden' });
      // only z's fetch counts as served and as bytes sent to a reader
      expect(y.unservedReaders(0)).toEqual([]);
      expect(Object.keys(y.takeSent())).toEqual(['z']);
    });
  });
});

describe('Neighbours: linger bookkeeping', () => {
  it('a reader stays unserved until it has the round; a gone reader is not waited for, until it fetches again', () => {
    const file = logFile();
    const y = new Neighbours(directed, 'y', new AgentLog(file, 'y'));
    // no address for z yet: nobody to wait for
    expect(y.unservedReaders(2)).toEqual([]);
    y.setPeers({ x: peer('x'), z: peer('z') });
    const hooks = y.access();
    expect(y.unservedReaders(2)).toEqual(['z']);
    hooks.onSent!('z', 500, 1);
    hooks.onSent!('z', 40, undefined);
    expect(y.unservedReaders(2)).toEqual(['z']);
    expect(y.unservedReaders(1)).toEqual([]);
    y.markGone('z');
    y.markGone('z');
    y.markGone('y');
    expect(y.unservedReaders(2)).toEqual([]);
    expect(readFileSync(file, 'utf8').match(/z is gone/g)).toHaveLength(1);
    // marking a non-reader gone is silent
    y.markGone('x');
    expect(readFileSync(file, 'utf8')).not.toMatch(/x is gone/);
    // a gone reader that asks again is alive: served and counted again
    hooks.onSent!('z', 60, 2);
    expect(y.unservedReaders(3)).toEqual(['z']);
    expect(y.takeSent()).toEqual({ z: 600 });
    expect(y.takeSent()).toEqual({});
    hooks.onError!('peer-z', new Error('stream reset'));
    expect(readFileSync(file, 'utf8')).toMatch(/serving peer-z failed: stream reset/);
  });
});

describe('Neighbours.fetchAll', () => {
  const ring = parseTopology('agents: [a, b, c, d, e, f]\ngraph: complete\n', 'c.yaml');

  it('sorts answers, refusals, protocol breaches, deadlines and network failures apart', async () => {
    const a = new Neighbours(ring, 'a', new AgentLog(logFile(), 'a'));
    a.setPeers({ b: peer('b'), c: peer('c'), d: peer('d'), e: peer('e'), f: peer('f', []) });
    const res = await a.fetchAll<string>(async (p) => {
      switch (p.agent) {
        case 'b':
          await new Promise((r) => setTimeout(r, 30));
          return outcome({ ok: true, value: 'from b', waitedMs: 1500 });
        case 'c':
          return outcome({ ok: true, value: 'from c', waitedMs: 200 });
        case 'd':
          return outcome({ ok: false, status: 'gone', message: 'round 1 is no longer kept (oldest 3)' });
        case 'e':
          throw new WireError('wrong-chunk', 'chunk hash differs');
        default:
          throw new Error('should not be asked');
      }
    }, never);
    // answers in the topology's order, whatever order they came in
    expect(res.ok).toEqual([{ agent: 'b', value: 'from b' }, { agent: 'c', value: 'from c' }]);
    expect(res.skipped).toEqual(
      expect.arrayContaining([
        { agent: 'd', reason: 'gone: round 1 is no longer kept (oldest 3)' },
        { agent: 'f', reason: 'not found yet: discovery is still looking' },
      ]),
    );
    expect(res.skipped).toHaveLength(2);
    expect(res.rejected).toEqual([{ agent: 'e', reason: 'wrong-chunk: chunk hash differs' }]);
    expect(res.received).toEqual({ b: 100, c: 100, d: 100 });
    expect(res.waitSeconds).toBe(1.5);
    expect(a.takeSent()).toEqual({ b: 10, c: 10, d: 10 });
  });

  it('a deadline is "timed out", any other failure "unreachable", an unknown neighbour "no address known"', async () => {
    const a = new Neighbours(ring, 'a', new AgentLog(logFile(), 'a'));
    a.setPeers({ b: peer('b'), c: peer('c') });
    const res = await a.fetchAll<string>(async (p) => {
      if (p.agent === 'b') throw new DeadlineError('reading the header took longer than 10 ms');
      throw new Error('connection refused');
    }, never);
    expect(res.ok).toEqual([]);
    expect(Object.fromEntries(res.skipped.map((s) => [s.agent, s.reason]))).toEqual({
      b: 'timed out: reading the header took longer than 10 ms',
      c: 'unreachable: connection refused',
      d: 'no address known for this neighbour',
      e: 'no address known for this neighbour',
      f: 'no address known for this neighbour',
    });
  });

  it('waits (up to locateWaitMs) for discovery to find a teacher known only by peer id', async () => {
    const a = new Neighbours(ring, 'a', new AgentLog(logFile(), 'a'), 3000);
    a.setPeers({ b: peer('b', []) });
    expect(a.unlocatedTeachers().map((p) => p.agent)).toEqual(['b']);
    setTimeout(() => a.learnAddrs('b', ['/memory/found-b']), 150);
    const asked: Peer[] = [];
    const res = await a.fetchAll<string>(async (p) => {
      asked.push(p);
      return outcome({ ok: true, value: 'hello' });
    }, never);
    expect(asked).toEqual([{ agent: 'b', peerId: 'peer-b', addrs: ['/memory/found-b'] }]);
    expect(res.ok).toEqual([{ agent: 'b', value: 'hello' }]);
    expect(a.unlocatedTeachers()).toEqual([]);
    // addresses already known are kept
    a.learnAddrs('b', ['/memory/other']);
    expect(a.unlocatedTeachers()).toEqual([]);
    const again = await a.fetchAll<string>(async (p) => outcome({ ok: true, value: p.addrs.join() }), never);
    expect(again.ok[0].value).toBe('/memory/found-b');
  });

  it('a neighbour behind a partition (no route) is tried again within the wait budget; a refusal is final', async () => {
    const a = new Neighbours(ring, 'a', new AgentLog(logFile(), 'a'), 3000);
    a.setPeers({ b: peer('b', ['/memory/b']), e: peer('e', ['/memory/e']), f: peer('f', ['/memory/f']) });
    let tries = 0;
    let refused = 0;
    const started = Date.now();
    const res = await a.fetchAll<string>(async (p) => {
      if (p.agent === 'b' && ++tries < 3) throw new Error('connect EHOSTUNREACH 10.0.0.2:4001');
      if (p.agent === 'e' && ++refused) throw new Error('connect ECONNREFUSED 127.0.0.1:4001');
      if (p.agent === 'f') throw new WireError('malformed', 'not a header');
      return outcome({ ok: true, value: 'late but here' });
    }, never);
    expect(tries).toBe(3);
    expect(res.ok).toEqual([{ agent: 'b', value: 'late but here' }]);
    expect(res.rejected.map((r) => r.agent)).toEqual(['f']);
    // Nothing listening: the process is down, and waiting for it would cost every round the budget.
    expect(refused).toBe(1);
    expect(res.skipped).toContainEqual({ agent: 'e', reason: 'unreachable: connect ECONNREFUSED 127.0.0.1:4001' });
    expect(Date.now() - started).toBeLessThan(2500);
    // Without a budget the first failure is the answer.
    const now = new Neighbours(ring, 'a', new AgentLog(logFile(), 'a'));
    now.setPeers({ b: peer('b', ['/memory/b']) });
    const gone = await now.fetchAll<string>(async () => {
      throw new Error('connect EHOSTUNREACH');
    }, never);
    expect(gone.skipped).toContainEqual({ agent: 'b', reason: 'unreachable: connect EHOSTUNREACH' });
  });

  it('a stop cancels every fetch at once, a neighbour still being located and one waiting to be retried included', async () => {
    const a = new Neighbours(ring, 'a', new AgentLog(logFile(), 'a'), 60_000);
    a.setPeers({ b: peer('b'), c: peer('c', []), d: peer('d') });
    const stop = new AbortController();
    const cancelled: string[] = [];
    const started = Date.now();
    setTimeout(() => stop.abort(), 100);
    const res = a.fetchAll<string>(
      (p, signal) =>
        new Promise((_resolve, reject) => {
          if (p.agent === 'd') return reject(new Error('connect EHOSTUNREACH'));
          // a slow neighbour: it would answer long after the stop
          signal.addEventListener('abort', () => {
            cancelled.push(p.agent);
            reject(signal.reason as Error);
          });
        }),
      stop.signal,
    );
    await expect(res).rejects.toThrow(/abort/i);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(cancelled).toEqual(['b']);
  });
});

describe('Neighbours.untilServed', () => {
  it('resolves when the last reader is served, or false at the signal', async () => {
    const y = new Neighbours(directed, 'y', new AgentLog(logFile(), 'y'));
    y.setPeers({ x: peer('x'), z: peer('z') });
    setTimeout(() => y.access().onSent!('z', 10, 3), 50);
    expect(await y.untilServed(3, AbortSignal.timeout(5000))).toBe(true);
    const t0 = Date.now();
    expect(await y.untilServed(4, AbortSignal.timeout(100))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
