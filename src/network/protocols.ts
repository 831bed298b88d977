// Every protocol id this project speaks, in one place: a new version of a message is a new id here,
// and old and new can be served side by side while a network upgrades.
export const PREDICTIONS_PROTOCOL = '/mhd/predictions/1.0.0';
export const WEIGHTS_PROTOCOL = '/mhd/weights/1.0.0';
/** This project's DHT protocol: its own name, so it never mixes with the public IPFS DHT. */
export const DHT_PROTOCOL = '/mhd/kad/1.0.0';

/**
 * Stream limits of a round protocol, per connection. A reader opens one stream per round and direction,
 * so a handful is plenty; the bound keeps a peer from pinning handlers with streams it never uses.
 */
export const ROUND_STREAM_LIMITS = { maxInboundStreams: 64, maxOutboundStreams: 64 } as const;
