// Length-prefixed frames over a libp2p stream, through @libp2p/utils' lpStream and its frame limit
// (`maxDataLength`), with every read and write bounded by a signal. A peer that sends a bad length
// prefix, an oversize or cut-short frame gets a WireError; a peer that stops reading or writing before
// the deadline gets a DeadlineError. Either way its stream is aborted, so it cannot pin a handler or a
// buffer. An abort of the caller's own signal (a stop) is passed on as it is.
import type { Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { decode as decodeVarint } from 'uint8-varint';
import type { Uint8ArrayList } from 'uint8arraylist';
import { DeadlineError, WireError } from './errors.ts';

/** Bytes of the unsigned varint that encodes `n`. */
export function varintBytes(n: number): number {
  let bytes = 1;
  for (let v = n; v >= 128; v = Math.floor(v / 128)) bytes++;
  return bytes;
}

/** When reads and writes must be done by: `ms` from `start`, or sooner when `stop` aborts. */
export interface Deadline {
  readonly stop?: AbortSignal;
  readonly ms: number;
  readonly end: number;
}

export const deadline = (ms: number, stop?: AbortSignal): Deadline => ({ stop, ms, end: Date.now() + ms });

/**
 * A signal that aborts with a TimeoutError after `ms`, and `clear` to drop its timer once the wait is
 * over. AbortSignal.timeout cannot be cleared: under a flood of streams, each one's 10-60 s step timers
 * would stay queued, with what they hold, long after its stream was gone.
 */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const c = new AbortController();
  const timer = setTimeout(() => c.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), Math.max(1, ms));
  // Like AbortSignal.timeout's: a pending step does not keep the process alive.
  timer.unref();
  return { signal: c.signal, clear: () => clearTimeout(timer) };
}

/** The signal of a step under `d`: aborts at the deadline or on a stop; `clear` once the step is done. */
export function stepSignal(d: Deadline): { signal: AbortSignal; timeout: AbortSignal; clear: () => void } {
  const t = timeoutSignal(d.end - Date.now());
  return { signal: d.stop ? AbortSignal.any([d.stop, t.signal]) : t.signal, timeout: t.signal, clear: t.clear };
}

/** Closes the stream's writing side by the deadline, its timer dropped as soon as it is closed. */
export async function closeWithin(stream: Stream, d: Deadline): Promise<void> {
  const step = stepSignal(d);
  try {
    await stream.close({ signal: step.signal });
  } finally {
    step.clear();
  }
}

export interface FramedStream {
  /** Reads one frame; `what` names it in errors. */
  read(what: string, deadline: Deadline): Promise<Uint8Array>;
  /** Writes frames in one go; returns the bytes written, prefixes included. */
  write(what: string, frames: readonly Uint8Array[], deadline: Deadline): Promise<number>;
  /** Bytes read so far, prefixes included. */
  readonly bytesRead: number;
}

/**
 * Wraps `stream` at once: lpStream listens for the remote's data and end from creation, so wrapping
 * later could miss an end that has already arrived.
 */
export function framed(stream: Stream, maxFrameBytes: number): FramedStream {
  const maxPrefix = varintBytes(maxFrameBytes);
  const lp = lpStream(stream, {
    maxDataLength: maxFrameBytes,
    // lpStream checks a prefix's length only once it decodes, so a peer could send continuation bytes
    // for as long as the deadline lasts; this refuses one longer than the limit needs as it arrives.
    lengthDecoder: (prefix: Uint8ArrayList) => {
      if (prefix.byteLength > maxPrefix) throw new WireError('oversize', `length prefix of more than ${maxPrefix} bytes (frame limit ${maxFrameBytes} bytes)`);
      return decodeVarint(prefix);
    },
    // Bytes a peer may send ahead of our reads: a reply's header and payload arrive together.
    maxBufferSize: 2 * maxFrameBytes + 64,
  });
  let bytesRead = 0;
  const bounded = async <T>(d: Deadline, what: string, op: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const { signal, timeout, clear } = stepSignal(d);
    try {
      return await op(signal);
    } catch (err) {
      const e = d.stop?.aborted ? (err as Error) : timeout.aborted ? new DeadlineError(`${what} took longer than ${d.ms} ms`) : translate(err, what);
      stream.abort(e);
      throw e;
    } finally {
      clear();
    }
  };
  return {
    read: (what, d) =>
      bounded(d, `reading the ${what}`, async (signal) => {
        const frame = await lp.read({ signal });
        bytesRead += varintBytes(frame.byteLength) + frame.byteLength;
        return frame.subarray();
      }),
    write: (what, frames, d) =>
      bounded(d, `writing the ${what}`, async (signal) => {
        await lp.writeV([...frames], { signal });
        return frames.reduce((a, f) => a + varintBytes(f.byteLength) + f.byteLength, 0);
      }),
    get bytesRead() {
      return bytesRead;
    },
  };
}

/** libp2p's stream errors, by name, as what they mean for the frame. */
const FRAME_ERRORS: Record<string, [WireError['reason'], string]> = {
  UnexpectedEOFError: ['truncated', 'the stream ended early'],
  StreamBufferError: ['oversize', 'more data than one frame may hold'],
  InvalidDataLengthError: ['oversize', 'a frame over the size limit'],
  InvalidDataLengthLengthError: ['oversize', 'a length prefix longer than the size limit needs'],
  InvalidMessageLengthError: ['malformed', 'invalid length prefix'],
};

function translate(err: unknown, what: string): Error {
  const e = err as Error;
  if (e instanceof WireError) return new WireError(e.reason, `${what}: ${e.message}`);
  const known = FRAME_ERRORS[e?.name];
  if (known) return new WireError(known[0], `${what}: ${known[1]}`);
  return e instanceof Error ? e : new Error(String(err));
}
