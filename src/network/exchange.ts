// The two protocols of an agent on top of the shared round request/response: predictions (MHD) and
// weights (the gossip baseline). Servers read from the agent's round stores; clients validate every
// field before anything reaches the learner.
import type { Libp2p } from 'libp2p';
import type { NamedWeights } from '../learning/gossip.ts';
import type { PredictionBatch, Round } from '../learning/types.ts';
import type { RoundStore } from './round-store.ts';
import {
  decodePredictions,
  encodePredictions,
  validateHeader,
  PREDICTIONS_PROTOCOL,
  WEIGHTS_PROTOCOL,
  type Encoding,
  type Expectation,
} from './codec.ts';
import { WireError } from './errors.ts';
import { fetchRound, serveRounds, type Fetched, type Peer, type Reply, type RoundRequest, type ServerDeadlines } from './round-protocol.ts';

export interface ServerHooks {
  reader: (peerId: string) => string | undefined;
  onSent?: (reader: string, bytes: number, round: number | undefined) => void;
  onError?: (peerId: string, err: Error) => void;
  /** Upper bound on how long a request may hold the server waiting for a round. */
  maxWaitMs: number;
  deadlines?: ServerDeadlines;
}

/**
 * The round a request gets: the one asked for, waiting for it up to the request's wait (bounded by the
 * server); only when it is still not there, the newest round within the request's staleness bound.
 */
async function findRound<T>(store: RoundStore<T>, req: RoundRequest, maxWaitMs: number): Promise<{ round: Round; item: T } | { status: 'not-ready' | 'gone'; message: string }> {
  if (store.get(req.round) === undefined && (store.latestRound() ?? -1) < req.round) {
    await store.waitFor(req.round, Math.min(req.waitMs, maxWaitMs));
  }
  const r = store.get(req.round) !== undefined ? req.round : store.newestIn(req.minRound, req.round);
  if (r !== undefined) return { round: r, item: store.get(r)! };
  const oldest = store.oldestRound();
  if (oldest !== undefined && req.round < oldest) return { status: 'gone', message: `round ${req.round} is no longer kept (oldest ${oldest})` };
  return { status: 'not-ready', message: `round ${req.round} not ready (latest ${store.latestRound() ?? 'none'})` };
}

/** Serves a round store: the round a request gets (see findRound), encoded by `encode`. */
async function serveStore<T>(
  node: Libp2p,
  protocol: string,
  agent: string,
  store: RoundStore<T>,
  hooks: ServerHooks,
  encode: (item: T, round: Round, req: RoundRequest) => Reply,
): Promise<void> {
  await serveRounds(node, {
    protocol,
    agent,
    reader: hooks.reader,
    onSent: hooks.onSent,
    onError: hooks.onError,
    deadlines: hooks.deadlines,
    answer: async (req): Promise<Reply> => {
      const t0 = performance.now();
      const found = await findRound(store, req, hooks.maxWaitMs);
      // How long the request waited for the round: lets the reader tell waiting from transfer.
      const waitedMs = Math.round(performance.now() - t0);
      if ('status' in found) return { header: { status: found.status, agent, message: found.message, waitedMs } };
      const reply = encode(found.item, found.round, req);
      return { ...reply, header: { ...reply.header, waitedMs } };
    },
  });
}

export async function servePredictions(node: Libp2p, agent: string, store: RoundStore<PredictionBatch>, encoding: Encoding, hooks: ServerHooks): Promise<void> {
  await serveStore(node, PREDICTIONS_PROTOCOL, agent, store, hooks, (batch, _round, req) => {
    // Embeddings only of the width the reader can use (a reader that names none takes any).
    const width = batch.embedding?.size;
    const withEmbedding = req.embedding === true && (req.embeddingSize === undefined || req.embeddingSize === width);
    const { header, payload } = encodePredictions(batch, encoding, withEmbedding);
    return { header: { ...header }, payload };
  });
}

interface Traffic {
  bytesSent: number;
  bytesReceived: number;
  /** How long the server says it held the request waiting for the round (informational). */
  waitedMs: number;
}

export type FetchOutcome<T> = ({ ok: true; value: T } | { ok: false; status: string; message: string }) & Traffic;

function traffic(f: Fetched): Traffic {
  const waited = Number(f.header.waitedMs);
  return { bytesSent: f.bytesSent, bytesReceived: f.bytesReceived, waitedMs: Number.isFinite(waited) && waited >= 0 ? waited : 0 };
}

export async function fetchPredictions(
  node: Libp2p,
  peer: Peer,
  req: RoundRequest,
  exp: Expectation,
  timeoutMs: number,
  maxPayloadBytes: number,
): Promise<FetchOutcome<PredictionBatch>> {
  const f = await fetchRound(node, peer, PREDICTIONS_PROTOCOL, req, maxPayloadBytes, timeoutMs);
  if (f.header.status !== 'ok') return { ok: false, status: f.header.status, message: String(f.header.message ?? ''), ...traffic(f) };
  const batch = decodePredictions(validateHeader(f.header), f.payload!, exp);
  return { ok: true, value: batch, ...traffic(f) };
}

// --- weights (gossip baseline) ---

export interface WeightsMessage {
  readonly round: Round;
  readonly weights: readonly NamedWeights[];
}

export async function serveWeights(node: Libp2p, agent: string, store: RoundStore<WeightsMessage>, hooks: ServerHooks): Promise<void> {
  await serveStore(node, WEIGHTS_PROTOCOL, agent, store, hooks, (msg, round) => {
    const total = msg.weights.reduce((a, w) => a + w.values.length, 0);
    const payload = new Uint8Array(total * 4);
    const view = new DataView(payload.buffer);
    let offset = 0;
    for (const w of msg.weights) for (const v of w.values) view.setFloat32(offset++ * 4, v, true);
    return { header: { status: 'ok', agent, round, tensors: msg.weights.map((w) => ({ name: w.name, shape: w.shape })) }, payload };
  });
}

export async function fetchWeights(
  node: Libp2p,
  peer: Peer,
  req: RoundRequest,
  own: readonly NamedWeights[],
  timeoutMs: number,
): Promise<FetchOutcome<WeightsMessage>> {
  const expectedValues = own.reduce((a, w) => a + w.values.length, 0);
  const f = await fetchRound(node, peer, WEIGHTS_PROTOCOL, req, expectedValues * 4, timeoutMs);
  if (f.header.status !== 'ok') return { ok: false, status: f.header.status, message: String(f.header.message ?? ''), ...traffic(f) };
  const h = f.header as unknown as { agent: string; round: number; tensors: { name: string; shape: number[] }[] };
  if (h.agent !== peer.agent) throw new WireError('wrong-agent', `weights claim to be from ${h.agent}, expected ${peer.agent}`);
  if (!Number.isInteger(h.round) || h.round < req.minRound || h.round > req.round) throw new WireError('stale-round', `weights of round ${h.round}, accepted ${req.minRound}..${req.round}`);
  if (!Array.isArray(h.tensors) || h.tensors.length !== own.length || h.tensors.some((t, i) => !Array.isArray(t.shape) || t.shape.join('x') !== own[i].shape.join('x'))) {
    throw new WireError('wrong-shape', `weights of ${peer.agent} do not match this agent's model: gossip needs equal backbones and heads`);
  }
  const payload = f.payload!;
  if (payload.byteLength !== expectedValues * 4) throw new WireError('truncated', `weights payload of ${payload.byteLength} bytes, expected ${expectedValues * 4}`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let offset = 0;
  const weights = own.map((w) => {
    const values = new Float32Array(w.values.length);
    for (let i = 0; i < values.length; i++) {
      values[i] = view.getFloat32((offset++) * 4, true);
      if (!Number.isFinite(values[i])) throw new WireError('non-finite', `non-finite weight in ${w.name}`);
    }
    return { name: w.name, shape: w.shape, values };
  });
  return { ok: true, value: { round: h.round, weights }, ...traffic(f) };
}
