// The round services as the wire tests use them: a server started on a node, and a client's one fetch.
import type { Libp2p } from 'libp2p';
import type { NamedWeights } from '../../src/learning/gossip.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';
import { roundRequestSchema, type Encoding } from '../../src/network/messages.ts';
import type { Expectation } from '../../src/network/predictions-codec.ts';
import { PredictionsService } from '../../src/network/predictions-service.ts';
import type { Peer, ReaderAccess, ServerDeadlines } from '../../src/network/round-service.ts';
import { RoundStore } from '../../src/network/round-store.ts';
import type { WeightsMessage } from '../../src/network/weights-codec.ts';
import { WeightsService } from '../../src/network/weights-service.ts';

export type ServeOptions = ReaderAccess & { maxWaitMs: number; deadlines?: ServerDeadlines };

/** A request as a test writes it (the optional fields left out), read as the server would read it. */
export const request = (r: { round: number; minRound?: number; waitMs?: number; embedding?: boolean; embeddingSize?: number }) => roundRequestSchema.parse(r);

const never = () => new AbortController().signal;

export async function servePredictions(node: Libp2p, agent: string, store: RoundStore<PredictionBatch>, encoding: Encoding, o: ServeOptions): Promise<PredictionsService> {
  const s = new PredictionsService(node, { agent, store, encoding, access: o, maxWaitMs: o.maxWaitMs, deadlines: o.deadlines });
  await s.start();
  return s;
}

/** One fetch by a client that serves nothing itself. */
export function fetchPredictions(node: Libp2p, peer: Peer, req: Parameters<typeof request>[0], expect: Expectation, timeoutMs: number, signal = never()) {
  const client = new PredictionsService(node, { agent: 'client', store: new RoundStore(1), encoding: 'f32', access: { reader: () => undefined }, maxWaitMs: 0 });
  return client.fetch(peer, request(req), { signal, timeoutMs, expect });
}

export async function serveWeights(node: Libp2p, agent: string, store: RoundStore<WeightsMessage>, o: ServeOptions): Promise<WeightsService> {
  const s = new WeightsService(node, { agent, store, access: o, maxWaitMs: o.maxWaitMs, deadlines: o.deadlines });
  await s.start();
  return s;
}

export function fetchWeights(node: Libp2p, peer: Peer, req: Parameters<typeof request>[0], own: readonly NamedWeights[], timeoutMs: number) {
  const client = new WeightsService(node, { agent: 'client', store: new RoundStore(1), access: { reader: () => undefined }, maxWaitMs: 0 });
  const r = request(req);
  return client.fetch(peer, r, { signal: never(), timeoutMs, expect: { agent: peer.agent, minRound: r.minRound, maxRound: r.round, own } });
}
