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

/** A listen address that the host cannot bind: taken, not available on this machine, or not allowed. */
export class ListenError extends Error {
  override name = 'ListenError';
  readonly addr: string;
  constructor(addr: string, problem: string) {
    super(`cannot listen on ${addr}: ${problem}`);
    this.addr = addr;
  }
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied',
};

/**
 * libp2p reports a failed listen as one error whose message lists `addr: error` pairs with stack traces
 * and advice about its own settings. This picks out the first address and says in words what is wrong.
 */
export function listenErrorFrom(err: Error, listen: readonly string[]): ListenError | undefined {
  if (err.name !== 'UnsupportedListenAddressesError') return undefined;
  const m = /^\s*(\/\S+): (.*)$/m.exec(err.message);
  const addr = m?.[1] ?? listen.join(' ');
  const detail = m?.[2] ?? err.message.split('\n')[0];
  const code = Object.keys(LISTEN_PROBLEMS).find((c) => detail.includes(c));
  return new ListenError(addr, code ? LISTEN_PROBLEMS[code] : detail.replace(/^Error: /, ''));
}
