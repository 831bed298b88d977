// The weights protocol (gossip baseline): what an honest server sends arrives intact, and every way a
// hostile server can break the reply is a WireError with its reason, never weights to average.
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { encodeJson } from '../../src/network/messages.ts';
import { WEIGHTS_PROTOCOL } from '../../src/network/protocols.ts';
import { WireError } from '../../src/network/errors.ts';
import type { WeightsMessage } from '../../src/network/weights-codec.ts';
import { fetchWeights, serveWeights } from '../helpers/services.ts';
import { RoundStore } from '../../src/network/round-store.ts';
import type { NamedWeights } from '../../src/learning/gossip.ts';
import { prefixed, testHosts } from '../helpers/hosts.ts';

const hosts = testHosts('weights');
afterAll(() => hosts.stopAll());
const host = (key: Parameters<typeof hosts.host>[0], allowed: ReadonlySet<string>) => hosts.host(key, () => allowed);

/** A 2x3 kernel and a bias of 3: 9 float32 values, 36 bytes. */
const model = (offset: number): NamedWeights[] => [
  { name: 'k', shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6], (v) => v + offset) },
  { name: 'b', shape: [3], values: Float32Array.from([7, 8, 9], (v) => v + offset) },
];
const bytesOf = (ws: readonly NamedWeights[]) => {
  const all = Float32Array.from(ws.flatMap((w) => [...w.values]));
  return new Uint8Array(all.buffer);
};

describe('weights exchange over libp2p', async () => {
  const kA = await generateKeyPair('Ed25519');
  const kB = await generateKeyPair('Ed25519');
  const ids = new Set([kA, kB].map((k) => peerIdFromPrivateKey(k).toString()));
  const own = model(0);

  it('an honest server: the weights arrive equal, in order, with the round served', async () => {
    const a = await host(kA, ids);
    const b = await host(kB, ids);
    const store = new RoundStore<WeightsMessage>(3);
    const theirs = model(100);
    store.put(4, { round: 4, weights: theirs });
    await serveWeights(a.node, 'a', store, { reader: () => 'b', maxWaitMs: 100 });
    const got = await fetchWeights(b.node, a.peer('a'), { round: 5, minRound: 4, waitMs: 0 }, own, 3000);
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    expect(got.value.round).toBe(4);
    expect(got.value.weights.map((w) => [w.name, w.shape, [...w.values]])).toEqual(theirs.map((w) => [w.name, w.shape, [...w.values]]));
    // a round older than every kept one is gone; a newer one that never comes is not-ready
    store.put(5, { round: 5, weights: theirs });
    store.put(6, { round: 6, weights: theirs });
    store.put(7, { round: 7, weights: theirs });
    const gone = await fetchWeights(b.node, a.peer('a'), { round: 4, minRound: 3, waitMs: 0 }, own, 3000);
    expect(gone).toMatchObject({ ok: false, status: 'gone' });
    if (!gone.ok) expect(gone.message).toMatch(/round 4 is no longer kept \(oldest 5\)/);
    const late = await fetchWeights(b.node, a.peer('a'), { round: 9, minRound: 9, waitMs: 50 }, own, 3000);
    expect(late).toMatchObject({ ok: false, status: 'not-ready' });
  });

  describe('a hostile server is rejected', () => {
    const header = { status: 'ok', agent: 'a', round: 3, tensors: own.map((w) => ({ name: w.name, shape: w.shape })) };
    const good = bytesOf(model(10));
    const withValue = (i: number, v: number) => {
      const f = new Float32Array(good.slice().buffer);
      f[i] = v;
      return new Uint8Array(f.buffer);
    };
    const cases: [string, Uint8Array, string][] = [
      ['wrong agent', prefixed([encodeJson({ ...header, agent: 'mallory' }), good]), 'wrong-agent'],
      ['stale round', prefixed([encodeJson({ ...header, round: 1 }), good]), 'stale-round'],
      ['a round from the future', prefixed([encodeJson({ ...header, round: 4 }), good]), 'stale-round'],
      // a header field of the wrong type is malformed, as in a predictions header
      ['a round that is no integer', prefixed([encodeJson({ ...header, round: '3' }), good]), 'malformed'],
      ['wrong shape', prefixed([encodeJson({ ...header, tensors: [{ name: 'k', shape: [3, 2] }, { name: 'b', shape: [3] }] }), good]), 'wrong-shape'],
      ['a tensor missing', prefixed([encodeJson({ ...header, tensors: header.tensors.slice(0, 1) }), good]), 'wrong-shape'],
      ['no tensor list', prefixed([encodeJson({ ...header, tensors: undefined }), good]), 'malformed'],
      ['truncated payload', prefixed([encodeJson(header), good.subarray(0, 20)]), 'truncated'],
      ['payload too long', prefixed([encodeJson(header), Uint8Array.from([...good, 0, 0, 0, 0])]), 'truncated'],
      ['no payload', prefixed([encodeJson(header)]), 'truncated'],
      ['NaN', prefixed([encodeJson(header), withValue(2, Number.NaN)]), 'non-finite'],
      ['Inf in the last tensor', prefixed([encodeJson(header), withValue(8, Number.NEGATIVE_INFINITY)]), 'non-finite'],
      ['garbage header', prefixed([Uint8Array.from([1, 2, 3]), good]), 'malformed'],
    ];
    for (const [what, bytes, reason] of cases) {
      it(what, async () => {
        const a = await host(kA, ids);
        const b = await host(kB, ids);
        await a.node.handle(WEIGHTS_PROTOCOL, async (stream) => {
          stream.send(bytes);
          await stream.close();
        });
        const err = await fetchWeights(b.node, a.peer('a'), { round: 3, minRound: 3, waitMs: 0 }, own, 3000).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(WireError);
        expect((err as WireError).reason).toBe(reason);
      });
    }
  });
});
