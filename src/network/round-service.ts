// The request/response that the predictions and weights protocols share (docs/DESIGN.md, "Wire
// protocol"), as a service in the manner of js-libp2p's protocol-fetch: built from init options and the
// node's components, `start()` registers the protocol with stream limits and `stop()` unregisters it.
// A client asks for a round (accepting anything from minRound on, waiting at most waitMs); the server
// answers a JSON header frame and, when the status is ok, one binary payload frame. Every frame has a
// size limit and every read and write a deadline; every wait also ends when the caller's signal aborts.
import type { Libp2p } from 'libp2p';
import type { Connection, Startable, Stream } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import type { Round } from '../learning/types.ts';
import type { AgentId } from '../topology/types.ts';
import { DeadlineError, WireError } from './errors.ts';
import { closeWithin, deadline, framed, stepSignal, timeoutSignal } from './framed.ts';
import { encodeJson, parseJsonFrame, parseReplyHeader, parseRoundRequest, type Refusal, type RefusalHeader, type RoundRequest } from './messages.ts';
import { ROUND_STREAM_LIMITS } from './protocols.ts';
import type { RoundStore } from './round-store.ts';

export interface Peer {
  readonly agent: AgentId;
  readonly peerId: string;
  /** Multiaddrs to dial, each ending in /p2p/<peerId>. */
  readonly addrs: readonly string[];
}

export interface Reply {
  header: { status: 'ok' | Refusal; agent: string; message?: string } & Record<string, unknown>;
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

/**
 * Requests one peer may have pending with a service, over all its connections: from the stream's
 * arrival until the reply is written (held waiting for a round, or a reply that a paused reader does not
 * take). An honest reader has one out per round and at most one more, the fetch that the late rule
 * (src/node/punctuality.ts) lets run on; 4 leaves room for a stream still closing. Without a bound, a
 * paused reader of /mhd/weights held 640 streams, each with its own copy of the model: 353 -> 1,033 MiB.
 * Past the bound a stream is reset unread; a peer that goes past it this many times in a row, with
 * nothing served in between, loses the connection and pays a new handshake to come back.
 */
export const MAX_PENDING_PER_PEER = 4;

/**
 * How long a peer whose connection was closed for abuse has every new stream answered by closing its
 * connection again: the reply deadline (DEFAULT_DEADLINES.replyMs), by which anything it still had
 * open has been aborted. It keeps its own cost (a handshake per connection) and loses the victim's.
 */
export const ABUSE_BAN_MS = 30_000;

/** Who may read this agent's rounds, and what the agent learns of what it served. */
export interface ReaderAccess {
  /** Maps a connected peer to an agent allowed to read, or undefined (refused). */
  reader: (peerId: string) => AgentId | undefined;
  /** After a reply went out; `round` is the round served (undefined for refusals and not-ready). */
  onSent?: (reader: AgentId, bytes: number, round: Round | undefined) => void;
  onError?: (peerId: string, err: Error) => void;
}

/** What of the libp2p node a round service uses. */
export type RoundServiceComponents = Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol'>;

/** What every ok header has; each protocol's schema adds its own fields. */
export type OkHeaderSchema = z.ZodType<{ status: 'ok'; agent: string; waitedMs?: number | undefined }>;

export interface RoundServiceInit<T, H extends OkHeaderSchema> {
  protocol: string;
  agent: AgentId;
  /** What this agent serves. */
  store: RoundStore<T>;
  /** `reader` is the agent the reply goes to (a liar of the experiments tailors its lie to it). */
  encode: (item: T, round: Round, req: RoundRequest, reader: AgentId) => Reply;
  /** The ok header a client accepts. */
  okHeader: H;
  access: ReaderAccess;
  /** Upper bound on how long a request may hold the server waiting for a round. */
  maxWaitMs: number;
  deadlines?: ServerDeadlines;
  /**
   * How long to hold a reply that is ready before sending it (the `stall` behaviour of the experiments:
   * an answer just before the reader gives up); 0 or absent for an honest agent. A stop ends the hold.
   */
  holdMs?: (req: RoundRequest, reader: AgentId) => number;
}

/** What serving a round store takes, whatever the protocol (the init of each protocol's service). */
export type StoreServiceInit<T> = Pick<RoundServiceInit<T, OkHeaderSchema>, 'agent' | 'store' | 'access' | 'maxWaitMs' | 'deadlines' | 'holdMs'>;

/** One fetch of a protocol whose reply is checked against `expect`. */
export interface ExpectingFetch<E> {
  signal: AbortSignal;
  timeoutMs: number;
  expect: E;
}

export interface FetchOptions {
  /** The caller's stop: aborting it cancels the fetch at once, with an AbortError. */
  signal: AbortSignal;
  /** The whole fetch, dial to last byte; past it, a DeadlineError. */
  timeoutMs: number;
  maxPayloadBytes: number;
}

export interface Traffic {
  bytesSent: number;
  bytesReceived: number;
  /** How long the server says it held the request waiting for the round (informational). */
  waitedMs: number;
}

export type Fetched<H> = ({ header: H; payload: Uint8Array } | { header: RefusalHeader; payload?: undefined }) & Traffic;

export class RoundService<T, H extends OkHeaderSchema> implements Startable {
  private readonly components: RoundServiceComponents;
  private readonly init: RoundServiceInit<T, H>;
  private stopping = new AbortController();
  private started = false;
  private readonly pending = new Map<string, number>();
  /** Per peer, streams refused over the bound since the last one served. */
  private readonly refused = new Map<string, number>();
  /** Peers closed for abuse, and until when. */
  private readonly banned = new Map<string, number>();

  constructor(components: RoundServiceComponents, init: RoundServiceInit<T, H>) {
    this.components = components;
    this.init = init;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.stopping = new AbortController();
    await this.components.handle(this.init.protocol, (stream, connection) => this.serve(stream, connection), ROUND_STREAM_LIMITS);
    this.started = true;
  }

  /** Unregisters the protocol and ends the waits of requests still held. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.stopping.abort();
    await this.components.unhandle(this.init.protocol);
  }

  /**
   * Dials `peer`, sends the request, reads the reply. Network failures throw plain Errors, a late peer a
   * DeadlineError, a bad reply a WireError, and a stop (options.signal) an AbortError.
   */
  async fetch(peer: Peer, req: RoundRequest, options: FetchOptions): Promise<Fetched<z.output<H>>> {
    const d = deadline(options.timeoutMs, options.signal);
    const dial = stepSignal(d);
    const stream = await this.components
      .dialProtocol(peer.addrs.map((a) => multiaddr(a)), this.init.protocol, { signal: dial.signal })
      .catch((err: unknown) => {
        throw !options.signal.aborted && dial.timeout.aborted ? new DeadlineError(`dialling ${peer.agent} took longer than ${options.timeoutMs} ms`) : err;
      })
      .finally(dial.clear);
    const io = framed(stream, Math.max(MAX_HEADER_BYTES, options.maxPayloadBytes));
    try {
      const bytesSent = await io.write('request', [encodeJson(req)], d);
      // Half-close: the request is all this side sends, so the server sees a clean end of input.
      await closeWithin(stream, d);
      const rawHeader = await io.read('header', d);
      if (rawHeader.byteLength > MAX_HEADER_BYTES) throw new WireError('oversize', `header of ${rawHeader.byteLength} bytes exceeds ${MAX_HEADER_BYTES}`);
      const header: RefusalHeader | z.output<H> = parseReplyHeader(parseJsonFrame(rawHeader, 'response header'), this.init.okHeader);
      const traffic = () => ({ bytesSent, bytesReceived: io.bytesRead, waitedMs: header.waitedMs ?? 0 });
      if (header.status !== 'ok') return { header: header as RefusalHeader, ...traffic() };
      const payload = await io.read('payload', d);
      return { header, payload, ...traffic() };
    } catch (err) {
      stream.abort(err as Error);
      throw err;
    }
  }

  /** Requests being served now, every peer together. */
  get pendingRequests(): number {
    let n = 0;
    for (const v of this.pending.values()) n += v;
    return n;
  }

  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString();
    if ((this.banned.get(peerId) ?? 0) > Date.now()) return connection.abort(new Error(`${peerId} was closed for abuse less than ${ABUSE_BAN_MS} ms ago`));
    this.banned.delete(peerId);
    const pending = this.pending.get(peerId) ?? 0;
    if (pending >= MAX_PENDING_PER_PEER) return this.refuse(stream, connection, peerId);
    this.pending.set(peerId, pending + 1);
    try {
      await this.serveOne(stream, peerId);
    } finally {
      const left = (this.pending.get(peerId) ?? 1) - 1;
      if (left > 0) this.pending.set(peerId, left);
      else this.pending.delete(peerId);
    }
  }

  private refuse(stream: Stream, connection: Connection, peerId: string): void {
    const err = new Error(`${peerId} has ${MAX_PENDING_PER_PEER} requests pending with ${this.init.protocol} already`);
    stream.abort(err);
    const times = (this.refused.get(peerId) ?? 0) + 1;
    this.refused.set(peerId, times);
    if (times < MAX_PENDING_PER_PEER) return;
    this.refused.delete(peerId);
    this.banned.set(peerId, Date.now() + ABUSE_BAN_MS);
    this.init.access.onError?.(peerId, new Error(`${err.message}, ${times} times in a row: closing its connection, and any other for ${ABUSE_BAN_MS / 1000} s`));
    connection.abort(err);
  }

  private async serveOne(stream: Stream, peerId: string): Promise<void> {
    const { agent, access, protocol } = this.init;
    const deadlines = this.init.deadlines ?? DEFAULT_DEADLINES;
    const stop = this.stopping.signal;
    const io = framed(stream, MAX_REQUEST_BYTES);
    try {
      const reader = access.reader(peerId);
      let reply: Reply;
      if (reader === undefined) {
        reply = { header: { status: 'forbidden', agent, message: `peer ${peerId} may not read ${protocol}` } };
      } else {
        const raw = await io.read('request', deadline(deadlines.requestMs, stop));
        let req: RoundRequest | undefined;
        try {
          req = parseRoundRequest(raw);
        } catch (err) {
          reply = { header: { status: 'bad-request', agent, message: (err as Error).message } };
        }
        // A reader that resets its stream (it gave up on this neighbour) ends the wait at once: its
        // request would otherwise stay pending, and count against it, until the round came.
        const gone = new AbortController();
        stream.addEventListener('close', () => gone.abort(), { once: true });
        if (stream.status !== 'open') gone.abort();
        const ended = AbortSignal.any([stop, gone.signal]);
        reply ??= await this.answer(req!, reader, ended);
        if (ended.aborted) return stream.abort(new Error('the reader left, or this agent stopped'));
      }
      const replyDeadline = deadline(deadlines.replyMs, stop);
      const bytes = await io.write('reply', [encodeJson(reply.header), ...(reply.payload ? [reply.payload] : [])], replyDeadline);
      this.refused.delete(peerId);
      if (reader !== undefined) access.onSent?.(reader, bytes, reply.header.status === 'ok' ? Number(reply.header.round) : undefined);
      await closeWithin(stream, replyDeadline);
    } catch (err) {
      if (!stop.aborted) access.onError?.(peerId, err as Error);
      stream.abort(err as Error);
    }
  }

  /**
   * The round a request gets: the one asked for, waiting for it up to the request's wait (bounded by
   * the server); only when it is still not there, the newest round within the request's staleness bound.
   */
  private async answer(req: RoundRequest, reader: AgentId, stop: AbortSignal): Promise<Reply> {
    const { store, agent } = this.init;
    const t0 = performance.now();
    const waitMs = Math.min(req.waitMs, this.init.maxWaitMs);
    if (store.get(req.round) === undefined && (store.latestRound() ?? -1) < req.round && waitMs > 0) {
      const waited = timeoutSignal(waitMs);
      await store.waitFor(req.round, AbortSignal.any([stop, waited.signal])).finally(waited.clear);
    }
    // How long the request waited for the round: lets the reader tell waiting from transfer.
    const waitedMs = Math.round(performance.now() - t0);
    const r = store.get(req.round) !== undefined ? req.round : store.newestIn(req.minRound, req.round);
    // Past a stop or a reader gone, nobody takes the reply: encoding it would be wasted.
    if (r !== undefined && !stop.aborted) {
      const hold = this.init.holdMs?.(req, reader) ?? 0;
      if (hold > 0) await sleep(hold, undefined, { signal: stop }).catch(() => undefined);
      if (stop.aborted) return { header: { status: 'not-ready', agent, message: 'the wait was cut short', waitedMs } };
      const reply = this.init.encode(store.get(r)!, r, req, reader);
      return { ...reply, header: { ...reply.header, waitedMs } };
    }
    const oldest = store.oldestRound();
    if (oldest !== undefined && req.round < oldest) return { header: { status: 'gone', agent, message: `round ${req.round} is no longer kept (oldest ${oldest})`, waitedMs } };
    return { header: { status: 'not-ready', agent, message: `round ${req.round} not ready (latest ${store.latestRound() ?? 'none'})`, waitedMs } };
  }
}

/** A fetch's result for the caller: the decoded value or the server's refusal, and the traffic. */
export type FetchOutcome<V> = ({ ok: true; value: V } | { ok: false; status: Refusal; message: string }) & Traffic;

export function outcomeOf<H, V>(f: Fetched<H>, decode: (header: H, payload: Uint8Array) => V): FetchOutcome<V> {
  const traffic = { bytesSent: f.bytesSent, bytesReceived: f.bytesReceived, waitedMs: f.waitedMs };
  if (f.payload === undefined) return { ok: false, status: f.header.status, message: f.header.message ?? '', ...traffic };
  return { ok: true, value: decode(f.header, f.payload), ...traffic };
}
