// Length-prefixed frames over a libp2p 3 stream (an async iterable of bytes with send/onDrain), with a
// hard size limit on every incoming frame.
import type { Stream } from '@libp2p/interface';
import * as lp from 'it-length-prefixed';
import { pipe } from 'it-pipe';
import { ProtocolError } from './codec.ts';

export async function sendFrames(stream: Stream, frames: Uint8Array[]): Promise<number> {
  let bytes = 0;
  await pipe(
    frames,
    (source) => lp.encode(source),
    async (source) => {
      for await (const chunk of source) {
        bytes += chunk.byteLength;
        if (!stream.send(chunk)) await stream.onDrain();
      }
    },
  );
  return bytes;
}

type Frame = { subarray(): Uint8Array; byteLength: number };

/**
 * Reads frames one by one; oversize frames and early ends become ProtocolErrors. Create it as soon as
 * the stream opens: a libp2p 3 stream's iterator only listens for the remote's end of writing from its
 * first `next()`, so a reader started after that event would wait forever. The reader therefore
 * always has one read in flight.
 */
export class FrameReader {
  private readonly frames: AsyncIterator<Frame>;
  private pending: Promise<IteratorResult<Frame>>;
  bytes = 0;

  constructor(stream: Stream, maxFrameBytes: number) {
    this.frames = lp.decode(stream, { maxDataLength: maxFrameBytes })[Symbol.asyncIterator]();
    this.pending = this.prefetch();
  }

  private prefetch(): Promise<IteratorResult<Frame>> {
    const p = this.frames.next();
    p.catch(() => undefined); // observed by next(); a read nobody asks for must not crash the process
    return p;
  }

  async next(what: string): Promise<Uint8Array> {
    let r: IteratorResult<Frame>;
    try {
      r = await this.pending;
      if (!r.done) this.pending = this.prefetch();
    } catch (err) {
      const e = err as Error & { name?: string; code?: string };
      if (e.name === 'InvalidDataLengthError' || /data length/i.test(e.message)) {
        throw new ProtocolError('oversize', `${what} frame exceeds the size limit`);
      }
      if (e.name === 'UnexpectedEOFError' || /unexpected end/i.test(e.message)) {
        throw new ProtocolError('truncated', `${what} frame cut short`);
      }
      throw err;
    }
    if (r.done) throw new ProtocolError('truncated', `stream ended before the ${what} frame`);
    this.bytes += r.value.byteLength;
    return r.value.subarray();
  }
}

/** Rejects after `ms` with a timeout error, aborting the stream. */
export async function withTimeout<T>(p: Promise<T>, ms: number, stream: Stream | undefined, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${what} timed out after ${ms} ms`);
      stream?.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
