// Seconds until every agent of a ring has found both neighbours' addresses, knowing only their peer ids:
// `dht` (bootstrap to agent 0, identify, the private kad-dht), `mdns` (multicast DNS, no bootstrap) or
// `identify` (bootstrap and identify only, no DHT). All agents run in this process on --host.
// Usage: npm run bench:discovery -- --mode dht --agents 8 [--repeat 5] [--host 127.0.0.1]
// mdns sends multicast: run it only inside a network namespace of your own whose loopback has multicast
// on (ip netns add X; ip -n X link set lo up multicast on; ip -n X route add 224.0.0.0/4 dev lo).
import type { Libp2p } from 'libp2p';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { findPeers } from '../../src/network/discovery.ts';
import { createHost } from '../../src/network/host.ts';
import { peerIdString } from '../../src/network/identity.ts';
import { choice, nonEmpty, one, parseCommand, positive, whole } from '../lib/args.ts';

const { values } = parseCommand({
  name: 'bench:discovery',
  about: 'Seconds until every agent of a ring has found both neighbours, knowing only their peer ids.',
  options: {
    mode: one('dht|mdns|identify', 'how agents find each other', choice('dht', 'mdns', 'identify'), 'dht'),
    // Below 3, an agent's two neighbours are one agent: "both found" could never hold.
    agents: one('N', 'agents on the ring', whole(3), '8'),
    repeat: one('N', 'runs', whole(1), '5'),
    host: one('IP', 'the address every agent listens on', nonEmpty, '127.0.0.1'),
    limit: one('S', 'seconds a run may take', positive, '20'),
  },
});
const { agents: n, mode } = values;

async function once(): Promise<number | undefined> {
  const keys = await Promise.all(Array.from({ length: n }, () => generateKeyPair('Ed25519')));
  const ids = keys.map(peerIdString);
  const allowed = new Set(ids);
  const hosts: Libp2p[] = [];
  const t0 = performance.now();
  try {
    let boot: string[] = [];
    for (let i = 0; i < n; i++) {
      const discovery = { bootstrap: mode === 'mdns' ? [] : boot, dht: mode === 'dht', mdns: mode === 'mdns' };
      hosts.push(await createHost({ privateKey: keys[i], listen: [`/ip4/${values.host}/tcp/0`], transport: 'tcp', allowedPeers: () => allowed, discovery }));
      if (i === 0) boot = [hosts[0].getMultiaddrs()[0].toString()];
    }
    const stop = AbortSignal.timeout(values.limit * 1000);
    const found = hosts.map(() => new Set<string>());
    await Promise.all(
      hosts.map((node, i) => {
        const want = [(i + 1) % n, (i + n - 1) % n].map((j) => ({ agent: `a${j}`, peerId: ids[j] }));
        const missing = () => want.filter((w) => !found[i].has(w.agent));
        return findPeers({ node, missing, onFound: (a) => found[i].add(a), bootstrap: boot, peerRouting: mode === 'dht', log: () => {}, intervalMs: 200 }, stop);
      }),
    );
    return found.every((f) => f.size === 2) ? (performance.now() - t0) / 1000 : undefined;
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

const times: (number | undefined)[] = [];
for (let r = 0; r < values.repeat; r++) times.push(await once());
const ok = times.filter((t): t is number => t !== undefined).sort((a, b) => a - b);
const median = ok.length > 0 ? ok[Math.floor(ok.length / 2)].toFixed(2) : '-';
console.log(`${mode}, ring of ${n}: all neighbours found in ${ok.length}/${times.length} runs; median ${median}s, max ${ok.length ? ok.at(-1)!.toFixed(2) : '-'}s (limit ${values.limit}s)`);
