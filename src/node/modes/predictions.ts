// Multi-headed distillation (docs/DESIGN.md, "The method"): after each round an agent predicts every
// head on the round's public chunk, serves that, fetches its in-neighbours' predictions for the same
// chunk, and hands them to its strategy (src/learning/strategy.ts, wrapped by the defence), which
// chooses the targets its next round distils from. This module does the I/O; the decisions are pure.
import { chunkHash, publicChunk } from '../../learning/chunks.ts';
import { defended, type TrustStates } from '../../learning/defence.ts';
import { distillation, type DistillationPolicy } from '../../learning/strategy.ts';
import type { TrustPolicy } from '../../learning/trust.ts';
import type { PredictionBatch, Round } from '../../learning/types.ts';
import { MAX_AUX_HEADS } from '../../model/multi-head.ts';
import type { Encoding } from '../../network/messages.ts';
import type { Expectation } from '../../network/predictions-codec.ts';
import { predictionsService } from '../../network/predictions-service.ts';
import { RoundStore } from '../../network/round-store.ts';
import type { AgentId } from '../../topology/types.ts';
import type { ExchangeTimeouts } from '../config.ts';
import type { ExchangeMode, ExchangeResult, ModeContext } from '../exchange-mode.ts';
import type { Publisher } from './liar.ts';

/** The run's configuration as prediction distillation sees it. */
export interface PredictionsConfig {
  /** Own rounds kept (and served): the staleness bound and some slack. */
  readonly keepRounds: number;
  /** The run's seed: every agent derives the same public chunk of a round from it. */
  readonly seed: number;
  readonly chunkSize: number;
  readonly publicSize: number;
  readonly staleness: number;
  readonly encoding: Encoding;
  readonly embeddings: boolean;
  readonly timeouts: ExchangeTimeouts;
  readonly teaching: DistillationPolicy;
  readonly defence: TrustPolicy;
  /** What this agent serves of its predictions: HONEST, or a liar's wrapper. */
  readonly publisher: Publisher;
}

export function predictionDistillation(ctx: ModeContext, c: PredictionsConfig): ExchangeMode {
  const { learner, neighbours, classes, log } = ctx;
  const self = neighbours.self;
  const own = new RoundStore<PredictionBatch>(c.keepRounds);
  // What readers get: the publisher's choice, the own predictions for an honest agent.
  const served = new RoundStore<PredictionBatch>(c.keepRounds);
  const { publisher } = c;
  const strategy = defended(distillation(c.teaching), c.defence, {
    priorCorrection: c.teaching.priorCorrection ?? 0,
    probabilityFloor: c.teaching.probabilityFloor ?? 0,
    auxTeacher: c.teaching.auxTeacher,
    embeddings: c.teaching.embeddings,
  });
  let trust: TrustStates = {};
  const service = predictionsService({
    agent: self,
    store: served,
    encoding: c.encoding,
    access: neighbours.access(),
    maxWaitMs: c.timeouts.serveWaitMs,
    forReader: publisher.forReader,
    holdMs: publisher.holdMs ? (req) => publisher.holdMs!(req.waitMs) : undefined,
  })(ctx.node);
  const chunk = (round: Round) => publicChunk(c.seed, round, c.chunkSize, c.publicSize);
  const embeddingSize = c.embeddings ? learner.model.embeddingSize : 0;

  const publish = async (round: Round, rows: number[]): Promise<PredictionBatch> => {
    const p = await learner.predict(rows, c.embeddings);
    const batch: PredictionBatch = {
      agent: self,
      round,
      chunkHash: chunkHash(rows),
      heads: learner.heads,
      classes,
      samples: rows.length,
      probs: p.probs,
      embedding: p.embedding ? { size: embeddingSize, values: p.embedding } : undefined,
    };
    own.put(round, batch);
    const early = publisher.early(batch, round);
    if (early) served.put(round, early);
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

  async function exchange(round: Round, signal: AbortSignal): Promise<ExchangeResult> {
    const rows = chunk(round);
    const mine = await publish(round, rows);
    const minRound = Math.max(0, round - c.staleness);
    const req = { round, minRound, waitMs: c.timeouts.fetchWaitMs, embedding: c.embeddings, embeddingSize: c.embeddings ? embeddingSize : undefined };
    const fetchStart = performance.now();
    const res = await neighbours.fetchAll(
      (peer, stop) => service.fetch(peer, req, { signal: stop, timeoutMs: c.timeouts.fetchDeadlineMs, expect: expectation(peer.agent, round, minRound) }),
      signal,
    );
    const fetchSeconds = (performance.now() - fetchStart) / 1000;
    const answers = res.ok.map((o) => o.value);
    if (served.get(round) === undefined) {
      const late = publisher.late(mine, round, answers);
      if (late) served.put(round, late);
    }
    const d = strategy({ round, answers, ownFor: (r) => own.get(r), rowsFor: (r) => (r === round ? rows : chunk(r)) }, trust);
    trust = d.states;
    for (const ch of d.changes) {
      if (ch.change === 'excluded') log.warn(`round ${round}: excluded ${ch.agent} as a teacher: ${ch.reason}`);
      else log.info(`round ${round}: readmitted ${ch.agent} as a teacher: ${ch.reason}`);
    }
    return {
      targets: d.targets,
      used: [...d.used],
      trust: d.trust,
      excluded: [...d.excluded],
      skipped: [...res.skipped, ...d.declined],
      rejected: res.rejected,
      received: res.received,
      samplesUsed: d.targets ? d.targets.heads.map((h) => h.choice.used) : [],
      fetchSeconds,
      waitSeconds: res.waitSeconds,
    };
  }

  return {
    serves: publisher.serves,
    start: async () => {
      if (publisher.serves) await service.start();
    },
    exchange,
    // Predicting the interrupted round again with the restored weights and fetching the neighbours'
    // rebuilds the targets the next round would have trained on.
    resume: async (round, signal) => (await exchange(round, signal)).targets,
    stop: async () => {
      own.close();
      served.close();
      await service.stop();
    },
  };
}
