// The request/response shape shared by /mhd/predictions and /mhd/weights: the client asks for a round
// (accepting anything from minRound on, waiting at most waitMs); the server answers a JSON header frame
// and, when the status is ok, one binary payload frame. Every frame has a hard size limit.
import type { Libp2p } from 'libp2p';
import type { Connection, Stream } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { encodeJson, ProtocolError, type ResponseStatus } from './codec.ts';
import { FrameReader, sendFrames, withTimeout } from './frames.ts';

export interface RoundRequest {
  round: number;
  minRound: number;
  waitMs: number;
  embedding?: boolean;
}

export interface Peer {
  readonly agent: string;
  readonly peerId: string;
  /** Multiaddrs to dial, each ending in /p2p/<peerId>. */
  readonly addrs: readonly string[];
}

export interface Reply {
  header: { status: ResponseStatus; agent: string; message?: string } & Record<string, unknown>;
  payload?: Uint8Array;
}

export const MAX_REQUEST_BYTES = 4096;
export const MAX_HEADER_BYTES = 64 * 1024;

export function parseRoundRequest(raw: Uint8Array): RoundRequest {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw)) as Record<string, unknown>;
  } catch {
    throw new ProtocolError('malformed', 'request is not JSON');
  }
  const isRound = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  if (typeof o !== 'object' || o === null || !isRound(o.round)) throw new ProtocolError('malformed', 'request lacks a non-negative integer round');
  const round = o.round as number;
  const minRound = isRound(o.minRound) ? Math.min(o.minRound as number, round) : round;
  const waitMs = typeof o.waitMs === 'number' && o.waitMs >= 0 ? o.waitMs : 0;
  return { round, minRound, waitMs, embedding: o.embedding === true };
}

export interface ServeOptions {
  protocol: string;
  /** The agent answering, for headers of refusals. */
  agent: string;
  /** Maps a connected peer to an agent allowed to read, or undefined (refused). */
  reader: (peerId: string) => string | undefined;
  answer: (req: RoundRequest, reader: string) => Promise<Reply>;
  /** After a reply went out; `round` is the round served (undefined for refusals and not-ready). */
  onSent?: (reader: string, bytes: number, round: number | undefined) => void;
  onError?: (peerId: string, err: Error) => void;
  requestTimeoutMs?: number;
}

export async function serveRounds(node: Libp2p, opts: ServeOptions): Promise<void> {
  await node.handle(
    opts.protocol,
    async (stream: Stream, connection: Connection) => {
      const peerId = connection.remotePeer.toString();
      try {
        const reader = opts.reader(peerId);
        let reply: Reply;
        if (reader === undefined) {
          reply = { header: { status: 'forbidden', agent: opts.agent, message: `peer ${peerId} may not read ${opts.protocol}` } };
        } else {
          const frames = new FrameReader(stream, MAX_REQUEST_BYTES);
          const raw = await withTimeout(frames.next('request'), opts.requestTimeoutMs ?? 10_000, stream, 'reading the request');
          let req: RoundRequest | undefined;
          try {
            req = parseRoundRequest(raw);
          } catch (err) {
            reply = { header: { status: 'bad-request', agent: opts.agent, message: (err as Error).message } };
          }
          reply ??= await opts.answer(req!, reader);
        }
        const frames = [encodeJson(reply.header), ...(reply.payload ? [reply.payload] : [])];
        const bytes = await sendFrames(stream, frames);
        if (reader !== undefined) opts.onSent?.(reader, bytes, reply.header.status === 'ok' ? Number(reply.header.round) : undefined);
        await stream.close();
      } catch (err) {
        opts.onError?.(peerId, err as Error);
        stream.abort(err as Error);
      }
    },
    { maxInboundStreams: 64, force: true },
  );
}

export interface Fetched {
  header: Record<string, unknown> & { status: ResponseStatus; agent: string; message?: string };
  payload?: Uint8Array;
  bytesSent: number;
  bytesReceived: number;
}

/** Dials `peer`, sends the request, reads the reply. Network failures throw plain Errors; bad frames ProtocolErrors. */
export async function fetchRound(node: Libp2p, peer: Peer, protocol: string, req: RoundRequest, maxPayloadBytes: number, timeoutMs: number): Promise<Fetched> {
  const signal = AbortSignal.timeout(timeoutMs);
  const stream = await node.dialProtocol(peer.addrs.map((a) => multiaddr(a)), protocol, { signal });
  try {
    const frames = new FrameReader(stream, Math.max(MAX_HEADER_BYTES, maxPayloadBytes));
    const bytesSent = await sendFrames(stream, [encodeJson(req)]);
    // Half-close: the request is all this side sends, so the server sees a clean end of input.
    await stream.close();
    const read = async (): Promise<Fetched> => {
      const rawHeader = await frames.next('header');
      if (rawHeader.byteLength > MAX_HEADER_BYTES) throw new ProtocolError('oversize', `header of ${rawHeader.byteLength} bytes exceeds ${MAX_HEADER_BYTES}`);
      let header: Fetched['header'];
      try {
        header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawHeader)) as Fetched['header'];
      } catch {
        throw new ProtocolError('malformed', 'response header is not JSON');
      }
      if (typeof header !== 'object' || header === null || typeof header.status !== 'string') {
        throw new ProtocolError('malformed', 'response header lacks a status');
      }
      if (header.status !== 'ok') return { header, bytesSent, bytesReceived: frames.bytes };
      const payload = await frames.next('payload');
      return { header, payload, bytesSent, bytesReceived: frames.bytes };
    };
    return await withTimeout(read(), timeoutMs, stream, `fetching round ${req.round} from ${peer.agent}`);
  } catch (err) {
    stream.abort(err as Error);
    throw err;
  }
}
