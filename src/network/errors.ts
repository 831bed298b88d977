// Typed errors of the wire layer. A WireError is a peer's fault (a message that breaks the protocol):
// it is rejected, logged and counted, never trained on. A DeadlineError is a stream that ran out of
// time. Anything else a fetch throws is the network's fault (unreachable, reset).

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
