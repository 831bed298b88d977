// Co-located agents train as one stacked model (docs/DESIGN.md, "Batched agents"). Each agent keeps
// its own round loop and calls `step` as it would train alone; the batcher runs one stacked update for
// every agent whose step is waiting, once all agents that are inside a round's training have one waiting
// (or, while some live agents are elsewhere in their round, once the first has waited `gatherMs`).
// Agents outside training are never waited for past that window, so a batch never waits on the network.
// Inference (the exchange's predictions, evaluation) is gathered the same way (src/learning/stacked-inference.ts).
import { MultiHeadModel, type MultiHeadSpec, type NamedWeights } from '../model/multi-head.ts';
import { StackedModel, stackable } from '../model/stacked-model.ts';
import type { OptimizerKind } from './flat-optimizer.ts';
import type { InferenceRequest, InferenceResult } from './inference.ts';
import { InferenceGather, type InferenceStats } from './stacked-inference.ts';
import { stackedTrainStep, StackedOptimizer, type SlotStep } from './stacked-step.ts';
import type { LossTerms } from './step.ts';

/** How long the first waiting step waits for agents that are not training yet (exchanging, evaluating). */
export const DEFAULT_GATHER_MS = 5;

/**
 * The most agents in one stack; more agents of a model make more stacks. Kernel overhead is already
 * spread thin at 64, while an update's temporary tensors grow with the stack (a gradient of 500 agents'
 * first layer alone is 400 MB).
 */
export const DEFAULT_MAX_STACK = 64;

/** A step's loss terms, and how many agents' steps the update that made it took. */
export interface StackedResult {
  readonly terms: LossTerms;
  readonly agents: number;
}

interface Waiting {
  readonly step: SlotStep;
  readonly resolve: (t: StackedResult) => void;
  readonly reject: (e: unknown) => void;
}

/** Counts of what the batcher did, for benchmarks (slots per update is the batching's yield). */
export interface BatcherStats {
  updates: number;
  /** Sum over updates of the slots that took a step. */
  slotSteps: number;
  /** Sum over updates of all slots of the stack (the ones computed). */
  slotsComputed: number;
  readonly inference: InferenceStats;
}

class StepGroup {
  readonly model: StackedModel;
  readonly optimizer: StackedOptimizer;
  private joining: MultiHeadModel[] = [];
  private readonly live = new Set<number>();
  private readonly training = new Set<number>();
  private readonly waiting = new Map<number, Waiting>();
  private firstWaitAt = 0;
  private timer?: NodeJS.Timeout;
  private scheduled = false;
  private readonly gatherMs: number;
  private readonly stats: BatcherStats;
  readonly inference: InferenceGather;

  constructor(spec: Omit<MultiHeadSpec, 'seed'>, optimizer: OptimizerKind, gatherMs: number, stats: BatcherStats) {
    this.model = new StackedModel(spec);
    this.optimizer = new StackedOptimizer(optimizer);
    this.gatherMs = gatherMs;
    this.stats = stats;
    this.inference = new InferenceGather(() => this.materialise(), () => this.live.size, gatherMs, stats.inference);
  }

  /** A new slot holding the weights a lone agent of this seed would start with. */
  join(seed: number): number {
    const slot = this.model.slots + this.joining.length;
    this.joining.push(new MultiHeadModel({ ...this.model.spec, seed }));
    this.live.add(slot);
    return slot;
  }

  /** Moves the joined models into the stack (once, before the stack is next used). */
  materialise(): StackedModel {
    if (this.joining.length > 0) {
      const first = this.model.addSlots(this.joining);
      this.optimizer.resetSlots(this.model, first);
      for (const m of this.joining) m.dispose();
      this.joining = [];
    }
    return this.model;
  }

  enter(slot: number): void {
    this.training.add(slot);
  }

  leave(slot: number): void {
    this.training.delete(slot);
    this.schedule();
  }

  /** The slot's agent is gone: its parameters stay in the stack, masked, and are never waited for. */
  release(slot: number): void {
    this.live.delete(slot);
    this.training.delete(slot);
    this.schedule();
    this.inference.schedule();
  }

  get size(): number {
    return this.model.slots + this.joining.length;
  }

  get empty(): boolean {
    return this.live.size === 0;
  }

  step(step: SlotStep): Promise<StackedResult> {
    if (this.waiting.has(step.slot)) return Promise.reject(new Error(`slot ${step.slot} already has a step waiting`));
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.firstWaitAt = performance.now();
      this.waiting.set(step.slot, { step, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.waiting.size === 0 || this.scheduled) return;
    for (const s of this.training) if (!this.waiting.has(s)) return;
    const outside = this.live.size - this.training.size;
    const left = outside > 0 ? this.gatherMs - (performance.now() - this.firstWaitAt) : 0;
    if (left > 0) {
      if (!this.timer) this.timer = setTimeout(() => ((this.timer = undefined), this.schedule()), left);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = true;
    // On the next turn of the event loop, so that steps submitted in this one join.
    setImmediate(() => this.fire());
  }

  private fire(): void {
    this.scheduled = false;
    const batch = [...this.waiting.values()];
    this.waiting.clear();
    if (batch.length === 0) return;
    try {
      const model = this.materialise();
      const terms = stackedTrainStep(model, this.optimizer, batch.map((w) => w.step));
      this.stats.updates++;
      this.stats.slotSteps += batch.length;
      this.stats.slotsComputed += model.slots;
      batch.forEach((w, i) => w.resolve({ terms: terms[i], agents: batch.length }));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.inference.dispose();
    for (const m of this.joining) m.dispose();
    this.optimizer.dispose();
    this.model.dispose();
  }
}

/** One agent's place in a stacked group: what its learner trains, reads and writes through. */
export interface AgentSlot {
  readonly slot: number;
  /** The stack's model shape (no load of the slot). */
  readonly shape: Pick<MultiHeadModel, 'embeddingSize' | 'plans'>;
  /** Its parameters in a model of the group's spec, for inference and weights (valid until the next call). */
  model(): MultiHeadModel;
  setWeights(weights: readonly NamedWeights[]): void;
  step(step: Omit<SlotStep, 'slot'>): Promise<StackedResult>;
  /** Its outputs on shared rows, computed with the stack's other agents that ask for the same rows. */
  infer(req: InferenceRequest): Promise<InferenceResult>;
  enterTraining(): void;
  leaveTraining(): void;
  release(): void;
}

/** The batcher of one process: stacks of up to `maxStack` agents per (backbone, heads, classes, input shape, optimizer). */
export class StepBatcher {
  private readonly groups = new Map<string, StepGroup[]>();
  readonly gatherMs: number;
  readonly maxStack: number;
  readonly stats: BatcherStats = { updates: 0, slotSteps: 0, slotsComputed: 0, inference: { computations: 0, slots: 0 } };

  constructor(opts: { gatherMs?: number; maxStack?: number } = {}) {
    this.gatherMs = opts.gatherMs ?? DEFAULT_GATHER_MS;
    this.maxStack = opts.maxStack ?? DEFAULT_MAX_STACK;
  }

  /** A slot for an agent of this spec, or undefined when its backbone cannot be stacked (it trains alone). */
  join(spec: MultiHeadSpec, optimizer: OptimizerKind): AgentSlot | undefined {
    if (!stackable(spec)) return undefined;
    const { seed, ...shape } = spec;
    const key = JSON.stringify({ ...shape, optimizer });
    const stacks = this.groups.get(key) ?? [];
    this.groups.set(key, stacks);
    let g = stacks.at(-1);
    if (!g || g.size >= this.maxStack) {
      g = new StepGroup(shape, optimizer, this.gatherMs, this.stats);
      stacks.push(g);
    }
    const group = g;
    const slot = group.join(seed);
    let released = false;
    return {
      slot,
      shape: group.model.scratch,
      model: () => group.materialise().loadScratch(slot),
      setWeights: (w) => group.materialise().setWeights(slot, w),
      step: (s) => group.step({ ...s, slot }),
      infer: (req) => group.inference.request(slot, req),
      enterTraining: () => group.enter(slot),
      leaveTraining: () => group.leave(slot),
      release: () => {
        if (released) return;
        released = true;
        group.release(slot);
        if (group.empty) {
          group.dispose();
          stacks.splice(stacks.indexOf(group), 1);
          if (stacks.length === 0) this.groups.delete(key);
        }
      },
    };
  }

  /** Agents per stack (for the benches and tests). */
  groupSizes(): number[] {
    return [...this.groups.values()].flat().map((g) => g.size);
  }
}
