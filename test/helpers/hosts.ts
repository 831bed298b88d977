// libp2p hosts and raw frames for wire-protocol tests.
import type { Libp2p } from 'libp2p';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createHost, type TransportKind } from '../../src/network/host.ts';
import type { Peer } from '../../src/network/round-service.ts';

/** Unsigned LEB128, as libp2p's length prefixes; `pad` adds non-minimal continuation bytes. */
export function varint(n: number, pad = 0): number[] {
  const out: number[] = [];
  do {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  } while (n > 0);
  for (let i = 0; i < pad; i++) out.push(0x80);
  out.push(0);
  // Minimal form: drop the terminating zero when nothing was padded.
  if (pad === 0) {
    out.pop();
    out[out.length - 1] &= 0x7f;
  }
  return out;
}

/** Frames as a peer sends them: each one length-prefixed. */
export const prefixed = (frames: Uint8Array[]) => Uint8Array.from(frames.flatMap((f) => [...varint(f.byteLength), ...f]));

export interface TestHost {
  node: Libp2p;
  /** This host as a peer named `agent`, to dial. */
  peer: (agent: string) => Peer;
}

/** Starts hosts for a test file; `stopAll` (in afterAll) stops every one. */
export function testHosts(tag: string) {
  const started: Libp2p[] = [];
  let id = 0;
  return {
    async host(key: PrivateKey, allowed: () => ReadonlySet<string>, transport: TransportKind = 'memory'): Promise<TestHost> {
      const listen = transport === 'tcp' ? ['/ip4/127.0.0.1/tcp/0'] : [`/memory/mhd-${tag}-${process.pid}-${id++}`];
      const node = await createHost({ privateKey: key, listen, transport, allowedPeers: allowed });
      started.push(node);
      const peerId = peerIdFromPrivateKey(key).toString();
      return { node, peer: (agent) => ({ agent, peerId, addrs: node.getMultiaddrs().map((m) => m.toString()) }) };
    },
    stopAll: () => Promise.all(started.map((n) => n.stop())),
  };
}
