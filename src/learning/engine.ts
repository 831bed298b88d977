// Where an agent's parameters live and how a training step updates them: a model and optimizer of its
// own, or a slot of a stacked model shared with the process's other agents of that model
// (src/learning/step-batcher.ts). The learner is the same either way.
import type { ModelView, MultiHeadModel, MultiHeadSpec } from '../model/multi-head.ts';
import type { FlatOptimizer } from './flat-optimizer.ts';
import { modelInference, type InferenceRequest, type InferenceResult } from './inference.ts';
import type { AgentSlot } from './step-batcher.ts';
import { trainStep, type LossTerms, type LossWeights, type StepBatch } from './step.ts';

/** Where an agent's parameters live and how a step updates them: its own model, or a slot of a stack. */
export interface Engine {
  readonly view: ModelView;
  /** A model holding the agent's parameters now (for weights; valid until the next engine call). */
  model(): MultiHeadModel;
  /** Every head's outputs on shared rows (a stack computes those of its agents that ask together). */
  infer(req: InferenceRequest): Promise<InferenceResult>;
  /** The step's loss terms, and how many agents' steps its update took (1 alone). */
  step(batch: StepBatch, weights: LossWeights, learningRate: number): { terms: LossTerms; agents: number } | Promise<{ terms: LossTerms; agents: number }>;
  enterTraining(): void;
  leaveTraining(): void;
  dispose(): void;
}

export function soloEngine(model: MultiHeadModel, optimizer: FlatOptimizer): Engine {
  return {
    view: model,
    model: () => model,
    infer: (req) => modelInference(model, req),
    step: (batch, weights, learningRate) => {
      optimizer.learningRate = learningRate;
      return { terms: trainStep(model, optimizer, batch, weights), agents: 1 };
    },
    enterTraining: () => undefined,
    leaveTraining: () => undefined,
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}

export function slotEngine(spec: MultiHeadSpec, slot: AgentSlot): Engine {
  const scratch = () => slot.model();
  const view: ModelView = {
    spec,
    embeddingSize: slot.shape.embeddingSize,
    headCount: spec.auxHeads + 1,
    plans: slot.shape.plans,
    getWeights: () => scratch().getWeights(),
    setWeights: (w) => slot.setWeights(w),
  };
  return {
    view,
    model: scratch,
    infer: (req) => slot.infer(req),
    step: (batch, weights, learningRate) => slot.step({ batch, weights, learningRate }),
    enterTraining: () => slot.enterTraining(),
    leaveTraining: () => slot.leaveTraining(),
    dispose: () => slot.release(),
  };
}
