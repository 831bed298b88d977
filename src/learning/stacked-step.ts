// One optimizer update for many agents at once, on a StackedModel (src/model/stacked-model.ts): each
// request is one agent's step (its batch, loss weights and learning rate, as src/learning/step.ts takes
// them), each in its own slot. The batches are padded to the longest with rows of weight 0, the loss is
// the sum of the agents' losses (their parameters are disjoint, so each slot's gradient is its agent's
// own), and the update is Adam (or SGD) per stacked variable, masked per slot: a slot without a request
// keeps its parameters and its moments exactly.
import { tf } from '../model/backend.ts';
import type { StackedModel } from '../model/stacked-model.ts';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, type OptimizerKind } from './flat-optimizer.ts';
import { fusedHeadLoss } from './fused-loss.ts';
import { headLosses, lossPlan, type LossPlan } from './loss-plan.ts';
import type { LossTerms, LossWeights, StepBatch } from './step.ts';

export interface SlotStep {
  readonly slot: number;
  readonly batch: StepBatch;
  readonly weights: LossWeights;
  readonly learningRate: number;
}

/** Per-slot optimizer state over a StackedModel's variables; slots are added as the model's are. */
export class StackedOptimizer {
  readonly kind: OptimizerKind;
  private m: tf.Tensor[] = [];
  private v: tf.Tensor[] = [];
  /** Updates applied so far, per slot (Adam's bias correction is per agent). */
  private readonly t: number[] = [];

  constructor(kind: OptimizerKind) {
    this.kind = kind;
  }

  /** Fresh moments for slots from `first` on (a new or restored agent starts as a new FlatOptimizer does). */
  resetSlots(model: StackedModel, first: number): void {
    const vars = model.variables();
    const n = model.slots;
    const keep = (old: tf.Tensor | undefined, v: tf.Variable) =>
      tf.tidy(() => {
        const fresh = tf.zeros([n - first, ...v.shape.slice(1)]);
        return old !== undefined && first > 0 ? tf.concat([tf.slice(old, 0, first), fresh], 0) : fresh;
      });
    if (this.kind === 'adam') {
      const m = vars.map((v, i) => keep(this.m[i], v));
      const s = vars.map((v, i) => keep(this.v[i], v));
      tf.dispose([...this.m, ...this.v]);
      this.m = m;
      this.v = s;
    }
    this.t.length = n;
    for (let i = first; i < n; i++) this.t[i] = 0;
  }

  /** One update of the slots in `rates` (slot -> learning rate); `grads` in the model's variable order. */
  apply(model: StackedModel, grads: readonly tf.Tensor[], rates: ReadonlyMap<number, number>): void {
    const n = model.slots;
    const perSlot = (f: (slot: number, rate: number) => number) =>
      tf.tensor3d(Float32Array.from({ length: n }, (_, i) => (rates.has(i) ? f(i, rates.get(i)!) : 0)), [n, 1, 1]);
    for (const slot of rates.keys()) this.t[slot]++;
    const vars = model.variables();
    tf.tidy(() => {
      if (this.kind === 'sgd') {
        const lr = perSlot((_, rate) => rate);
        vars.forEach((v, i) => v.assign(tf.sub(v, tf.mul(grads[i], lr))));
        return;
      }
      // As FlatOptimizer, with each factor per slot: 0 where a slot takes no update, so that its
      // moments and parameters stay as they are.
      const a1 = perSlot(() => 1 - ADAM_BETA1);
      const a2 = perSlot(() => 1 - ADAM_BETA2);
      const mScale = perSlot((slot, rate) => rate / (1 - ADAM_BETA1 ** this.t[slot]));
      const vScale = tf.tensor3d(Float32Array.from({ length: n }, (_, i) => (rates.has(i) ? 1 / (1 - ADAM_BETA2 ** this.t[i]) : 1)), [n, 1, 1]);
      // Each intermediate is freed as soon as it is used: a stacked variable of 128 agents' first layer
      // is 100 MB, and a tidy scope would hold a dozen of them to its end.
      const chain = (x: tf.Tensor, f: (x: tf.Tensor) => tf.Tensor) => {
        const y = f(x);
        x.dispose();
        return y;
      };
      vars.forEach((variable, i) => {
        const g = grads[i];
        const m = chain(chain(tf.sub(g, this.m[i]), (d) => tf.mul(d, a1)), (d) => tf.add(this.m[i], d));
        const s = chain(chain(chain(tf.square(g), (q) => tf.sub(q, this.v[i])), (d) => tf.mul(d, a2)), (d) => tf.add(this.v[i], d));
        const denominator = chain(chain(tf.mul(s, vScale), tf.sqrt), (r) => tf.add(r, ADAM_EPSILON));
        const update = chain(chain(tf.mul(m, mScale), (n) => tf.div(n, denominator)), (u) => tf.sub(variable, u));
        denominator.dispose();
        variable.assign(update);
        tf.dispose([this.m[i], this.v[i], g]);
        this.m[i] = tf.keep(m);
        this.v[i] = tf.keep(s);
      });
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
    this.m = [];
    this.v = [];
  }
}

/** The loss terms of every request, in order, after one update of their slots. */
export function stackedTrainStep(model: StackedModel, optimizer: StackedOptimizer, steps: readonly SlotStep[]): LossTerms[] {
  if (steps.length === 0) return [];
  const slots = new Set(steps.map((s) => s.slot));
  if (slots.size !== steps.length) throw new Error('two steps for one slot in one batched update');
  const n = model.slots;
  const { inputShape, classes: C } = model.spec;
  const size = inputShape[0] * inputShape[1] * inputShape[2];
  const H = model.headCount;
  const E = model.embeddingSize;
  const plans: LossPlan[] = steps.map(({ batch, weights: w }) => {
    const rows = batch.labels.length + batch.publicRows;
    if (rows === 0) throw new Error('a training step needs a private or a public batch');
    if (batch.x.length !== rows * size) throw new Error(`the batch has ${batch.x.length / size} images for ${rows} rows`);
    return lossPlan({ heads: H, classes: C, labels: batch.labels, publicRows: batch.publicRows, headTargets: batch.headTargets ?? [], nu0: w.nu0, nuAux: w.nuAux, temperature: w.temperature, auxLabels: w.auxLabels ?? false });
  });
  // Every slot gets R rows: a slot's own rows first, then rows of weight 0 (no loss, no gradient).
  const R = Math.max(...plans.map((p) => p.rows));
  const x = new Float32Array(n * R * size);
  const weightedTargets = new Float32Array(n * R * H * C);
  const weightSums = new Float32Array(n * R * H);
  const tempered = plans.some((p) => p.inverseTemperature);
  const inverseTemperature = tempered ? new Float32Array(n * R * H).fill(1) : undefined;
  const embedding = steps.some((s) => s.weights.nuEmb > 0 && s.batch.publicRows > 0 && s.batch.embeddingTarget);
  const embTarget = embedding ? new Float32Array(n * R * E) : undefined;
  const embUnit = embedding ? new Float32Array(n * R) : undefined;
  const nuEmb = new Float32Array(n);
  steps.forEach(({ slot, batch, weights: w }, i) => {
    const p = plans[i];
    x.set(batch.x, slot * R * size);
    weightedTargets.set(p.weightedTargets, slot * R * H * C);
    weightSums.set(p.weightSums, slot * R * H);
    if (p.inverseTemperature) inverseTemperature!.set(p.inverseTemperature, slot * R * H);
    const P = batch.labels.length;
    const U = batch.publicRows;
    if (embTarget && w.nuEmb > 0 && U > 0 && batch.embeddingTarget) {
      embTarget.set(batch.embeddingTarget, (slot * R + P) * E);
      embUnit!.fill(1 / (U * E), slot * R + P, slot * R + P + U);
      nuEmb[slot] = w.nuEmb;
    }
  });
  let perRowHead: tf.Tensor2D | undefined;
  let perSlotEmb: tf.Tensor1D | undefined;
  let terms: LossTerms[] = [];
  tf.tidy(() => {
    const xt = tf.tensor3d(x, [n, R, size]);
    const pt = {
      weightedTargets: tf.tensor3d(weightedTargets, [n * R, H, C]),
      weightSums: tf.tensor3d(weightSums, [n * R, H, 1]),
      inverseTemperature: inverseTemperature && tf.tensor3d(inverseTemperature, [n * R, H, 1]),
    };
    const et = embTarget && tf.tensor3d(embTarget, [n, R, E]);
    const eu = embUnit && tf.tensor3d(embUnit, [n, R, 1]);
    const vars = model.variables();
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forwardAll(xt);
      let total = fusedHeadLoss(out.logits, pt, (t) => (perRowHead = t));
      if (et && eu) {
        // Per slot: the mean squared distance over its public rows, as embeddingLoss computes it.
        perSlotEmb = tf.keep(tf.sum(tf.mul(tf.square(tf.sub(out.embedding, et)), eu), [1, 2]) as tf.Tensor1D);
        total = tf.add(total, tf.sum(tf.mul(perSlotEmb, tf.tensor1d(nuEmb))));
      }
      return total;
    }, vars as tf.Variable[]);
    value.dispose();
    optimizer.apply(model, vars.map((v) => grads[v.name]), new Map(steps.map((s) => [s.slot, s.learningRate])));
    const rowHead = perRowHead!.dataSync();
    const emb = perSlotEmb?.dataSync();
    terms = steps.map(({ slot, batch, weights: w }, i): LossTerms => {
      const p = plans[i];
      const P = batch.labels.length;
      const { ce, distill } = headLosses(p, P, rowHead.subarray(slot * R * H, (slot * R + p.rows) * H));
      const embeddingTerm = emb && nuEmb[slot] > 0 ? emb[slot] : 0;
      const total = ce + distill.reduce((a, d, h) => a + d * p.distillWeight[h], 0) + (nuEmb[slot] > 0 ? w.nuEmb * embeddingTerm : 0);
      return { total, ce, distill, embedding: embeddingTerm };
    });
  });
  tf.dispose([perRowHead!, perSlotEmb].filter((t) => t !== undefined));
  return terms;
}
