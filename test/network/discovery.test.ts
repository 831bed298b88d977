import { afterEach, describe, expect, it } from 'vitest';
import type { Libp2p } from 'libp2p';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { findPeers } from '../../src/network/discovery.ts';
import { createHost } from '../../src/network/host.ts';
import { peerIdString } from '../../src/network/identity.ts';

const hosts: Libp2p[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

/** n hosts on loopback that know each other's peer ids only; host 0 is the bootstrap. */
async function ring(n: number, dht = true) {
  const keys = await Promise.all(Array.from({ length: n }, () => generateKeyPair('Ed25519')));
  const ids = keys.map(peerIdString);
  const allowed = new Set(ids);
  const refused: string[] = [];
  const first = await createHost({ privateKey: keys[0], listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => allowed, discovery: { bootstrap: [], dht, mdns: false }, onRefused: (p) => refused.push(p) });
  hosts.push(first);
  const boot = first.getMultiaddrs()[0].toString();
  for (let i = 1; i < n; i++) {
    hosts.push(await createHost({ privateKey: keys[i], listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => allowed, discovery: { bootstrap: [boot], dht, mdns: false } }));
  }
  return { ids, boot, refused, allowed };
}

/** Every host looks for its two ring neighbours; resolves with the seconds until all are found. */
async function findRingNeighbours(ids: string[], boot: string, dht: boolean, ms: number) {
  const t0 = performance.now();
  const stop = AbortSignal.timeout(ms);
  const found = ids.map(() => new Map<string, string[]>());
  const logs: string[] = [];
  await Promise.all(
    hosts.map((node, i) => {
      const want = [(i + 1) % ids.length, (i + ids.length - 1) % ids.length].map((j) => ({ agent: `a${j}`, peerId: ids[j] }));
      return findPeers(
        { node, missing: () => want.filter((w) => !found[i].has(w.agent)), onFound: (a, addrs) => found[i].set(a, addrs), bootstrap: [boot], peerRouting: dht, log: (l) => logs.push(`a${i} ${l}`), intervalMs: 200, reportMs: 1000 },
        stop,
      );
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, found, logs };
}

describe('discovery', () => {
  it('finds every ring neighbour of 6 agents from one bootstrap address, through the DHT', async () => {
    const { ids, boot } = await ring(6);
    const { seconds, found } = await findRingNeighbours(ids, boot, true, 20_000);
    for (const [i, f] of found.entries()) {
      expect([...f.keys()].sort()).toEqual([`a${(i + 1) % 6}`, `a${(i + 5) % 6}`].sort());
      for (const [a, addrs] of f) expect(addrs[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${ids[Number(a.slice(1))]}$`));
    }
    expect(seconds).toBeLessThan(20);
  });

  it('without the DHT, an agent whose neighbours are not connected to it keeps looking and says who is missing', async () => {
    const { ids, boot } = await ring(4, false);
    const { found, logs } = await findRingNeighbours(ids, boot, false, 2500);
    // a2's neighbours a1 and a3 never dial a2 (only the bootstrap a0), so a2 cannot learn their addresses
    expect(found[2].size).toBe(0);
    expect(logs.some((l) => /^a2 still looking for a3, a1/.test(l))).toBe(true);
  });

  it('refuses a peer outside the roster with discovery on, and never hands out its address', async () => {
    const { ids, boot, refused } = await ring(3);
    const outsiderKey = await generateKeyPair('Ed25519');
    const outsider = await createHost({ privateKey: outsiderKey, listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => new Set(ids), discovery: { bootstrap: [boot], dht: true, mdns: false } });
    hosts.push(outsider);
    // The handshake may complete on the outsider's side before the bootstrap's gater hangs up, so what
    // counts is that the bootstrap refused it and holds no connection with it, and that it cannot be
    // asked anything.
    await outsider.dial(multiaddr(boot), { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    const bootNode = hosts[0];
    await expect.poll(() => refused, { timeout: 5000 }).toContain(peerIdString(outsiderKey));
    await expect.poll(() => bootNode.getConnections(outsider.peerId).length, { timeout: 5000 }).toBe(0);
    let asked = false;
    try {
      await outsider.dialProtocol(multiaddr(boot), '/mhd/kad/1.0.0', { signal: AbortSignal.timeout(3000) });
      asked = true;
    } catch {
      // refused
    }
    expect(asked).toBe(false);
    // a roster peer asking the DHT for the outsider learns nothing
    await expect(hosts[1].peerRouting.findPeer(outsider.peerId, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });
});
