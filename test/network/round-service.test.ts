// The server side of a round request (src/network/round-service.ts), and the round store it reads from.
import { afterAll, describe, expect, it } from 'vitest';
import type { Libp2p } from 'libp2p';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createHost } from '../../src/network/host.ts';
import { encodeJson, parseRoundRequest } from '../../src/network/messages.ts';
import { PREDICTIONS_PROTOCOL } from '../../src/network/protocols.ts';
import { WireError } from '../../src/network/errors.ts';
import { deadline, framed } from '../../src/network/framed.ts';
import { servePredictions } from '../helpers/services.ts';
import { RoundStore } from '../../src/network/round-store.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('parseRoundRequest', () => {
  it('clamps minRound to round and defaults what is missing or invalid', () => {
    expect(parseRoundRequest(utf8('{"round":3,"minRound":7,"waitMs":50}'))).toMatchObject({ round: 3, minRound: 3, waitMs: 50 });
    expect(parseRoundRequest(utf8('{"round":3,"minRound":1}'))).toMatchObject({ round: 3, minRound: 1, waitMs: 0 });
    expect(parseRoundRequest(utf8('{"round":3,"minRound":-1,"waitMs":-5}'))).toMatchObject({ round: 3, minRound: 3, waitMs: 0 });
    expect(parseRoundRequest(utf8('{"round":3,"minRound":1.5}'))).toMatchObject({ minRound: 3 });
    expect(parseRoundRequest(utf8('{"round":0,"embedding":true,"embeddingSize":64}'))).toMatchObject({ embedding: true, embeddingSize: 64 });
    expect(parseRoundRequest(utf8('{"round":0,"embedding":"yes","embeddingSize":-1}'))).toMatchObject({ embedding: false, embeddingSize: undefined });
  });

  it.each([
    ['not JSON', utf8('round 3'), /not JSON/],
    ['invalid UTF-8', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), /not JSON/],
    ['JSON null', utf8('null'), /non-negative integer round/],
    ['a number', utf8('5'), /non-negative integer round/],
    ['a negative round', utf8('{"round":-1}'), /non-negative integer round/],
    ['a fractional round', utf8('{"round":1.5}'), /non-negative integer round/],
  ])('%s is malformed', (_what, raw, message) => {
    let err: unknown;
    try {
      parseRoundRequest(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).reason).toBe('malformed');
    expect((err as Error).message).toMatch(message);
  });
});

describe('the server side of a request', async () => {
  const kA = await generateKeyPair('Ed25519');
  const kB = await generateKeyPair('Ed25519');
  const ids = new Set([kA, kB].map((k) => peerIdFromPrivateKey(k).toString()));
  const nodes: Libp2p[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });
  let memoryId = 0;
  const host = async (key: typeof kA) => {
    const node = await createHost({ privateKey: key, listen: [`/memory/mhd-rp-${process.pid}-${memoryId++}`], transport: 'memory', allowedPeers: () => ids });
    nodes.push(node);
    return node;
  };

  /** Sends `request` as one frame to a predictions server and returns its header (and whether a payload followed). */
  async function ask(request: Uint8Array): Promise<{ header: Record<string, unknown>; sent: { reader: string; round: number | undefined }[] }> {
    const a = await host(kA);
    const b = await host(kB);
    const sent: { reader: string; round: number | undefined }[] = [];
    const store = new RoundStore<PredictionBatch>(2);
    store.put(0, { agent: 'a', round: 0, chunkHash: 'c0', heads: 1, classes: 2, samples: 1, probs: Float32Array.from([0.5, 0.5]) });
    await servePredictions(a, 'a', store, 'f32', { reader: () => 'b', maxWaitMs: 100, onSent: (reader, _bytes, round) => sent.push({ reader, round }) });
    const stream = await b.dialProtocol(a.getMultiaddrs(), PREDICTIONS_PROTOCOL);
    const io = framed(stream, 1 << 16);
    await io.write('request', [request], deadline(2000));
    await stream.close();
    const header = JSON.parse(new TextDecoder().decode(await io.read('header', deadline(2000)))) as Record<string, unknown>;
    return { header, sent };
  }

  it('a malformed request gets bad-request naming the problem, and no payload', async () => {
    const { header, sent } = await ask(utf8('{"round":"zero"}'));
    expect(header).toMatchObject({ status: 'bad-request', agent: 'a' });
    expect(header.message).toMatch(/non-negative integer round/);
    // counted as traffic to the reader, but not as a round served (so linger keeps waiting for it)
    expect(sent).toEqual([{ reader: 'b', round: undefined }]);
    const garbage = await ask(Uint8Array.from([0xff, 0x00, 0x12]));
    expect(garbage.header).toMatchObject({ status: 'bad-request', message: 'request is not JSON' });
  });

  it('a good request is answered ok with the round, and counted as served', async () => {
    const { header, sent } = await ask(encodeJson({ round: 0, minRound: 0, waitMs: 0 }));
    expect(header).toMatchObject({ status: 'ok', agent: 'a', round: 0, chunkHash: 'c0' });
    expect(sent).toEqual([{ reader: 'b', round: 0 }]);
  });
});

describe('RoundStore', () => {
  it('keeps only its capacity of the newest rounds', () => {
    const s = new RoundStore<string>(2);
    expect(s.latestRound()).toBeUndefined();
    expect(s.oldestRound()).toBeUndefined();
    s.put(0, 'r0');
    s.put(2, 'r2');
    s.put(1, 'r1');
    expect([s.get(0), s.get(1), s.get(2)]).toEqual([undefined, 'r1', 'r2']);
    expect([s.oldestRound(), s.latestRound()]).toEqual([1, 2]);
    expect(s.newestIn(0, 1)).toBe(1);
    expect(s.newestIn(3, 5)).toBeUndefined();
    expect(() => new RoundStore(0)).toThrow(/at least one round/);
  });

  it('a wait ends when the round arrives, or a newer one', async () => {
    const s = new RoundStore<string>(4);
    const t0 = performance.now();
    setTimeout(() => s.put(1, 'r1'), 30);
    setTimeout(() => s.put(3, 'r3'), 80);
    await s.waitFor(2, AbortSignal.timeout(5000));
    expect(s.latestRound()).toBe(3);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a wait times out when the round never comes', async () => {
    const s = new RoundStore<string>(2);
    s.put(0, 'r0');
    const t0 = performance.now();
    await s.waitFor(5, AbortSignal.timeout(150));
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(2000);
    expect(s.get(5)).toBeUndefined();
  });

  it('a stop ends a wait at once, long before its timeout', async () => {
    const s = new RoundStore<string>(2);
    const stop = new AbortController();
    const t0 = performance.now();
    setTimeout(() => stop.abort(), 30);
    await s.waitFor(5, AbortSignal.any([stop.signal, AbortSignal.timeout(10_000)]));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(s.get(5)).toBeUndefined();
  });

  it('close() wakes every waiter at once, and later waits return at once', async () => {
    const s = new RoundStore<string>(2);
    const t0 = performance.now();
    const waits = [s.waitFor(1, AbortSignal.timeout(10_000)), s.waitFor(7, AbortSignal.timeout(10_000))];
    setTimeout(() => s.close(), 30);
    await Promise.all(waits);
    expect(performance.now() - t0).toBeLessThan(2000);
    const t1 = performance.now();
    await s.waitFor(9, AbortSignal.timeout(10_000));
    expect(performance.now() - t1).toBeLessThan(100);
  });
});

describe('the service\'s life and the caller\'s signal', async () => {
  const { createServer } = await import('node:net');
  const { DeadlineError } = await import('../../src/network/errors.ts');
  const { fetchPredictions } = await import('../helpers/services.ts');
  const { Changes } = await import('../../src/network/wait.ts');
  const { testHosts } = await import('../helpers/hosts.ts');
  const [kA, kB] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]);
  const ids = new Set([kA, kB].map((k) => peerIdFromPrivateKey(k).toString()));
  const hosts = testHosts('rs-life');
  afterAll(() => hosts.stopAll());
  const tcpHost = async (key: typeof kA) => (await hosts.host(key, () => ids, 'tcp')).node;
  const exp = { agent: 'a', minRound: 0, maxRound: 5, chunkHash: () => 'c0', classes: 2, samples: 1, maxHeads: 4, embeddingSize: 3 };
  const one = (round: number, embedding?: PredictionBatch['embedding']): PredictionBatch => ({ agent: 'a', round, chunkHash: 'c0', heads: 1, classes: 2, samples: 1, probs: Float32Array.from([0.5, 0.5]), embedding });
  const peerOf = (node: Libp2p) => ({ agent: 'a', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) });

  it('start twice registers once; stop unregisters, and ends a request it holds at once', async () => {
    const a = await tcpHost(kA);
    const b = await tcpHost(kB);
    const store = new RoundStore<PredictionBatch>(2);
    const service = await servePredictions(a, 'a', store, 'f32', { reader: () => 'b', maxWaitMs: 20_000 });
    await service.start();
    expect(a.getProtocols()).toContain(PREDICTIONS_PROTOCOL);
    // held: round 5 is not there, and the server would wait up to 20 s for it
    const held = fetchPredictions(b, peerOf(a), { round: 5, minRound: 5, waitMs: 20_000 }, exp, 30_000).then(
      (o) => o,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    await service.stop();
    await service.stop();
    await held;
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(a.getProtocols()).not.toContain(PREDICTIONS_PROTOCOL);
    await expect(fetchPredictions(b, peerOf(a), { round: 0 }, exp, 3000)).rejects.toThrow();
  });

  it('embeddings go only to a reader that asks for their width', async () => {
    const a = await tcpHost(kA);
    const b = await tcpHost(kB);
    const store = new RoundStore<PredictionBatch>(2);
    store.put(0, one(0, { size: 3, values: Float32Array.from([1, 2, 3]) }));
    await servePredictions(a, 'a', store, 'f32', { reader: () => 'b', maxWaitMs: 0 });
    const fetchWith = (embeddingSize: number | undefined) => fetchPredictions(b, peerOf(a), { round: 0, embedding: true, embeddingSize }, exp, 3000);
    const same = await fetchWith(3);
    expect(same.ok && Array.from(same.value.embedding!.values)).toEqual([1, 2, 3]);
    const any = await fetchWith(undefined);
    expect(any.ok && any.value.embedding?.size).toBe(3);
    const other = await fetchWith(5);
    expect(other.ok && other.value.embedding).toBeUndefined();
    const none = await fetchPredictions(b, peerOf(a), { round: 0 }, exp, 3000);
    expect(none.ok && none.value.embedding).toBeUndefined();
  });

  it('a peer that accepts the connection and never speaks is a DeadlineError at the fetch\'s deadline; a stop is an abort, at once', async () => {
    const b = await tcpHost(kB);
    const mute = createServer(() => undefined);
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const port = (mute.address() as { port: number }).port;
    const peer = { agent: 'a', peerId: peerIdFromPrivateKey(kA).toString(), addrs: [`/ip4/127.0.0.1/tcp/${port}/p2p/${peerIdFromPrivateKey(kA).toString()}`] };
    try {
      const late = await fetchPredictions(b, peer, { round: 0 }, exp, 400).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(DeadlineError);
      expect((late as Error).message).toMatch(/dialling a took longer than 400 ms/);
      const stop = new AbortController();
      setTimeout(() => stop.abort(), 100);
      const t0 = performance.now();
      const stopped = await fetchPredictions(b, peer, { round: 0 }, exp, 20_000, stop.signal).catch((e: unknown) => e);
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(stopped).not.toBeInstanceOf(DeadlineError);
      expect((stopped as Error).name).toMatch(/Abort/);
    } finally {
      mute.close();
    }
  });

  it('a reply header over its own limit is oversize even when the payload may be larger; a refusal without a message has an empty one', async () => {
    const a = await tcpHost(kA);
    const b = await tcpHost(kB);
    const { prefixed } = await import('../helpers/hosts.ts');
    let header: Record<string, unknown> = { status: 'ok', agent: 'a', round: 0, pad: 'x'.repeat(70_000) };
    await a.handle(PREDICTIONS_PROTOCOL, async (stream) => {
      stream.send(prefixed([encodeJson(header)]));
      await stream.close();
    });
    // 5000 samples: the reader takes payloads far over the header limit
    const big = { ...exp, samples: 5000, embeddingSize: 0 };
    const oversize = await fetchPredictions(b, peerOf(a), { round: 0 }, big, 3000).catch((e: unknown) => e);
    expect(oversize).toBeInstanceOf(WireError);
    expect((oversize as WireError).message).toMatch(/header of 70\d{3} bytes exceeds 65536/);
    header = { status: 'not-ready', agent: 'a' };
    expect(await fetchPredictions(b, peerOf(a), { round: 0 }, exp, 3000)).toMatchObject({ ok: false, status: 'not-ready', message: '' });
  });

  it('Changes.until: true at once when the condition holds, false at once when the signal has aborted', async () => {
    const c = new Changes();
    expect(await c.until(() => true, AbortSignal.abort())).toBe(true);
    expect(await c.until(() => false, AbortSignal.abort())).toBe(false);
    let ready = false;
    const waiting = c.until(() => ready, AbortSignal.timeout(5000));
    c.notify();
    ready = true;
    c.notify();
    expect(await waiting).toBe(true);
  });
});
