// Typed errors of the wire layer, each with a name of its own that no libp2p error has. A WireError is a
// peer's fault (a message that breaks the protocol): it is rejected, logged and counted, never trained
// on. A DeadlineError is a stream that ran out of time. An abort of the caller's signal (the run stops)
// comes through as libp2p's AbortError. Anything else a fetch throws is the network's fault.

/** Why a message was rejected; counted per reason in the node's metrics. */
export type RejectReason =
  | 'malformed'
  | 'oversize'
  | 'wrong-agent'
  | 'stale-round'
  | 'wrong-chunk'
  | 'wrong-shape'
  | 'wrong-classes'
  | 'non-finite'
  | 'bad-row-sum'
  | 'truncated';

export class WireError extends Error {
  override name = 'WireError';
  readonly reason: RejectReason;
  constructor(reason: RejectReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

export class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/**
 * A listen address that the host cannot bind: taken, not available on this machine, or not allowed.
 * Named apart from libp2p's own ListenError, which says only that some address failed.
 */
export class ListenAddressError extends Error {
  override name = 'ListenAddressError';
  readonly addr: string;
  constructor(addr: string, problem: string) {
    super(`cannot listen on ${addr}: ${problem}`);
    this.addr = addr;
  }
}
