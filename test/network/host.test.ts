import { describe, expect, it } from 'vitest';
import { createServer, connect, type Server } from 'node:net';
import { once } from 'node:events';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createHost, handshakeLimits, INBOUND_HANDSHAKE_CAP_MS } from '../../src/network/host.ts';
import { ListenAddressError } from '../../src/network/errors.ts';
import { multiaddr } from '@multiformats/multiaddr';

describe('createHost', () => {
  it('the agents of a local cluster, all on 127.0.0.1, may all dial one agent at the same moment (complete-16)', async () => {
    const keys = await Promise.all(Array.from({ length: 16 }, () => generateKeyPair('Ed25519')));
    const all = new Set(keys.map((k) => peerIdFromPrivateKey(k).toString()));
    const hosts = await Promise.all(keys.map((privateKey) => createHost({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => all, peers: 16 })));
    try {
      const [target, ...others] = hosts;
      // libp2p's own limits (5 a second from one address, 10 upgrading) refused some of these
      const dials = await Promise.allSettled(others.map((h) => h.dial(target.getMultiaddrs())));
      expect(dials.filter((d) => d.status === 'rejected')).toEqual([]);
    } finally {
      await Promise.all(hosts.map((h) => h.stop()));
    }
  });


  it('dialTimeoutMs is how long opening a connection may take, in place of libp2p\'s 6 s per address', async () => {
    const [kA, kB] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]);
    const ids = new Set([kA, kB].map((k) => peerIdFromPrivateKey(k).toString()));
    const target = await createHost({ privateKey: kB, listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => ids });
    const port = Number(target.getMultiaddrs()[0].toString().split('/')[4]);
    // A relay that holds every byte for 0.4 s, as an overloaded process serves a handshake late.
    const slow: Server = createServer((inbound) => {
      const outbound = connect(port, '127.0.0.1');
      const later = (from: typeof inbound, to: typeof inbound) => from.on('data', (b) => setTimeout(() => to.writable && to.write(b), 400));
      later(inbound, outbound);
      later(outbound, inbound);
      const end = () => (inbound.destroy(), outbound.destroy());
      inbound.on('close', end).on('error', end);
      outbound.on('close', end).on('error', end);
    });
    slow.listen(0, '127.0.0.1');
    await once(slow, 'listening');
    const via = `/ip4/127.0.0.1/tcp/${(slow.address() as { port: number }).port}/p2p/${target.peerId.toString()}`;
    const dialWithin = async (dialTimeoutMs: number) => {
      const a = await createHost({ privateKey: kA, listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => ids, dialTimeoutMs });
      try {
        return await a.dial(multiaddr(via)).then(() => 'connected', (e: Error) => e.name);
      } finally {
        await a.stop();
      }
    };
    try {
      expect(await dialWithin(300)).toBe('TimeoutError');
      expect(await dialWithin(10_000)).toBe('connected');
    } finally {
      slow.close();
      await target.stop();
    }
  });

  it('a peer dialling in gets the fetch deadline for its handshake too, but never more than the cap, nor less than libp2p gives', () => {
    const long = handshakeLimits(125_000);
    expect([long.dialTimeout, long.addressDialTimeout, long.outboundStreamProtocolNegotiationTimeout]).toEqual([125_000, 125_000, 125_000]);
    expect([long.inboundUpgradeTimeout, long.inboundStreamProtocolNegotiationTimeout]).toEqual([INBOUND_HANDSHAKE_CAP_MS, INBOUND_HANDSHAKE_CAP_MS]);
    const short = handshakeLimits(2000);
    expect([short.inboundUpgradeTimeout, short.inboundStreamProtocolNegotiationTimeout]).toEqual([10_000, 5000]);
    expect(handshakeLimits(undefined)).toEqual({ inboundStreamProtocolNegotiationTimeout: 5000 });
  });

  it('the gater refuses peers outside the run both ways, and says so', async () => {
    const [kA, kB] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]);
    const idA = peerIdFromPrivateKey(kA).toString();
    const idB = peerIdFromPrivateKey(kB).toString();
    const refusedByA: [string, string][] = [];
    const refusedByB: [string, string][] = [];
    const a = await createHost({ privateKey: kA, listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => new Set(), onRefused: (p, d) => refusedByA.push([p, d]) });
    const b = await createHost({ privateKey: kB, listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => new Set([idA]), onRefused: (p, d) => refusedByB.push([p, d]) });
    const c = await createHost({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => new Set([idB]) });
    try {
      // a allows nobody: dialling b is refused on a's side before it starts
      const outcome = (p: Promise<unknown>) => p.then(() => 'connected', () => 'refused');
      expect(await outcome(a.dial(b.getMultiaddrs()))).toBe('refused');
      expect(refusedByA.map((r) => r.join(' '))).toContain(`${idB} outbound`);
      // c may dial b, but b does not know c
      await outcome(c.dial(b.getMultiaddrs()));
      await expect.poll(() => refusedByB.filter(([, d]) => d === 'inbound').length, { timeout: 5000 }).toBeGreaterThan(0);
      expect(refusedByB[0][0]).toBe(c.peerId.toString());
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  it('with discovery: a bootstrap list and no DHT starts and stops', async () => {
    const key = await generateKeyPair('Ed25519');
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
    const node = await createHost({
      privateKey: key,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      transport: 'tcp',
      allowedPeers: () => new Set([other]),
      discovery: { bootstrap: [`/ip4/127.0.0.1/tcp/9/p2p/${other}`], dht: false, mdns: false },
    });
    expect(node.getMultiaddrs().length).toBeGreaterThan(0);
    await node.stop();
  });

  it('a listen address already taken is a ListenAddressError naming it; so is one this machine does not have', async () => {
    const key = await generateKeyPair('Ed25519');
    const first = await createHost({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => new Set() });
    const addr = first.getMultiaddrs()[0].toString().replace(/\/p2p\/.*$/, '');
    try {
      const err = await createHost({ privateKey: key, listen: [addr], transport: 'tcp', allowedPeers: () => new Set() }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListenAddressError);
      expect((err as Error).message).toBe(`cannot listen on ${addr}: address already in use`);
      // the first address that fails is named, not the good one before it
      const both = await createHost({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0', addr], transport: 'tcp', allowedPeers: () => new Set() }).catch((e: unknown) => e);
      expect((both as ListenAddressError).addr).toBe(addr);
      const foreign = await createHost({ privateKey: key, listen: ['/ip4/10.255.255.254/tcp/0'], transport: 'tcp', allowedPeers: () => new Set() }).catch((e: unknown) => e);
      expect((foreign as Error).message).toBe('cannot listen on /ip4/10.255.255.254/tcp/0: address not available on this machine');
      // an address only libp2p can judge (memory) still gives one line naming it
      const mem = `/memory/mhd-host-${process.pid}`;
      const held = await createHost({ privateKey: key, listen: [mem], transport: 'memory', allowedPeers: () => new Set() });
      const twice = await createHost({ privateKey: key, listen: [mem], transport: 'memory', allowedPeers: () => new Set() }).catch((e: unknown) => e);
      await held.stop();
      expect((twice as Error).message).toBe(`cannot listen on ${mem}: libp2p could not listen on it`);
    } finally {
      await first.stop();
    }
  });
});
