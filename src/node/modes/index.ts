// Which exchange mode a run's mode uses, and the slice of the run's configuration each one gets: the
// only place that reads RunConfig for a mode, so a mode's inputs are all in its own config type.
import { distillationPolicy } from '../../learning/strategy.ts';
import { PROBABILITY_FLOOR } from '../../network/predictions-codec.ts';
import { inNeighbours, type AgentId } from '../../topology/types.ts';
import type { RunConfig } from '../config.ts';
import type { ExchangeMode, ModeContext } from '../exchange-mode.ts';
import { HONEST, lying } from './liar.ts';
import { noExchange } from './none.ts';
import { predictionDistillation, type PredictionsConfig } from './predictions.ts';
import { weightGossip, type GossipConfig } from './weights.ts';

/** Own rounds kept: this many rounds longer than the staleness bound requires. */
const keptRounds = (c: RunConfig) => c.staleness + 2;

export function predictionsConfig(c: RunConfig, self: AgentId): PredictionsConfig {
  const lie = c.topology.adversaries?.[self];
  return {
    keepRounds: keptRounds(c),
    seed: c.seed,
    chunkSize: c.chunkSize,
    publicSize: c.publicSize,
    staleness: c.staleness,
    encoding: c.encoding,
    embeddings: c.embeddings,
    timeouts: c.timeouts,
    teaching: distillationPolicy(c.profiles[self].profile, c.embeddings, PROBABILITY_FLOOR[c.encoding]),
    defence: c.defence,
    // Every liar's lies differ, and the same run always tells the same ones.
    publisher: lie === undefined ? HONEST : lying(HONEST, lie, c.seed * 7919 + c.topology.agents.indexOf(self)),
  };
}

export function gossipConfig(c: RunConfig): GossipConfig {
  return { keepRounds: keptRounds(c), staleness: c.staleness, timeouts: c.timeouts, degree: (a) => inNeighbours(c.topology, a).length };
}

export function createExchangeMode(config: RunConfig, ctx: ModeContext): ExchangeMode {
  switch (config.mode) {
    case 'mhd':
      return predictionDistillation(ctx, predictionsConfig(config, ctx.neighbours.self));
    case 'gossip':
      return weightGossip(ctx, gossipConfig(config));
    case 'isolated':
    case 'central':
      return noExchange();
  }
}
