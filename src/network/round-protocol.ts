// The request/response shape shared by /mhd/predictions and /mhd/weights (docs/DESIGN.md, "Wire
// protocol"): the client asks for a round (accepting anything from minRound on, waiting at most waitMs);
// the server answers a JSON header frame and, when the status is ok, one binary payload frame. Every
// frame has a hard size limit and every read and write a deadline.
import type { Libp2p } from 'libp2p';
import type { Connection, Stream } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { encodeJson, type ResponseStatus } from './codec.ts';
import { WireError } from './errors.ts';
import { framed } from './framed.ts';

export interface RoundRequest {
  round: number;
  minRound: number;
  waitMs: number;
  embedding?: boolean;
  /** The embedding width the client can use; the server sends embeddings only of that width. */
  embeddingSize?: number;
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

/** How long a server gives a client to send its request, and to take the reply. */
export interface ServerDeadlines {
  requestMs: number;
  replyMs: number;
}

export const DEFAULT_DEADLINES: ServerDeadlines = { requestMs: 10_000, replyMs: 30_000 };

const decodeUtf8 = (raw: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(raw);

export function parseRoundRequest(raw: Uint8Array): RoundRequest {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(decodeUtf8(raw)) as Record<string, unknown>;
  } catch {
    throw new WireError('malformed', 'request is not JSON');
  }
  const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  if (typeof o !== 'object' || o === null || !isCount(o.round)) throw new WireError('malformed', 'request lacks a non-negative integer round');
  const round = o.round as number;
  const minRound = isCount(o.minRound) ? Math.min(o.minRound as number, round) : round;
  const waitMs = typeof o.waitMs === 'number' && o.waitMs >= 0 ? o.waitMs : 0;
  const embeddingSize = isCount(o.embeddingSize) ? (o.embeddingSize as number) : undefined;
  return { round, minRound, waitMs, embedding: o.embedding === true, embeddingSize };
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
  deadlines?: ServerDeadlines;
}

export async function serveRounds(node: Libp2p, opts: ServeOptions): Promise<void> {
  const deadlines = opts.deadlines ?? DEFAULT_DEADLINES;
  await node.handle(
    opts.protocol,
    async (stream: Stream, connection: Connection) => {
      const peerId = connection.remotePeer.toString();
      const io = framed(stream, MAX_REQUEST_BYTES);
      try {
        const reader = opts.reader(peerId);
        let reply: Reply;
        if (reader === undefined) {
          reply = { header: { status: 'forbidden', agent: opts.agent, message: `peer ${peerId} may not read ${opts.protocol}` } };
        } else {
          const raw = await io.read('request', deadlines.requestMs);
          let req: RoundRequest | undefined;
          try {
            req = parseRoundRequest(raw);
          } catch (err) {
            reply = { header: { status: 'bad-request', agent: opts.agent, message: (err as Error).message } };
          }
          reply ??= await opts.answer(req!, reader);
        }
        const bytes = await io.write('reply', [encodeJson(reply.header), ...(reply.payload ? [reply.payload] : [])], deadlines.replyMs);
        if (reader !== undefined) opts.onSent?.(reader, bytes, reply.header.status === 'ok' ? Number(reply.header.round) : undefined);
        await stream.close({ signal: AbortSignal.timeout(deadlines.replyMs) });
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

function parseHeader(raw: Uint8Array): Fetched['header'] {
  let header: Fetched['header'];
  try {
    header = JSON.parse(decodeUtf8(raw)) as Fetched['header'];
  } catch {
    throw new WireError('malformed', 'response header is not JSON');
  }
  if (typeof header !== 'object' || header === null || typeof header.status !== 'string') {
    throw new WireError('malformed', 'response header lacks a status');
  }
  return header;
}

/**
 * Dials `peer`, sends the request, reads the reply, all within `timeoutMs`. Network failures throw
 * plain Errors, a late peer a DeadlineError, and a bad reply a WireError.
 */
export async function fetchRound(node: Libp2p, peer: Peer, protocol: string, req: RoundRequest, maxPayloadBytes: number, timeoutMs: number): Promise<Fetched> {
  const end = Date.now() + timeoutMs;
  const left = () => Math.max(1, end - Date.now());
  const stream = await node.dialProtocol(
    peer.addrs.map((a) => multiaddr(a)),
    protocol,
    { signal: AbortSignal.timeout(timeoutMs) },
  );
  const io = framed(stream, Math.max(MAX_HEADER_BYTES, maxPayloadBytes));
  try {
    const bytesSent = await io.write('request', [encodeJson(req)], left());
    // Half-close: the request is all this side sends, so the server sees a clean end of input.
    await stream.close({ signal: AbortSignal.timeout(left()) });
    const rawHeader = await io.read('header', left());
    if (rawHeader.byteLength > MAX_HEADER_BYTES) throw new WireError('oversize', `header of ${rawHeader.byteLength} bytes exceeds ${MAX_HEADER_BYTES}`);
    const header = parseHeader(rawHeader);
    if (header.status !== 'ok') return { header, bytesSent, bytesReceived: io.bytesRead };
    const payload = await io.read('payload', left());
    return { header, payload, bytesSent, bytesReceived: io.bytesRead };
  } catch (err) {
    stream.abort(err as Error);
    throw err;
  }
}
