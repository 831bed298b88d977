// The learner of one agent: its model, optimizer, private data and the public set. The node runtime
// drives it round by round; everything here is local computation (no network).
import { createRng, deriveSeed, type Rng } from '../data/random.ts';
import type { LabelledSet, PublicSet } from '../data/types.ts';
import { MultiHeadModel, type ModelView, type MultiHeadSpec } from '../model/multi-head.ts';
import { imageRows } from '../model/tensors.ts';
import type { Profile } from '../learning/profile.ts';
import { FlatOptimizer } from './flat-optimizer.ts';
import { classAccuracy, privateAccuracy, sharedAccuracy, type ClassAccuracy } from './metrics.ts';
import type { HeadTargetRows, LossTerms } from './step.ts';
import { yieldToEventLoop } from './inference.ts';
import type { StepBatcher } from './step-batcher.ts';
import { slotEngine, soloEngine, type Engine } from './engine.ts';
import { learningRateAt } from './schedule.ts';
import type { HeadTargets } from './teachers.ts';

export interface LearnerOptions {
  profile: Profile;
  classes: number;
  inputShape: readonly [number, number, number];
  privateSet: LabelledSet;
  publicSet: PublicSet;
  seed: number;
  /** Multiplies the profile's steps per round (the central baseline trains K times as long). */
  stepsMultiplier?: number;
  /** Trains in a stack with the process's other agents of the same model (src/learning/step-batcher.ts). */
  batcher?: StepBatcher;
}

export interface RoundTargets {
  /** Rows of the public set the targets refer to (the chunk). */
  readonly chunkRows: readonly number[];
  readonly heads: readonly HeadTargets[];
  readonly embedding?: Float32Array;
}

/** Where a round sits in the run, for the learning-rate schedule. */
export interface RoundPosition {
  readonly round: number;
  readonly rounds: number;
}

export interface Evaluation {
  /** Per head. */
  readonly privateAccuracy: number[];
  readonly sharedAccuracy: number[];
}

export interface Predictions {
  readonly probs: Float32Array;
  readonly embedding?: Float32Array;
}

export class Learner {
  readonly profile: Profile;
  private readonly engine: Engine;
  /** Whether this agent trains in a stack with others (false: alone, or a backbone that cannot stack). */
  readonly batched: boolean;
  private learningRateNow: number;
  /** Mean agents per update over the last round's steps, when batched (see RoundRecord.stackedAgents). */
  stackedAgents?: number;
  private readonly opts: LearnerOptions;
  private readonly rng: Rng;
  /** The private images in [0, 1], once: each step copies its rows from here. */
  private readonly xPrivate: Float32Array;
  private readonly imageSize: number;

  constructor(opts: LearnerOptions) {
    this.opts = opts;
    this.profile = opts.profile;
    const spec: MultiHeadSpec = { backbone: opts.profile.backbone, auxHeads: opts.profile.auxHeads, classes: opts.classes, inputShape: opts.inputShape, seed: opts.seed };
    const slot = opts.batcher?.join(spec, opts.profile.optimizer);
    this.batched = slot !== undefined;
    if (slot) this.engine = slotEngine(spec, slot);
    else {
      const model = new MultiHeadModel(spec);
      this.engine = soloEngine(model, new FlatOptimizer(opts.profile.optimizer, opts.profile.learningRate, model.trainableVariables()));
    }
    this.learningRateNow = opts.profile.learningRate;
    this.rng = createRng(deriveSeed(opts.seed, 'learner-batches'));
    if (opts.privateSet.n === 0) throw new Error('the agent has no private samples');
    this.imageSize = opts.inputShape[0] * opts.inputShape[1] * opts.inputShape[2];
    this.xPrivate = imageRows(opts.privateSet.pixels, this.imageSize);
  }

  get heads(): number {
    return this.profile.auxHeads + 1;
  }

  /** The agent's model as the node runtime sees it (spec, weights). */
  get model(): ModelView {
    return this.engine.view;
  }

  private sample(n: number, k: number): Int32Array {
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) out[i] = this.rng.int(n);
    return out;
  }

  /**
   * Trains one round's steps; returns the mean of every loss term over the steps. It yields to the event
   * loop after every step, so that the agent's libp2p host keeps answering neighbours while it trains.
   */
  async trainRound(targets?: RoundTargets, at?: RoundPosition): Promise<LossTerms> {
    const p = this.profile;
    if (at) this.setLearningRate(learningRateAt(p.learningRate, p.lrSchedule, at.round, at.rounds));
    const steps = p.stepsPerRound * (this.opts.stepsMultiplier ?? 1);
    const distilling = targets !== undefined && targets.heads.length > 0;
    const c = this.opts.classes;
    const size = this.imageSize;
    // The chunk's images and targets become arrays once per round; each step copies its rows.
    const chunk = distilling ? imageRows(this.opts.publicSet.pixels, size, targets.chunkRows) : undefined;
    const headRows: (HeadTargetRows | undefined)[] = new Array(this.heads).fill(undefined);
    if (distilling) for (const h of targets.heads) headRows[h.head] = { targets: h.choice.targets, mask: h.choice.mask };
    const embSize = this.engine.view.embeddingSize;
    const P = p.batchPrivate;
    const U = chunk ? p.batchPublic : 0;
    const x = new Float32Array((P + U) * size);
    const labels = new Uint8Array(P);
    const stepTargets = headRows.map((h) => h && { targets: new Float32Array(U * c), mask: new Float32Array(U) });
    if (distilling && targets.embedding && targets.embedding.length !== targets.chunkRows.length * embSize) {
      throw new Error(`embedding targets are ${targets.embedding.length / targets.chunkRows.length} wide, this model's embedding ${embSize}`);
    }
    const embTarget = distilling && targets.embedding ? new Float32Array(U * embSize) : undefined;
    const sum: LossTerms = { total: 0, ce: 0, embedding: 0, distill: new Array(this.heads).fill(0) };
    let stacked = 0;
    this.engine.enterTraining();
    try {
      for (let s = 0; s < steps; s++) {
        const pi = this.sample(this.opts.privateSet.n, P);
        for (let i = 0; i < P; i++) {
          x.set(this.xPrivate.subarray(pi[i] * size, (pi[i] + 1) * size), i * size);
          labels[i] = this.opts.privateSet.labels[pi[i]];
        }
        if (chunk) {
          const chunkRows = chunk.length / size;
          const ui = this.sample(chunkRows, U);
          for (let i = 0; i < U; i++) {
            const r = ui[i];
            x.set(chunk.subarray(r * size, (r + 1) * size), (P + i) * size);
            stepTargets.forEach((t, k) => {
              if (!t) return;
              t.targets.set(headRows[k]!.targets.subarray(r * c, (r + 1) * c), i * c);
              t.mask[i] = headRows[k]!.mask[r];
            });
            if (embTarget) embTarget.set(targets!.embedding!.subarray(r * embSize, (r + 1) * embSize), i * embSize);
          }
        }
        const { terms, agents } = await this.engine.step({ x, labels, publicRows: U, headTargets: stepTargets, embeddingTarget: embTarget }, { nu0: p.nu0, nuAux: p.nuAux, nuEmb: p.nuEmb, temperature: p.temperature, auxLabels: p.auxLabels }, this.learningRateNow);
        stacked += agents / steps;
        sum.total += terms.total / steps;
        sum.ce += terms.ce / steps;
        sum.embedding += terms.embedding / steps;
        terms.distill.forEach((d, k) => (sum.distill[k] += d / steps));
        await yieldToEventLoop();
      }
    } finally {
      this.engine.leaveTraining();
    }
    if (this.batched) this.stackedAgents = stacked;
    return sum;
  }

  /** The rate of the next updates. */
  private setLearningRate(rate: number): void {
    this.learningRateNow = rate;
  }

  /** The rate the optimizer applies now. */
  get learningRate(): number {
    return this.learningRateNow;
  }

  /** Softmax of every head (head-major) on the given public rows, and the embeddings when asked. */
  async predict(rows: readonly number[], withEmbedding = false): Promise<Predictions> {
    const out = await this.engine.infer({ input: { pixels: this.opts.publicSet.pixels, imageSize: this.imageSize, rows }, output: 'probs', embedding: withEmbedding });
    return { probs: out.probs!, embedding: out.embedding };
  }

  /**
   * Per-class accuracy of every head on the test split's `rows` (all of them by default; see
   * src/data/eval-sample.ts): one pass for all heads, argmax on the device, so only [rows, heads] class
   * indices are read back.
   */
  async classAccuracies(test: LabelledSet, rows: readonly number[] = range(0, test.n)): Promise<ClassAccuracy[]> {
    const n = rows.length;
    const H = this.heads;
    const { classes } = await this.engine.infer({ input: { pixels: test.pixels, imageSize: this.imageSize, rows }, output: 'classes', embedding: false });
    const labels = Uint8Array.from(rows, (r) => test.labels[r]);
    return Array.from({ length: H }, (_, h) => {
      const predicted = new Int32Array(n);
      for (let r = 0; r < n; r++) predicted[r] = classes![r * H + h];
      return classAccuracy(predicted, labels, this.opts.classes);
    });
  }

  /** Private and shared accuracy of every head on the test split's `rows` (default: all). */
  async evaluate(test: LabelledSet, privateHistogram: readonly number[], rows?: readonly number[]): Promise<Evaluation> {
    return evaluation(await this.classAccuracies(test, rows), privateHistogram);
  }

  dispose(): void {
    this.engine.dispose();
  }
}

export function evaluation(perHead: readonly ClassAccuracy[], privateHistogram: readonly number[]): Evaluation {
  return {
    privateAccuracy: perHead.map((acc) => privateAccuracy(acc, privateHistogram)),
    sharedAccuracy: perHead.map((acc) => sharedAccuracy(acc)),
  };
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}
