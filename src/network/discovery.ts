// Finding the addresses of neighbours known only by peer id (a roster): keep the bootstrap peers dialled,
// look each missing peer up in the peer store (filled by identify, mDNS and the DHT) and, failing that,
// through the DHT's peer routing; log who is still missing. Bounded by a signal: it ends with the run.
import type { Libp2p } from 'libp2p';
import type { PeerUpdate } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { withPeerId } from './roster.ts';

export interface Wanted {
  agent: string;
  peerId: string;
}

export interface FindOptions {
  node: Libp2p;
  /** The peers still without an address; asked every pass, so it shrinks as they are found. */
  missing: () => Wanted[];
  onFound: (agent: string, addrs: string[]) => void;
  /** Bootstrap addresses (ending in /p2p/<id>), re-dialled while anything is missing. */
  bootstrap: readonly string[];
  /** Peer routing is asked only when the host runs it (the DHT). */
  peerRouting: boolean;
  log: (line: string) => void;
  intervalMs?: number;
  /** How often to log who is still missing. */
  reportMs?: number;
  /** A bound on each lookup. */
  lookupMs?: number;
}

/** Addresses worth dialling: not the unspecified address, not a circuit, with the peer's /p2p. */
export function dialable(addrs: readonly Multiaddr[], peerId: string): string[] {
  const out = new Set<string>();
  for (const a of addrs) {
    const s = a.toString();
    if (/\/ip4\/0\.0\.0\.0\/|\/ip6\/::\/|\/p2p-circuit/.test(s)) continue;
    out.add(withPeerId(s, peerId));
  }
  return [...out];
}

async function lookup(o: FindOptions, w: Wanted, signal: AbortSignal): Promise<string[]> {
  const id = peerIdFromString(w.peerId);
  try {
    const known = dialable((await o.node.peerStore.get(id)).addresses.map((a) => a.multiaddr), w.peerId);
    if (known.length > 0) return known;
  } catch {
    // not in the peer store yet
  }
  if (!o.peerRouting) return [];
  try {
    const info = await o.node.peerRouting.findPeer(id, { signal: AbortSignal.any([signal, AbortSignal.timeout(o.lookupMs ?? 2000)]) });
    return dialable(info.multiaddrs, w.peerId);
  } catch {
    return [];
  }
}

async function dialBootstrap(o: FindOptions, signal: AbortSignal): Promise<void> {
  const self = o.node.peerId.toString();
  await Promise.all(
    o.bootstrap.map(async (b) => {
      const ma = multiaddr(b);
      const id = ma.getComponents().find((c) => c.name === 'p2p')?.value;
      if (id === self || (id && o.node.getConnections(peerIdFromString(id)).length > 0)) return;
      try {
        await o.node.dial(ma, { signal: AbortSignal.any([signal, AbortSignal.timeout(o.lookupMs ?? 2000)]) });
      } catch {
        // not up yet, or cut off: the next pass tries again
      }
    }),
  );
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Runs until every wanted peer has an address or `signal` aborts. */
export async function findPeers(o: FindOptions, signal: AbortSignal): Promise<void> {
  const started = Date.now();
  let lastReport = started;
  const found = (w: Wanted, addrs: string[]) => {
    if (addrs.length === 0 || signal.aborted || !o.missing().some((m) => m.peerId === w.peerId)) return;
    o.onFound(w.agent, addrs);
    o.log(`found ${w.agent} after ${((Date.now() - started) / 1000).toFixed(1)}s at ${addrs.join(' ')}`);
  };
  // Identify, mDNS and DHT answers all land in the peer store: take a wanted peer's address the moment
  // it arrives rather than at the next pass.
  const onUpdate = (e: CustomEvent<PeerUpdate>) => {
    const w = o.missing().find((m) => m.peerId === e.detail.peer.id.toString());
    if (w) found(w, dialable(e.detail.peer.addresses.map((a) => a.multiaddr), w.peerId));
  };
  o.node.addEventListener('peer:update', onUpdate);
  try {
    await passes(o, signal, found, lastReport);
  } finally {
    o.node.removeEventListener('peer:update', onUpdate);
  }
}

async function passes(o: FindOptions, signal: AbortSignal, found: (w: Wanted, addrs: string[]) => void, lastReport: number): Promise<void> {
  while (!signal.aborted) {
    const missing = o.missing();
    if (missing.length === 0) return;
    await dialBootstrap(o, signal);
    await Promise.all(
      missing.map(async (w) => {
        found(w, await lookup(o, w, signal));
      }),
    );
    const still = o.missing();
    if (still.length > 0 && Date.now() - lastReport >= (o.reportMs ?? 5000)) {
      lastReport = Date.now();
      o.log(`still looking for ${still.map((w) => w.agent).join(', ')} (${o.node.getConnections().length} connection(s) open)`);
    }
    if (still.length > 0) await sleep(o.intervalMs ?? 1000, signal);
  }
}
