// The gossip baseline (D-PSGD style): after each round an agent serves its weights, fetches its
// in-neighbours' and replaces its own by their Metropolis-weighted mean. It sends whole models, so it
// exists to be compared with, in accuracy and in bytes.
import { metropolisAverage } from '../../learning/gossip.ts';
import { RoundStore } from '../../network/round-store.ts';
import type { WeightsMessage } from '../../network/weights-codec.ts';
import { weightsService } from '../../network/weights-service.ts';
import type { AgentId } from '../../topology/types.ts';
import type { ExchangeTimeouts } from '../config.ts';
import type { ExchangeMode, ModeContext } from '../exchange-mode.ts';

/** The run's configuration as weight gossip sees it. */
export interface GossipConfig {
  readonly keepRounds: number;
  readonly staleness: number;
  readonly timeouts: ExchangeTimeouts;
  /** In-degree of every agent: the Metropolis weights. */
  readonly degree: (agent: AgentId) => number;
}

export function weightGossip(ctx: ModeContext, c: GossipConfig): ExchangeMode {
  const { learner, neighbours } = ctx;
  const store = new RoundStore<WeightsMessage>(c.keepRounds);
  const service = weightsService({ agent: neighbours.self, store, access: neighbours.access(), maxWaitMs: c.timeouts.serveWaitMs })(ctx.node);
  return {
    serves: true,
    start: () => service.start(),
    async exchange(round, signal) {
      const own = learner.model.getWeights();
      store.put(round, { round, weights: own });
      const minRound = Math.max(0, round - c.staleness);
      const fetchStart = performance.now();
      const res = await neighbours.fetchAll(
        (peer, stop) => service.fetch(peer, { round, minRound, waitMs: c.timeouts.fetchWaitMs, embedding: false, embeddingSize: undefined }, { signal: stop, timeoutMs: c.timeouts.fetchDeadlineMs, expect: { agent: peer.agent, minRound, maxRound: round, own } }),
        signal,
      );
      const fetchSeconds = (performance.now() - fetchStart) / 1000;
      if (res.ok.length > 0) {
        const mixed = metropolisAverage(own, c.degree(neighbours.self), res.ok.map((o) => ({ agent: o.agent, degree: c.degree(o.agent), weights: o.value.weights })));
        learner.model.setWeights(mixed.map((w) => ({ name: w.name, shape: [...w.shape], values: w.values })));
      }
      const { skipped, rejected, received, waitSeconds } = res;
      return { targets: undefined, used: res.ok.map((o) => o.agent), skipped, rejected, received, samplesUsed: [], fetchSeconds, waitSeconds };
    },
    // The checkpoint already holds the averaged weights: nothing to rebuild.
    resume: async () => undefined,
    stop: async () => {
      store.close();
      await service.stop();
    },
  };
}
