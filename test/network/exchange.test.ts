import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { encodeJson, type Encoding } from '../../src/network/messages.ts';
import type { Expectation } from '../../src/network/predictions-codec.ts';
import { PREDICTIONS_PROTOCOL } from '../../src/network/protocols.ts';
import { DeadlineError, WireError } from '../../src/network/errors.ts';
import { fetchPredictions, servePredictions } from '../helpers/services.ts';
import { RoundStore } from '../../src/network/round-store.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';
import { createRng } from '../../src/data/random.ts';
import { prefixed, testHosts, varint } from '../helpers/hosts.ts';

const hosts = testHosts('exchange');
afterAll(() => hosts.stopAll());
const host = hosts.host;

/** Softmax rows of random logits: heads x samples x classes. */
function batch(agent: string, round: number, heads = 3, samples = 50, classes = 10): PredictionBatch {
  const rng = createRng(round + 17);
  const probs = new Float32Array(heads * samples * classes);
  for (let r = 0; r < heads * samples; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += probs[r * classes + c] = Math.exp(3 * rng.normal());
    for (let c = 0; c < classes; c++) probs[r * classes + c] /= sum;
  }
  return { agent, round, chunkHash: `chunk-${round}`, heads, classes, samples, probs };
}

const expectation = (agent: string, round: number, over: Partial<Expectation> = {}): Expectation => ({
  agent, minRound: round, maxRound: round, chunkHash: (r) => `chunk-${r}`, classes: 10, samples: 50, maxHeads: 8, embeddingSize: 0, ...over,
});

describe('prediction exchange over libp2p', async () => {
  const kA = await generateKeyPair('Ed25519');
  const kB = await generateKeyPair('Ed25519');
  const ids = new Set([kA, kB].map((k) => peerIdFromPrivateKey(k).toString()));

  for (const transport of ['tcp', 'memory'] as const) {
    it(`received arrays equal the sent ones for f32, within quantization for f16 and u8 (${transport})`, async () => {
      const sizes: Record<string, number> = {};
      for (const encoding of ['f32', 'f16', 'u8'] as Encoding[]) {
        const a = await host(kA, () => ids, transport);
        const b = await host(kB, () => ids, transport);
        const store = new RoundStore<PredictionBatch>(4);
        const sent = batch('a', 2);
        store.put(2, sent);
        await servePredictions(a.node, 'a', store, encoding, { reader: (p) => (ids.has(p) ? 'b' : undefined), maxWaitMs: 1000 });
        const got = await fetchPredictions(b.node, a.peer('a'), { round: 2, minRound: 2, waitMs: 0 }, expectation('a', 2), 5000);
        expect(got.ok).toBe(true);
        if (!got.ok) return;
        // u8: half a step of 1/255 per value, plus the renormalisation of each row
        const tol = { f32: 0, f16: 1e-3, u8: 2 / 255 }[encoding];
        const maxErr = Math.max(...Array.from(sent.probs, (v, i) => Math.abs(v - got.value.probs[i])));
        expect(maxErr).toBeLessThanOrEqual(tol);
        if (encoding === 'f32') expect(Array.from(got.value.probs)).toEqual(Array.from(sent.probs));
        sizes[encoding] = got.bytesReceived;
        await Promise.all([a.node.stop(), b.node.stop()]);
      }
      // 3 heads x 50 samples x 10 classes = 1500 values: 6000 bytes as f32, 1500 as u8, plus the header
      expect(sizes.u8 / sizes.f32).toBeGreaterThan(0.2);
      expect(sizes.u8 / sizes.f32).toBeLessThan(0.32);
      expect(sizes.f16 / sizes.f32).toBeLessThan(0.56);
    });
  }

  it('a peer outside the topology can neither connect nor fetch; a known non-neighbour is refused', async () => {
    const kOut = await generateKeyPair('Ed25519');
    const a = await host(kA, () => ids);
    const outsider = await host(kOut, () => new Set([...ids, peerIdFromPrivateKey(kOut).toString()]));
    const store = new RoundStore<PredictionBatch>(2);
    store.put(0, batch('a', 0));
    await servePredictions(a.node, 'a', store, 'f32', { reader: (p) => (p === peerIdFromPrivateKey(kB).toString() ? 'b' : undefined), maxWaitMs: 100 });
    await expect(fetchPredictions(outsider.node, a.peer('a'), { round: 0, minRound: 0, waitMs: 0 }, expectation('a', 0), 3000)).rejects.toThrow();
    expect(a.node.getConnections().filter((c) => c.remotePeer.toString() === peerIdFromPrivateKey(kOut).toString())).toHaveLength(0);
    // C may connect (it is in the topology) but is no out-neighbour of A, so A refuses to serve it
    const kC = await generateKeyPair('Ed25519');
    const idsC = new Set([...ids, peerIdFromPrivateKey(kC).toString()]);
    const a2 = await host(kA, () => idsC);
    await servePredictions(a2.node, 'a', store, 'f32', { reader: () => undefined, maxWaitMs: 100 });
    const c = await host(kC, () => idsC);
    const res = await fetchPredictions(c.node, a2.peer('a'), { round: 0, minRound: 0, waitMs: 0 }, expectation('a', 0), 3000);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.status).toBe('forbidden');
  });

  it('waits for a round that is not ready yet, and says not-ready after the wait', async () => {
    const a = await host(kA, () => ids);
    const b = await host(kB, () => ids);
    const store = new RoundStore<PredictionBatch>(2);
    await servePredictions(a.node, 'a', store, 'f32', { reader: () => 'b', maxWaitMs: 5000 });
    setTimeout(() => store.put(5, batch('a', 5)), 200);
    const got = await fetchPredictions(b.node, a.peer('a'), { round: 5, minRound: 5, waitMs: 3000 }, expectation('a', 5), 5000);
    expect(got.ok).toBe(true);
    const late = await fetchPredictions(b.node, a.peer('a'), { round: 9, minRound: 9, waitMs: 100 }, expectation('a', 9), 5000);
    expect(late.ok).toBe(false);
    if (!late.ok) expect(late.status).toBe('not-ready');
  });

  describe('a misbehaving server is rejected and the node keeps running', async () => {
    const good = batch('a', 3);
    const header = { status: 'ok', agent: 'a', round: 3, chunkHash: 'chunk-3', heads: 3, classes: 10, samples: 50, encoding: 'f32', embeddingSize: 0 };
    const f32 = (p: Float32Array) => new Uint8Array(p.buffer.slice(0));
    const withNaN = good.probs.slice();
    withNaN[7] = Number.NaN;
    const withInf = good.probs.slice();
    withInf[12] = Number.POSITIVE_INFINITY;
    const head = prefixed([encodeJson(header)]);
    const cases: [string, Uint8Array, string][] = [
      ['truncated', prefixed([encodeJson(header), f32(good.probs).subarray(0, 100)]), 'truncated'],
      ['oversize', prefixed([encodeJson(header), new Uint8Array(300_000)]), 'oversize'],
      ['NaN', prefixed([encodeJson(header), f32(withNaN)]), 'non-finite'],
      ['Inf', prefixed([encodeJson(header), f32(withInf)]), 'non-finite'],
      ['wrong shape', prefixed([encodeJson({ ...header, samples: 40 }), f32(good.probs.subarray(0, 1200))]), 'wrong-shape'],
      ['wrong class count', prefixed([encodeJson({ ...header, classes: 5, samples: 100 }), f32(good.probs)]), 'wrong-classes'],
      ['stale round', prefixed([encodeJson({ ...header, round: 1, chunkHash: 'chunk-1' }), f32(good.probs)]), 'stale-round'],
      ['rows not summing to 1', prefixed([encodeJson(header), f32(good.probs.map((v) => v * 2))]), 'bad-row-sum'],
      ['garbage header', prefixed([new Uint8Array([1, 2, 3]), f32(good.probs)]), 'malformed'],
      ['no payload', head, 'truncated'],
      ['length prefix of 9 bytes', Uint8Array.from([...head, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 'oversize'],
      ['a 2^53 length', Uint8Array.from([...head, ...varint(2 ** 53)]), 'oversize'],
      ['a length just over the limit', Uint8Array.from([...head, ...varint(200_001)]), 'oversize'],
      // libp2p's own varint decoder reads a non-minimal prefix as its value: here a 100-byte frame that never comes.
      ['a non-minimal length prefix', Uint8Array.from([...head, ...varint(100, 1)]), 'truncated'],
      ['a prefix cut short', Uint8Array.from([...head, 0xff]), 'truncated'],
      ['no frame at all', new Uint8Array(0), 'truncated'],
    ];
    for (const [what, bytes, reason] of cases) {
      it(what, async () => {
        const a = await host(kA, () => ids);
        const b = await host(kB, () => ids);
        await a.node.handle(PREDICTIONS_PROTOCOL, async (stream) => {
          if (bytes.byteLength > 0) stream.send(bytes);
          await stream.close();
        });
        const err = await fetchPredictions(b.node, a.peer('a'), { round: 3, minRound: 3, waitMs: 0 }, expectation('a', 3), 3000).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(WireError);
        expect((err as WireError).reason).toBe(reason);
        // the node is still up and can talk to a well-behaved server
        await a.node.unhandle(PREDICTIONS_PROTOCOL);
        const store = new RoundStore<PredictionBatch>(2);
        store.put(3, good);
        await servePredictions(a.node, 'a', store, 'f32', { reader: () => 'b', maxWaitMs: 100 });
        const ok = await fetchPredictions(b.node, a.peer('a'), { round: 3, minRound: 3, waitMs: 0 }, expectation('a', 3), 3000);
        expect(ok.ok).toBe(true);
      });
    }
  });
});

describe('server deadlines: a peer that stalls cannot hold a handler', async () => {
  const kA = await generateKeyPair('Ed25519');
  const kB = await generateKeyPair('Ed25519');
  const ids = new Set([kA, kB].map((k) => peerIdFromPrivateKey(k).toString()));

  async function serveWithDeadlines(store: RoundStore<PredictionBatch>) {
    const a = await host(kA, () => ids, 'tcp');
    const b = await host(kB, () => ids, 'tcp');
    const errors: Error[] = [];
    await servePredictions(a.node, 'a', store, 'f32', {
      reader: () => 'b',
      maxWaitMs: 100,
      onError: (_peer, err) => errors.push(err),
      deadlines: { requestMs: 300, replyMs: 500 },
    });
    return { a, b, errors };
  }

  it('a client that never sends its request is cut off after the request deadline', async () => {
    const { a, b, errors } = await serveWithDeadlines(new RoundStore<PredictionBatch>(2));
    const stream = await b.node.dialProtocol(a.node.getMultiaddrs(), PREDICTIONS_PROTOCOL);
    await expect.poll(() => errors.length, { timeout: 3000 }).toBe(1);
    expect(errors[0]).toBeInstanceOf(DeadlineError);
    expect(errors[0].message).toMatch(/reading the request took longer than 300 ms/);
    await expect.poll(() => stream.status, { timeout: 3000 }).not.toBe('open');
  });

  it('a client that stops reading a large reply is cut off after the reply deadline', async () => {
    const store = new RoundStore<PredictionBatch>(2);
    // 8 heads x 5000 samples x 10 classes as f32: 1.6 MB, far beyond the muxer's window.
    store.put(0, batch('a', 0, 8, 5000));
    const { a, b, errors } = await serveWithDeadlines(store);
    const stream = await b.node.dialProtocol(a.node.getMultiaddrs(), PREDICTIONS_PROTOCOL);
    stream.pause();
    stream.send(prefixed([encodeJson({ round: 0, minRound: 0, waitMs: 0 })]));
    await expect.poll(() => errors.length, { timeout: 5000 }).toBe(1);
    expect(errors[0]).toBeInstanceOf(DeadlineError);
    expect(errors[0].message).toMatch(/writing the reply took longer than 500 ms/);
  });
});
