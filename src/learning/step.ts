// One optimizer update on the MHD loss: a private batch, a public batch and the chosen per-head targets.
// The batch arrives as plain arrays (the learner copies the rows), the loss of every head is one fused
// pass (src/learning/fused-loss.ts), and the update is one flat optimizer (src/learning/flat-optimizer.ts):
// about a hundred kernels for the default profile's step, whatever the number of heads.
import { tf } from '../model/backend.ts';
import { takesFlatInput } from '../model/backbones.ts';
import type { MultiHeadModel } from '../model/multi-head.ts';
import type { FlatOptimizer } from './flat-optimizer.ts';
import { fusedHeadLoss, planTensors } from './fused-loss.ts';
import { headLosses, lossPlan, type HeadTargetRows } from './loss-plan.ts';
import { embeddingLoss } from './losses.ts';

export type { HeadTargetRows } from './loss-plan.ts';

export interface StepBatch {
  /** Images in [0, 1]: the private rows, then the public rows; [rows * h * w * c] row-major. */
  readonly x: Float32Array;
  /** Labels of the private rows; empty in pure distillation (the CE term is then 0). */
  readonly labels: ArrayLike<number>;
  /** How many of the rows are public (they follow the private ones). */
  readonly publicRows: number;
  /** Per head; a head without targets (or with weight 0) gets no distillation term. */
  readonly headTargets?: readonly (HeadTargetRows | undefined)[];
  /** Embedding targets of the public rows, [publicRows * embeddingSize]. */
  readonly embeddingTarget?: Float32Array;
}

export interface LossWeights {
  readonly nu0: number;
  readonly nuAux: number;
  readonly nuEmb: number;
  readonly temperature: number;
  /** Auxiliary heads also take the cross-entropy on the private batch (default: the main head only). */
  readonly auxLabels?: boolean;
}

export interface LossTerms {
  total: number;
  /** Cross-entropy on the private batch, summed over the heads that take it. */
  ce: number;
  /** Distillation term per head (unweighted); 0 where the head had no targets. */
  distill: number[];
  embedding: number;
}

/** The batch's images as the model's input tensor: [1, rows, h*w*c] for dense backbones, else [rows, h, w, c]. */
export function batchInput(model: MultiHeadModel, x: Float32Array, rows: number): tf.Tensor {
  const [h, w, c] = model.spec.inputShape;
  return takesFlatInput(model.spec.backbone) ? tf.tensor3d(x, [1, rows, h * w * c]) : tf.tensor4d(x, [rows, h, w, c]);
}

/**
 * The loss terms and the gradient of every trainable variable (in `model.trainableVariables()` order);
 * the gradients belong to the caller's tidy scope.
 */
export function lossAndGradients(model: MultiHeadModel, batch: StepBatch, w: LossWeights): { terms: LossTerms; grads: tf.Tensor[] } {
  const P = batch.labels.length;
  const U = batch.publicRows;
  const rows = P + U;
  if (rows === 0) throw new Error('a training step needs a private or a public batch');
  const size = model.spec.inputShape[0] * model.spec.inputShape[1] * model.spec.inputShape[2];
  if (batch.x.length !== rows * size) throw new Error(`the batch has ${batch.x.length / size} images for ${rows} rows`);
  const plan = lossPlan({
    heads: model.headCount,
    classes: model.spec.classes,
    labels: batch.labels,
    publicRows: U,
    headTargets: batch.headTargets ?? [],
    nu0: w.nu0,
    nuAux: w.nuAux,
    temperature: w.temperature,
    auxLabels: w.auxLabels ?? false,
  });
  const x = batchInput(model, batch.x, rows);
  const pt = planTensors(plan);
  const embTarget = U > 0 && batch.embeddingTarget && w.nuEmb > 0 ? tf.tensor3d(batch.embeddingTarget, [1, U, model.embeddingSize]) : undefined;
  let perRowHead: tf.Tensor2D | undefined;
  let embValue: tf.Scalar | undefined;
  const vars = model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forwardAll(x);
    let total = fusedHeadLoss(out.logits, pt, (t) => (perRowHead = t));
    if (embTarget) {
      embValue = tf.keep(embeddingLoss(tf.slice(out.embedding, [0, P, 0], [1, U, -1]), embTarget));
      total = tf.add(total, tf.mul(embValue, w.nuEmb));
    }
    return total;
  }, vars);
  value.dispose();
  const { ce, distill } = headLosses(plan, P, perRowHead!.dataSync());
  const embedding = embValue ? embValue.dataSync()[0] : 0;
  tf.dispose([perRowHead!, embValue].filter((t) => t !== undefined));
  const total = ce + distill.reduce((a, d, h) => a + d * plan.distillWeight[h], 0) + (embTarget ? w.nuEmb * embedding : 0);
  return { terms: { total, ce, distill, embedding }, grads: vars.map((v) => grads[v.name]) };
}

export function trainStep(model: MultiHeadModel, optimizer: FlatOptimizer, batch: StepBatch, w: LossWeights): LossTerms {
  let terms!: LossTerms;
  tf.tidy(() => {
    const r = lossAndGradients(model, batch, w);
    optimizer.apply(r.grads);
    terms = r.terms;
  });
  return terms;
}
