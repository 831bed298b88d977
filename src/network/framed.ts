// Length-prefixed frames over a libp2p stream, through @libp2p/utils' lpStream, with a hard limit on
// every frame and a deadline on every read and write. A peer that sends a bad length prefix, an
// oversize or cut-short frame gets a WireError; a peer that stops reading or writing gets a
// DeadlineError and its stream is aborted, so it cannot pin a handler or a buffer.
import type { Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import type { Uint8ArrayList } from 'uint8arraylist';
import { DeadlineError, WireError } from './errors.ts';

/** Bytes of the longest unsigned varint that can encode `max`. */
export function varintBytes(max: number): number {
  let n = 1;
  for (let v = max; v >= 128; v = Math.floor(v / 128)) n++;
  return n;
}

/**
 * Decodes the unsigned varint length prefix at the start of `prefix`, enforcing `maxFrameBytes`.
 * Throws RangeError while the varint is incomplete (lpStream then reads another byte), and a
 * WireError for a prefix that is too long, not minimal, or announces a frame over the limit.
 */
export function decodeLengthPrefix(prefix: Pick<Uint8ArrayList, 'byteLength' | 'get'>, maxFrameBytes: number): number {
  const maxBytes = varintBytes(maxFrameBytes);
  let value = 0;
  let scale = 1;
  for (let i = 0; i < prefix.byteLength; i++) {
    const b = prefix.get(i);
    if (i >= maxBytes) throw new WireError('oversize', `length prefix of more than ${maxBytes} bytes (frame limit ${maxFrameBytes} bytes)`);
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw new WireError('malformed', 'length prefix is not minimally encoded');
      if (value > maxFrameBytes) throw new WireError('oversize', `frame of ${value} bytes exceeds the limit of ${maxFrameBytes}`);
      return value;
    }
  }
  throw new RangeError('incomplete length prefix');
}

export interface FramedStream {
  /** Reads one frame; `what` names it in errors. */
  read(what: string, deadlineMs: number): Promise<Uint8Array>;
  /** Writes frames in one go; returns the bytes written, prefixes included. */
  write(what: string, frames: readonly Uint8Array[], deadlineMs: number): Promise<number>;
  /** Bytes read so far, prefixes included. */
  readonly bytesRead: number;
}

const isTimeout = (err: unknown) => (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';

/**
 * Wraps `stream` at once: lpStream listens for the remote's data and end from creation, so wrapping
 * later could miss an end that has already arrived.
 */
export function framed(stream: Stream, maxFrameBytes: number): FramedStream {
  const lp = lpStream(stream, {
    lengthDecoder: (prefix) => decodeLengthPrefix(prefix, maxFrameBytes),
    // Bytes a peer may send ahead of our reads: a reply's header and payload arrive together.
    maxBufferSize: 2 * maxFrameBytes + 64,
  });
  let bytesRead = 0;
  const deadline = async <T>(ms: number, what: string, op: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const signal = AbortSignal.timeout(ms);
    try {
      return await op(signal);
    } catch (err) {
      const e = isTimeout(err) ? new DeadlineError(`${what} took longer than ${ms} ms`) : translate(err, what);
      stream.abort(e);
      throw e;
    }
  };
  return {
    read: (what, ms) =>
      deadline(ms, `reading the ${what}`, async (signal) => {
        const frame = await lp.read({ signal });
        bytesRead += varintBytes(frame.byteLength) + frame.byteLength;
        return frame.subarray();
      }),
    write: (what, frames, ms) =>
      deadline(ms, `writing the ${what}`, async (signal) => {
        await lp.writeV([...frames], { signal });
        return frames.reduce((a, f) => a + varintBytes(f.byteLength) + f.byteLength, 0);
      }),
    get bytesRead() {
      return bytesRead;
    },
  };
}

function translate(err: unknown, what: string): Error {
  const e = err as Error;
  if (e instanceof WireError) return new WireError(e.reason, `${what}: ${e.message}`);
  if (e?.name === 'UnexpectedEOFError') return new WireError('truncated', `${what}: the stream ended early`);
  if (e?.name === 'StreamBufferError') return new WireError('oversize', `${what}: more data than one frame may hold`);
  if (e?.name === 'InvalidMessageLengthError') return new WireError('malformed', `${what}: invalid length prefix`);
  return e instanceof Error ? e : new Error(String(err));
}
