// An agent's learner, as the run's config makes it: its profile, its private data (the central
// baseline's pooled data), its seed, and its place in the process's stacks when the run batches agents.
import type { ExperimentData } from '../data/experiment-data.ts';
import { Learner } from '../learning/learner.ts';
import type { StepBatcher } from '../learning/step-batcher.ts';
import type { AgentId } from '../topology/types.ts';
import { runningAgents, type RunConfig } from './config.ts';
import { trainingData } from './modes/central.ts';

export function agentLearner(config: RunConfig, data: ExperimentData, agent: AgentId, batcher?: StepBatcher): { learner: Learner; histogram: number[] } {
  const own = trainingData(config, data, agent);
  const learner = new Learner({
    profile: config.profiles[agent].profile,
    classes: data.dataset.classes,
    inputShape: data.dataset.inputShape,
    privateSet: own.privateSet,
    publicSet: data.split.publicSet,
    // Each agent's weights and batches differ; the same (seed, agent) always gives the same ones.
    seed: config.seed * 1000 + runningAgents(config).indexOf(agent) + 1,
    stepsMultiplier: own.stepsMultiplier,
    batcher: config.batchAgents ? batcher : undefined,
  });
  return { learner, histogram: own.histogram };
}
