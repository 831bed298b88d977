// A peer that floods a server with streams (src/network/round-service.ts, host.ts): idle streams,
// requests held waiting for a round that never comes, and paused readers of a large reply, over as
// many connections as it can open. The flood gets the attacker at most its pending bound and then its
// connections closed; an honest reader is served throughout; once the attacker stops, the victim's
// memory (heap and buffers after a full collection) is back within 10 % of its level before.
import { afterAll, describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Libp2p } from 'libp2p';
import type { Connection } from '@libp2p/interface';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createHost, MAX_CONNECTIONS_PER_PEER } from '../../src/network/host.ts';
import { deadline, framed } from '../../src/network/framed.ts';
import { encodeJson, weightsHeaderSchema } from '../../src/network/messages.ts';
import { WEIGHTS_PROTOCOL } from '../../src/network/protocols.ts';
import { MAX_PENDING_PER_PEER, RoundService } from '../../src/network/round-service.ts';
import { RoundStore } from '../../src/network/round-store.ts';
import { encodeWeights, type WeightsMessage } from '../../src/network/weights-codec.ts';
import { request } from '../helpers/services.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** What the process holds after a full collection: the JS heap and the buffers outside it. */
const heldBytes = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const MB = 2 ** 20;
const PAYLOAD_FLOATS = MB / 4; // a 1 MiB model
const PER_KIND = 40;
const never = new AbortController().signal;

/** Until `done()` holds; false when `ms` pass first. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const signal = AbortSignal.timeout(ms);
  while (!done()) {
    if (signal.aborted) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe('a flood of streams from one peer', async () => {
  const keys = { victim: await generateKeyPair('Ed25519'), honest: await generateKeyPair('Ed25519'), attacker: await generateKeyPair('Ed25519'), warm: await generateKeyPair('Ed25519') };
  const ids = Object.fromEntries(Object.entries(keys).map(([k, key]) => [k, peerIdFromPrivateKey(key).toString()]));
  const allowed = () => new Set(Object.values(ids));
  const nodes: Libp2p[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });
  const host = async (who: keyof typeof keys, n = 0) => {
    const node = await createHost({ privateKey: keys[who], listen: [`/memory/mhd-flood-${process.pid}-${who}-${n}`], transport: 'memory', allowedPeers: allowed });
    nodes.push(node);
    return node;
  };

  it('costs the attacker its connections, not the honest reader its round, and leaves no memory behind', async () => {
    const [victim, honest, attacker] = [await host('victim'), await host('honest'), await host('attacker')];
    // One peer id on several nodes: as many connections as it likes, unless the victim says no.
    const attackers = [attacker, ...(await Promise.all(Array.from({ length: MAX_CONNECTIONS_PER_PEER + 1 }, (_, i) => host('attacker', i + 1))))];
    const store = new RoundStore<WeightsMessage>(2);
    store.put(0, { round: 0, weights: [{ name: 'w', shape: [PAYLOAD_FLOATS], values: new Float32Array(PAYLOAD_FLOATS).fill(0.5) }] });
    const readers = new Map([[ids.honest, 'honest'], [ids.attacker, 'attacker'], [ids.warm, 'warm']]);
    const init = { protocol: WEIGHTS_PROTOCOL, store, encode: (m: WeightsMessage) => encodeWeights('victim', m), okHeader: weightsHeaderSchema, maxWaitMs: 60_000 };
    const errs: string[] = [];
    const server = new RoundService(victim, { ...init, agent: 'victim', access: { reader: (p) => readers.get(p), onError: (_p, e) => errs.push(e.message) } });
    await server.start();
    const client = new RoundService(honest, { ...init, agent: 'honest', store: new RoundStore<WeightsMessage>(1), access: { reader: () => undefined } });
    const victimPeer = { agent: 'victim', peerId: ids.victim, addrs: victim.getMultiaddrs().map(String) };
    const fetchOnce = async () => {
      const t0 = Date.now();
      const got = await client.fetch(victimPeer, request({ round: 0 }), { signal: never, timeoutMs: 5000, maxPayloadBytes: PAYLOAD_FLOATS * 4 });
      return { status: got.header.status, bytes: got.payload?.byteLength, ms: Date.now() - t0 };
    };
    expect(await fetchOnce()).toMatchObject({ status: 'ok', bytes: MB });

    // The flood: every connection the attacker can get, each with idle, held and paused streams.
    let opened = 0;
    let mostPending = 0;
    const connectionIds = new Set<string>();
    const open = async (conn: Connection, body?: Uint8Array, pause = false) => {
      const s = await conn.newStream(WEIGHTS_PROTOCOL, { maxOutboundStreams: 10_000, signal: AbortSignal.timeout(5000) });
      opened++;
      if (body) await framed(s, 1024).write('request', [body], deadline(2000));
      if (pause) s.pause();
      mostPending = Math.max(mostPending, server.pendingRequests);
    };
    const wave = async (from = attackers) => {
      const got = (await Promise.all(from.map((a) => a.dial(victim.getMultiaddrs()).catch(() => undefined)))).filter((c) => c !== undefined);
      for (const c of got) connectionIds.add(c.id);
      if (got.length === 0) await new Promise((r) => setTimeout(r, 20));
      const kinds = (conn: Connection) => [
        open(conn),
        open(conn, encodeJson({ round: 99, minRound: 99, waitMs: 60_000 })),
        open(conn, encodeJson({ round: 0, minRound: 0, waitMs: 0 }), true),
      ];
      await Promise.allSettled(got.flatMap((conn) => Array.from({ length: PER_KIND }, () => kinds(conn)).flat()));
    };
    // The first flood compiles the refusal paths (about 3 MiB of code and lazily built state here),
    // once per process: one wave from another peer before the measure keeps that out of it.
    await wave([await host('warm')]);
    expect(await until(() => server.pendingRequests === 0, 5000)).toBe(true);
    // Before it turns, the attacker is a reader like any other, served once on each of its nodes (the
    // attacker's own side lives in this process too, so it is in the measure before as after).
    const asReaders = attackers.map((a) => new RoundService(a, { ...init, agent: 'attacker', store: new RoundStore<WeightsMessage>(1), access: { reader: () => undefined } }));
    const served = await Promise.allSettled(asReaders.map((r) => r.fetch(victimPeer, request({ round: 0 }), { signal: never, timeoutMs: 5000, maxPayloadBytes: MB })));
    // ...except past its connections: the victim refuses the fifth and sixth.
    expect(served.filter((s) => s.status === 'fulfilled' && s.value.header.status === 'ok').length).toBe(MAX_CONNECTIONS_PER_PEER);
    const before = heldBytes();
    [opened, mostPending, errs.length] = [0, 0, 0];
    connectionIds.clear();

    let flooding = true;
    let waves = 0;
    const flood = (async () => {
      // Wave after wave, until told to stop: a connection refused or closed is simply dialled again.
      for (; flooding; waves++) await wave();
    })();
    expect(await until(() => opened > 50, 5000)).toBe(true);
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await fetchOnce());
    const duringFlood = heldBytes();
    mostPending = Math.max(mostPending, server.pendingRequests);
    expect(await until(() => waves >= 3, 10_000)).toBe(true);
    flooding = false;
    await flood;

    expect(during.map((d) => d.status)).toEqual(Array(5).fill('ok'));
    expect(Math.max(...during.map((d) => d.ms))).toBeLessThan(3000);
    // The honest reader's one request and the attacker's bound, never the flood's hundreds.
    expect(mostPending).toBeGreaterThan(0);
    expect(mostPending).toBeLessThanOrEqual(MAX_PENDING_PER_PEER + 1);
    // What the flood held on to: a few copies of the model, not one per stream.
    expect(duringFlood - before).toBeLessThan((MAX_PENDING_PER_PEER + 4) * MB);
    // Going past its bound cost the attacker its connections, and every new one it dialled.
    expect(errs.filter((e) => /closing its connection, and any other for 30 s/.test(e))).toHaveLength(1);
    expect(connectionIds.size).toBeGreaterThan(MAX_CONNECTIONS_PER_PEER);

    await Promise.all(attackers.map((a) => a.stop()));
    expect(await until(() => victim.getConnections(attacker.peerId).length === 0 && server.pendingRequests === 0, 5000)).toBe(true);
    const after = heldBytes();
    console.log(`flood: ${opened} attacker streams in ${waves} waves over ${connectionIds.size} connections (${errs.length} errors logged); held ${(before / MB).toFixed(1)} MiB before, ${(duringFlood / MB).toFixed(1)} during, ${(after / MB).toFixed(1)} after; at most ${mostPending} pending`);
    expect(after).toBeLessThan(before * 1.1);
    expect(await fetchOnce()).toMatchObject({ status: 'ok' });
    await server.stop();
  }, 20_000);

  it('a reader that gives up (resets its stream) ends its pending request at once, not when the round comes', async () => {
    const [victim, honest] = [await host('victim', 9), await host('honest', 9)];
    const store = new RoundStore<WeightsMessage>(2);
    const server = new RoundService(victim, { protocol: WEIGHTS_PROTOCOL, agent: 'victim', store, encode: (m) => encodeWeights('victim', m), okHeader: weightsHeaderSchema, maxWaitMs: 60_000, access: { reader: () => 'honest' } });
    await server.start();
    const streams = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const s = await honest.dialProtocol(victim.getMultiaddrs(), WEIGHTS_PROTOCOL);
        await framed(s, 1024).write('request', [encodeJson({ round: 5, minRound: 5, waitMs: 60_000 })], deadline(2000));
        return s;
      }),
    );
    expect(await until(() => server.pendingRequests === 3, 5000)).toBe(true);
    for (const s of streams) s.abort(new Error('given up'));
    expect(await until(() => server.pendingRequests === 0, 2000)).toBe(true);
    await server.stop();
  });
});
