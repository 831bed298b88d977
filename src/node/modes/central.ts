// What makes the central baseline central: one learner on the pooled private data of every agent,
// training as many steps a round as all of them together, and evaluated on each agent's private task
// as well. Everything else of its run is an ordinary agent's (it exchanges nothing: modes/none.ts).
import type { ExperimentData } from '../../data/experiment-data.ts';
import type { LabelledSet } from '../../data/types.ts';
import { evaluation } from '../../learning/learner.ts';
import type { ClassAccuracy } from '../../learning/metrics.ts';
import type { AgentId } from '../../topology/types.ts';
import { CENTRAL_AGENT, type RunConfig } from '../config.ts';
import type { RoundRecord } from '../records.ts';

/** The data an agent trains on: its own partition, or the pool for the central learner. */
export interface TrainingData {
  readonly privateSet: LabelledSet;
  /** Labels per class of that data: what its private accuracy is weighted by. */
  readonly histogram: number[];
  /** Steps per round, as a multiple of the profile's. */
  readonly stepsMultiplier: number;
}

export function trainingData(config: RunConfig, data: ExperimentData, agent: AgentId): TrainingData {
  if (agent === CENTRAL_AGENT) return { privateSet: data.pooledSet(), histogram: data.pooledHistogram(), stepsMultiplier: config.topology.agents.length };
  const index = config.topology.agents.indexOf(agent);
  return { privateSet: data.privateSet(index), histogram: data.partition.histograms[index], stepsMultiplier: 1 };
}

/** The central learner's evaluation also says how it does on each agent's private task. */
export function withPerAgentPrivate(config: RunConfig, data: ExperimentData, agent: AgentId, ev: NonNullable<RoundRecord['eval']>, perHead: readonly ClassAccuracy[]): NonNullable<RoundRecord['eval']> {
  if (agent !== CENTRAL_AGENT) return ev;
  const perAgentPrivate = Object.fromEntries(config.topology.agents.map((a, i) => [a, evaluation(perHead, data.partition.histograms[i]).privateAccuracy]));
  return { ...ev, perAgentPrivate };
}
