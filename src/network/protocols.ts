// Every protocol id this project speaks, in one place: a new version of a message is a new id here,
// and old and new can be served side by side while a network upgrades.
export const PREDICTIONS_PROTOCOL = '/mhd/predictions/1.0.0';
export const WEIGHTS_PROTOCOL = '/mhd/weights/1.0.0';
/** This project's DHT protocol: its own name, so it never mixes with the public IPFS DHT. */
export const DHT_PROTOCOL = '/mhd/kad/1.0.0';

/**
 * Stream limits of a round protocol, per connection. A reader has at most two requests out (a round's,
 * and one that the late rule lets run on), and the server serves at most 4 pending requests of a peer
 * over all its connections (round-service.ts, MAX_PENDING_PER_PEER); twice that leaves room for
 * streams still closing. libp2p resets the streams past it before any handler runs.
 */
export const ROUND_STREAM_LIMITS = { maxInboundStreams: 8, maxOutboundStreams: 8 } as const;
