// The libp2p host of an agent: TCP (or in-memory for tests), Noise, yamux, and a connection gater that
// refuses every peer outside the resolved topology (or the roster). With discovery on, it also runs
// identify, ping, a private Kademlia DHT among the roster's peers, bootstrap dials and optionally mDNS.
import { createLibp2p, type Libp2p, type Libp2pOptions } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { memory } from '@libp2p/memory';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { identify } from '@libp2p/identify';
import { kadDHT } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { ping } from '@libp2p/ping';
import type { PeerId, PeerInfo, PrivateKey } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { createServer } from 'node:net';
import { ListenAddressError } from './errors.ts';
import { DHT_PROTOCOL } from './protocols.ts';

export type TransportKind = 'tcp' | 'memory';

export interface DiscoveryOptions {
  /** Multiaddrs (ending in /p2p/<id>) dialled at start. */
  bootstrap: string[];
  /** Peer routing through a Kademlia DHT over the roster's peers. */
  dht: boolean;
  /** Multicast DNS on the local network. */
  mdns: boolean;
}

export interface HostOptions {
  privateKey: PrivateKey;
  /** Multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/0 or /memory/a0. */
  listen: string[];
  transport: TransportKind;
  /** Peer ids (strings) allowed to connect or be dialled; everyone else is refused. */
  allowedPeers: () => ReadonlySet<string>;
  /** Called when the gater refuses a peer, for logging. */
  onRefused?: (peerId: string, direction: 'inbound' | 'outbound') => void;
  /** Off (undefined) for local clusters, where every address is handed out by the launcher. */
  discovery?: DiscoveryOptions;
  /** How many peers may connect (the run's other agents): sizes libp2p's limits on inbound connections. */
  peers?: number;
  /**
   * The most that opening a connection or a stream to a peer may take (libp2p's default: 6 s per
   * address, 10 s to name a protocol); a peer opening one to this host gets the same, up to
   * INBOUND_HANDSHAKE_CAP_MS. The agent passes its fetch deadline, which bounds every fetch anyway: a
   * process running hundreds of agents serves each handshake message only after all of its agents'
   * waiting steps, and with libp2p's limits most dials of a 1,000-agent pool failed ("aborted due to timeout",
   * or reset by the other side).
   */
  dialTimeoutMs?: number;
}

/**
 * libp2p refuses more than 5 new inbound connections a second from one IP address, and more than 10
 * still upgrading. A local cluster's agents all share 127.0.0.1 and dial each other at once, so on
 * complete-8 an agent had neighbours refused (`read ECONNRESET`) in round 0, was skipped by them, and
 * lingered the whole fetch timeout for readers that never got its round. Twice the run's peers a
 * second keeps the bound against a flood from one host without refusing the run's own agents.
 */
export function inboundLimits(peers: number): { inboundConnectionThreshold: number; maxIncomingPendingConnections: number } {
  const n = Math.max(10, 2 * peers);
  return { inboundConnectionThreshold: n, maxIncomingPendingConnections: n };
}

/**
 * Connections one peer may hold to this host. An honest peer needs one, two when both sides dial at
 * once, and briefly one more while a restarted peer's old connection dies. Every stream limit below is
 * per connection, so without this bound a peer could multiply them by opening connections.
 */
export const MAX_CONNECTIONS_PER_PEER = 4;

/**
 * Inbound streams one connection may have open at once, over all protocols, before yamux resets new
 * ones (its default is 1,000). What an honest peer can have open: a round protocol's 8
 * (ROUND_STREAM_LIMITS), kad-dht's 32, identify's 1 and ping's 2. A stream that never names its
 * protocol lives until the negotiation timeout below.
 */
export const MAX_STREAMS_PER_CONNECTION = 64;

/** libp2p's default is 10 s; naming a protocol takes one round trip, well under a second. */
const NEGOTIATION_TIMEOUT_MS = 5000;
/** libp2p's default for a peer's Noise and yamux handshake with this host. */
const INBOUND_UPGRADE_TIMEOUT_MS = 10_000;
/**
 * The most a peer dialling this host gets for its handshake, or for naming a stream's protocol, however
 * long the run's fetches may take: until then an outsider holds a pending connection, and an allowed
 * flooder its unnamed streams (at most 64 a connection). Half a minute, so that they are all gone a
 * minute after a flood.
 */
export const INBOUND_HANDSHAKE_CAP_MS = 30_000;

/** libp2p's handshake limits for a host whose fetches may take `dialTimeoutMs` (libp2p's own when undefined). */
export function handshakeLimits(dialTimeoutMs?: number) {
  if (dialTimeoutMs === undefined) return { inboundStreamProtocolNegotiationTimeout: NEGOTIATION_TIMEOUT_MS };
  const inbound = (least: number) => Math.max(least, Math.min(dialTimeoutMs, INBOUND_HANDSHAKE_CAP_MS));
  return {
    dialTimeout: dialTimeoutMs,
    addressDialTimeout: dialTimeoutMs,
    outboundStreamProtocolNegotiationTimeout: dialTimeoutMs,
    inboundUpgradeTimeout: inbound(INBOUND_UPGRADE_TIMEOUT_MS),
    inboundStreamProtocolNegotiationTimeout: inbound(NEGOTIATION_TIMEOUT_MS),
  };
}

export async function createHost(opts: HostOptions): Promise<Libp2p> {
  let host: Libp2p | undefined;
  const deny = (direction: 'inbound' | 'outbound') => (peerId: PeerId) => {
    const id = peerId.toString();
    const refused = !opts.allowedPeers().has(id);
    if (refused) opts.onRefused?.(id, direction);
    // An allowed peer past its connections is refused too, silently: that is a flood, not a stranger.
    return refused || (direction === 'inbound' && (host?.getConnections(peerId).length ?? 0) >= MAX_CONNECTIONS_PER_PEER);
  };
  try {
    host = await startHost(opts, deny);
    return host;
  } catch (err) {
    // A taken port is one line naming the address, not libp2p's advice and stack traces.
    if ((err as Error).name !== 'UnsupportedListenAddressesError') throw err;
    // Only TCP addresses can be bound again to ask the system why; for the others libp2p's message is all there is.
    throw (await whyNotListening(opts.listen)) ?? new ListenAddressError(opts.listen.join(' '), 'libp2p could not listen on it');
  }
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied',
};

/**
 * libp2p reports a failed listen as one message over all addresses. Binding each TCP address once more
 * with Node's own socket gives the failing address and the system's error code as data.
 */
async function whyNotListening(listen: readonly string[]): Promise<ListenAddressError | undefined> {
  for (const addr of listen) {
    const parts = Object.fromEntries(multiaddr(addr).getComponents().map((c) => [c.name, c.value]));
    const host = parts.ip4 ?? parts.ip6;
    if (host === undefined || parts.tcp === undefined) continue;
    const code = await new Promise<string | undefined>((resolve) => {
      const server = createServer();
      server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      server.listen(Number(parts.tcp), host, () => server.close(() => resolve(undefined)));
    });
    if (code !== undefined) return new ListenAddressError(addr, LISTEN_PROBLEMS[code] ?? code);
  }
  return undefined;
}

function startHost(opts: HostOptions, deny: (direction: 'inbound' | 'outbound') => (peerId: PeerId) => boolean): Promise<Libp2p> {
  const d = opts.discovery;
  // The DHT hands out and stores addresses of allowed peers only: an outsider is never even dialled.
  const rosterOnly = (peer: PeerInfo): PeerInfo => (opts.allowedPeers().has(peer.id.toString()) ? peer : { ...peer, multiaddrs: [] });
  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = [];
  if (d && d.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: d.bootstrap, timeout: 100 }));
  if (d?.mdns) peerDiscovery.push(mdns({ interval: 1000 }));
  const services: Libp2pOptions<Record<string, unknown>>['services'] = {};
  if (d) {
    services.identify = identify();
    services.ping = ping();
    // Server mode from the start: agents of a private network are dialable by each other, and kad-dht
    // would otherwise wait for a public address that a LAN never has. (The cast: kad-dht wants the ping
    // service among its components, which libp2p provides from `services.ping` but cannot type here.)
    if (d.dht) services.dht = kadDHT({ protocol: DHT_PROTOCOL, clientMode: false, peerInfoMapper: rosterOnly, initialQuerySelfInterval: 500 }) as never;
  }
  return createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen },
    connectionManager: { ...inboundLimits(opts.peers ?? 8), ...handshakeLimits(opts.dialTimeoutMs) },
    transports: [opts.transport === 'tcp' ? tcp() : memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: MAX_STREAMS_PER_CONNECTION })],
    peerDiscovery,
    services,
    connectionGater: {
      denyDialPeer: deny('outbound'),
      denyInboundEncryptedConnection: deny('inbound'),
      denyOutboundEncryptedConnection: deny('outbound'),
      // Loopback and private addresses are this project's normal case (a local cluster, a LAN).
      denyDialMultiaddr: () => false,
    },
  });
}
