// The libp2p host of an agent: TCP (or in-memory for tests), Noise, yamux, and a connection gater that
// refuses every peer outside the resolved topology.
import { createLibp2p, type Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { memory } from '@libp2p/memory';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { listenErrorFrom } from './errors.ts';

export type TransportKind = 'tcp' | 'memory';

export interface HostOptions {
  privateKey: PrivateKey;
  /** Multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/0 or /memory/a0. */
  listen: string[];
  transport: TransportKind;
  /** Peer ids (strings) allowed to connect or be dialled; everyone else is refused. */
  allowedPeers: () => ReadonlySet<string>;
  /** Called when the gater refuses a peer, for logging. */
  onRefused?: (peerId: string, direction: 'inbound' | 'outbound') => void;
}

export async function createHost(opts: HostOptions): Promise<Libp2p> {
  const deny = (direction: 'inbound' | 'outbound') => (peerId: PeerId) => {
    const id = peerId.toString();
    const refused = !opts.allowedPeers().has(id);
    if (refused) opts.onRefused?.(id, direction);
    return refused;
  };
  try {
    return await startHost(opts, deny);
  } catch (err) {
    // A taken port is one line naming the address, not libp2p's advice and stack traces.
    throw listenErrorFrom(err as Error, opts.listen) ?? err;
  }
}

function startHost(opts: HostOptions, deny: (direction: 'inbound' | 'outbound') => (peerId: PeerId) => boolean): Promise<Libp2p> {
  return createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen },
    transports: [opts.transport === 'tcp' ? tcp() : memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      denyDialPeer: deny('outbound'),
      denyInboundEncryptedConnection: deny('inbound'),
      denyOutboundEncryptedConnection: deny('outbound'),
      // Loopback and private addresses are this project's normal case (a local cluster).
      denyDialMultiaddr: () => false,
    },
  });
}
