// The learner of one agent: its model, optimizer, private data and the public set. The node runtime
// drives it round by round; everything here is local computation (no network).
import { createRng, deriveSeed, type Rng } from '../data/random.ts';
import type { LabelledSet, PublicSet } from '../data/types.ts';
import { tf } from '../model/backend.ts';
import { MultiHeadModel } from '../model/multi-head.ts';
import { imagesTensor, oneHotTensor } from '../model/tensors.ts';
import type { Profile } from '../learning/profile.ts';
import { argmaxRows, classAccuracy, privateAccuracy, sharedAccuracy, type ClassAccuracy } from './metrics.ts';
import { trainStep, type HeadTargetTensors, type LossTerms } from './step.ts';
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

const INFERENCE_BATCH = 512;

export class Learner {
  readonly model: MultiHeadModel;
  readonly profile: Profile;
  private readonly optimizer: tf.Optimizer;
  private readonly opts: LearnerOptions;
  private readonly rng: Rng;
  private readonly xPrivate: tf.Tensor4D;
  private readonly yPrivate: tf.Tensor2D;

  constructor(opts: LearnerOptions) {
    this.opts = opts;
    this.profile = opts.profile;
    this.model = new MultiHeadModel({
      backbone: opts.profile.backbone,
      auxHeads: opts.profile.auxHeads,
      classes: opts.classes,
      inputShape: opts.inputShape,
      seed: opts.seed,
    });
    this.optimizer = opts.profile.optimizer === 'adam' ? tf.train.adam(opts.profile.learningRate) : tf.train.sgd(opts.profile.learningRate);
    this.rng = createRng(deriveSeed(opts.seed, 'learner-batches'));
    if (opts.privateSet.n === 0) throw new Error('the agent has no private samples');
    this.xPrivate = imagesTensor(opts.privateSet.pixels, opts.inputShape);
    this.yPrivate = oneHotTensor(opts.privateSet.labels, opts.classes);
  }

  get heads(): number {
    return this.model.headCount;
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
    // The chunk and its targets become tensors once per round; each step gathers its rows.
    const chunk = distilling ? imagesTensor(this.opts.publicSet.pixels, this.opts.inputShape, targets.chunkRows) : undefined;
    const headTensors: (HeadTargetTensors | undefined)[] = distilling
      ? targets.heads.map((h) => ({
          targets: tf.tensor2d(h.choice.targets, [targets.chunkRows.length, this.opts.classes]),
          mask: tf.tensor1d(h.choice.mask),
        }))
      : [];
    const embTarget = distilling && targets.embedding ? tf.tensor2d(targets.embedding, [targets.chunkRows.length, targets.embedding.length / targets.chunkRows.length]) : undefined;
    const sum: LossTerms = { total: 0, ce: 0, embedding: 0, distill: new Array(this.heads).fill(0) };
    try {
      for (let s = 0; s < steps; s++) {
        let terms!: LossTerms;
        tf.tidy(() => {
          const pi = tf.tensor1d(this.sample(this.opts.privateSet.n, p.batchPrivate), 'int32');
          const batch = {
            xPrivate: tf.gather(this.xPrivate, pi) as tf.Tensor4D,
            yPrivate: tf.gather(this.yPrivate, pi) as tf.Tensor2D,
            xPublic: undefined as tf.Tensor4D | undefined,
            headTargets: undefined as (HeadTargetTensors | undefined)[] | undefined,
            embeddingTarget: undefined as tf.Tensor2D | undefined,
          };
          if (chunk) {
            const ui = tf.tensor1d(this.sample(chunk.shape[0], p.batchPublic), 'int32');
            batch.xPublic = tf.gather(chunk, ui) as tf.Tensor4D;
            batch.headTargets = headTensors.map((h) => h && { targets: tf.gather(h.targets, ui) as tf.Tensor2D, mask: tf.gather(h.mask, ui) as tf.Tensor1D });
            if (embTarget) batch.embeddingTarget = tf.gather(embTarget, ui) as tf.Tensor2D;
          }
          terms = trainStep(this.model, this.optimizer, batch, { nu0: p.nu0, nuAux: p.nuAux, nuEmb: p.nuEmb, temperature: p.temperature, auxLabels: p.auxLabels });
        });
        sum.total += terms.total / steps;
        sum.ce += terms.ce / steps;
        sum.embedding += terms.embedding / steps;
        terms.distill.forEach((d, k) => (sum.distill[k] += d / steps));
        await yieldToEventLoop();
      }
    } finally {
      tf.dispose([chunk, embTarget, ...headTensors.flatMap((h) => (h ? [h.targets, h.mask] : []))].filter((t) => t !== undefined));
    }
    return sum;
  }

  /** The rate of the next updates; Adam and SGD both read it on every update. */
  private setLearningRate(rate: number): void {
    // tfjs's Optimizer answers `instanceof` for every optimizer class, so the profile decides.
    if (this.profile.optimizer === 'sgd') (this.optimizer as tf.SGDOptimizer).setLearningRate(rate);
    else (this.optimizer as unknown as { learningRate: number }).learningRate = rate;
  }

  /** The rate the optimizer applies now. */
  get learningRate(): number {
    return (this.optimizer as unknown as { learningRate: number }).learningRate;
  }

  /** Softmax of every head (head-major) on the given public rows, and the embeddings when asked. */
  predict(rows: readonly number[], withEmbedding = false): Predictions {
    const set = this.opts.publicSet;
    const batchAt = (start: number, end: number) => imagesTensor(set.pixels, this.opts.inputShape, rows.slice(start, end));
    return this.predictBatches(batchAt, rows.length, withEmbedding, 0, rows.length);
  }

  /** Rows [from, to) of a prediction over n samples, written into `into` (allocated when absent). */
  private predictBatches(
    batchAt: (start: number, end: number) => tf.Tensor4D,
    n: number,
    withEmbedding: boolean,
    from: number,
    to: number,
    into?: Predictions,
  ): Predictions {
    const c = this.opts.classes;
    const embSize = this.model.embeddingSize;
    const probs = into?.probs ?? new Float32Array(this.heads * n * c);
    const embedding = into ? into.embedding : withEmbedding ? new Float32Array(n * embSize) : undefined;
    for (let start = from; start < to; start += INFERENCE_BATCH) {
      const end = Math.min(to, start + INFERENCE_BATCH);
      tf.tidy(() => {
        const out = this.model.forward(batchAt(start, end), false);
        out.logits.forEach((logits, h) => probs.set(tf.softmax(logits).dataSync(), (h * n + start) * c));
        if (embedding) embedding.set(out.embedding.dataSync(), start * embSize);
      });
    }
    return { probs, embedding };
  }

  /** Per-class accuracy of every head on (the first `limit` samples of) the test split; yields between batches. */
  async classAccuracies(test: LabelledSet, limit = test.n): Promise<ClassAccuracy[]> {
    const n = Math.min(limit, test.n);
    const c = this.opts.classes;
    const batchAt = (start: number, end: number) => imagesTensor(test.pixels, this.opts.inputShape, range(start, end));
    let out: Predictions | undefined;
    for (let start = 0; start < n; start += INFERENCE_BATCH) {
      if (out) await yieldToEventLoop();
      out = this.predictBatches(batchAt, n, false, start, Math.min(n, start + INFERENCE_BATCH), out);
    }
    const probs = out?.probs ?? new Float32Array(0);
    const labels = test.labels.subarray(0, n);
    return Array.from({ length: this.heads }, (_, h) => classAccuracy(argmaxRows(probs.subarray(h * n * c, (h + 1) * n * c), c), labels, c));
  }

  /** Private and shared accuracy of every head on (the first `limit` samples of) the test split. */
  async evaluate(test: LabelledSet, privateHistogram: readonly number[], limit = test.n): Promise<Evaluation> {
    return evaluation(await this.classAccuracies(test, limit), privateHistogram);
  }

  dispose(): void {
    tf.dispose([this.xPrivate, this.yPrivate]);
    this.optimizer.dispose();
    this.model.dispose();
  }
}

export function evaluation(perHead: readonly ClassAccuracy[], privateHistogram: readonly number[]): Evaluation {
  return {
    privateAccuracy: perHead.map((acc) => privateAccuracy(acc, privateHistogram)),
    sharedAccuracy: perHead.map((acc) => sharedAccuracy(acc)),
  };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}
