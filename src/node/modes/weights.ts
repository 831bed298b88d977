// The gossip baseline (D-PSGD style): after each round an agent serves its weights, fetches its
// in-neighbours' and replaces its own by their Metropolis-weighted mean. It sends whole models, so it
// exists to be compared with, in accuracy and in bytes.
import { metropolisAverage } from '../../learning/gossip.ts';
import { fetchWeights, serveWeights, type WeightsMessage } from '../../network/exchange.ts';
import { RoundStore } from '../../network/round-store.ts';
import { inNeighbours, type AgentId } from '../../topology/types.ts';
import type { ExchangeMode, ModeContext } from '../exchange-mode.ts';

export function weightGossip(ctx: ModeContext, keepRounds: number): ExchangeMode {
  const { config: c, node, learner, neighbours } = ctx;
  const store = new RoundStore<WeightsMessage>(keepRounds);
  const degree = (a: AgentId) => inNeighbours(c.topology, a).length;
  return {
    serves: true,
    start: () => serveWeights(node, neighbours.self, store, neighbours.serverHooks(c.fetchTimeoutMs)),
    async exchange(round) {
      const own = learner.model.getWeights();
      store.put(round, { round, weights: own });
      const minRound = Math.max(0, round - c.staleness);
      const fetchStart = performance.now();
      const res = await neighbours.fetchAll((peer) => fetchWeights(node, peer, { round, minRound, waitMs: c.fetchTimeoutMs }, own, c.fetchTimeoutMs + 5000));
      const fetchSeconds = (performance.now() - fetchStart) / 1000;
      if (res.ok.length > 0) {
        const mixed = metropolisAverage(own, degree(neighbours.self), res.ok.map((o) => ({ agent: o.agent, degree: degree(o.agent), weights: o.value.weights })));
        learner.model.setWeights(mixed.map((w) => ({ name: w.name, shape: [...w.shape], values: w.values })));
      }
      const { skipped, rejected, received, waitSeconds } = res;
      return { targets: undefined, used: res.ok.map((o) => o.agent), skipped, rejected, received, samplesUsed: [], fetchSeconds, waitSeconds };
    },
    // The checkpoint already holds the averaged weights: nothing to rebuild.
    resume: async () => undefined,
    close: () => store.close(),
  };
}
