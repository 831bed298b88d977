// Multi-headed distillation (docs/DESIGN.md, "The method"): after each round an agent predicts every
// head on the round's public chunk, serves that, fetches its in-neighbours' predictions for the same
// chunk, and chooses per head and per sample the targets its next round distils from.
import { chunkHash, publicChunk } from '../../learning/chunks.ts';
import { mergeTargets, type ChunkTargets } from '../../learning/merge-targets.ts';
import { meanEmbedding, targetsForHeads } from '../../learning/teachers.ts';
import type { PredictionBatch, Round } from '../../learning/types.ts';
import { MAX_AUX_HEADS } from '../../model/multi-head.ts';
import { payloadBytes, PROBABILITY_FLOOR, type Expectation } from '../../network/codec.ts';
import { fetchPredictions, servePredictions } from '../../network/exchange.ts';
import { RoundStore } from '../../network/round-store.ts';
import type { AgentId } from '../../topology/types.ts';
import type { ExchangeMode, ModeContext } from '../exchange-mode.ts';
import { publisherFor } from './liar.ts';
import { TrustKeeper } from './trust-keeper.ts';

export function predictionDistillation(ctx: ModeContext, keepRounds: number): ExchangeMode {
  const { config: c, node, learner, neighbours, classes } = ctx;
  // Own predictions; and what readers are served: the same store, except for an adversary.
  const store = new RoundStore<PredictionBatch>(keepRounds);
  const publisher = publisherFor(c, neighbours.self);
  const served = c.topology.adversaries?.[neighbours.self] === undefined ? store : new RoundStore<PredictionBatch>(keepRounds);
  const trustKeeper = new TrustKeeper(c.defence, ctx.log, c.profiles[neighbours.self].profile.priorCorrection, PROBABILITY_FLOOR[c.encoding]);
  const chunk = (round: Round) => publicChunk(c.seed, round, c.chunkSize, c.publicSize);
  const embeddingSize = c.embeddings ? learner.model.embeddingSize : 0;
  // The largest reply an honest neighbour can send: every head it may have, f32, our embedding width.
  const maxPayload = payloadBytes({ heads: MAX_AUX_HEADS + 1, classes, samples: c.chunkSize, encoding: 'f32', embeddingSize });

  const publish = (round: Round, rows: number[]): PredictionBatch => {
    const own = learner.predict(rows, c.embeddings);
    const batch: PredictionBatch = {
      agent: neighbours.self,
      round,
      chunkHash: chunkHash(rows),
      heads: learner.heads,
      classes,
      samples: rows.length,
      probs: own.probs,
      embedding: own.embedding ? { size: embeddingSize, values: own.embedding } : undefined,
    };
    store.put(round, batch);
    if (served !== store) {
      const lie = publisher.early(batch, round);
      if (lie) served.put(round, lie);
    }
    return batch;
  };

  const expectation = (agent: AgentId, round: Round, minRound: Round): Expectation => {
    const hashes = new Map<Round, string>();
    return {
      agent,
      minRound,
      maxRound: round,
      chunkHash: (r) => {
        if (!hashes.has(r)) hashes.set(r, chunkHash(chunk(r)));
        return hashes.get(r)!;
      },
      classes,
      samples: c.chunkSize,
      maxHeads: MAX_AUX_HEADS + 1,
      embeddingSize,
    };
  };

  async function exchange(round: Round) {
    const rows = chunk(round);
    const own = publish(round, rows);
    const minRound = Math.max(0, round - c.staleness);
    const req = { round, minRound, waitMs: c.fetchTimeoutMs, embedding: c.embeddings, embeddingSize: c.embeddings ? embeddingSize : undefined };
    const fetchStart = performance.now();
    const res = await neighbours.fetchAll((peer) => fetchPredictions(node, peer, req, expectation(peer.agent, round, minRound), c.fetchTimeoutMs + 5000, maxPayload));
    const fetchSeconds = (performance.now() - fetchStart) / 1000;
    if (served !== store && served.get(round) === undefined) {
      const late = publisher.late(own, round, res.ok.map((o) => o.value));
      if (late) served.put(round, late);
    }
    // The defence: neighbours whose predictions disagree with this agent's own confident ones lose trust
    // and, while it is low, are no teachers (src/learning/trust.ts).
    const screened = trustKeeper.screen(round, res.ok.map((o) => o.value), (r) => store.get(r));
    // Neighbours that answered with an older round (within the staleness bound) are grouped by round:
    // targets are chosen per chunk, against the agent's own predictions on that same chunk.
    const byRound = new Map<Round, PredictionBatch[]>();
    for (const value of screened.kept) byRound.set(value.round, [...(byRound.get(value.round) ?? []), value]);
    const parts: ChunkTargets[] = [];
    const used = new Set<AgentId>();
    const p = learner.profile;
    for (const [r, batches] of byRound) {
      const mine = store.get(r);
      if (!mine) {
        for (const b of batches) res.skipped.push({ agent: b.agent, reason: `answered round ${r}, whose own predictions are no longer kept` });
        continue;
      }
      for (const b of batches) used.add(b.agent);
      parts.push({
        rows: r === round ? rows : chunk(r),
        heads: targetsForHeads(mine, batches, { rule: p.teacher, gateMain: p.gateMain, gateAux: p.gateAux, includeSelf: p.includeSelf, auxTeacher: p.auxTeacher, priorCorrection: p.priorCorrection, probabilityFloor: PROBABILITY_FLOOR[c.encoding] }),
        embedding: c.embeddings ? meanEmbedding(mine, batches) : undefined,
      });
    }
    const targets = mergeTargets(parts);
    const { skipped, rejected, received, waitSeconds } = res;
    return {
      targets,
      // Only the neighbours trained on: trusted, and not skipped above as no longer kept.
      used: screened.kept.map((b) => b.agent).filter((a) => used.has(a)),
      trust: screened.trust,
      excluded: screened.excluded,
      skipped,
      rejected,
      received,
      samplesUsed: targets ? targets.heads.map((h) => h.choice.used) : [],
      fetchSeconds,
      waitSeconds,
    };
  }

  return {
    serves: publisher.serves,
    start: async () => {
      if (publisher.serves) await servePredictions(node, neighbours.self, served, c.encoding, neighbours.serverHooks(c.fetchTimeoutMs));
    },
    exchange,
    // Predicting the interrupted round again with the restored weights and fetching the neighbours'
    // rebuilds the targets the next round would have trained on.
    resume: async (round) => (await exchange(round)).targets,
    close: () => {
      store.close();
      served.close();
    },
  };
}
