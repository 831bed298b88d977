// One optimizer update on the MHD loss: a private batch, a public batch and the chosen per-head targets.
import { tf } from '../model/backend.ts';
import type { MultiHeadModel } from '../model/multi-head.ts';
import { crossEntropy, embeddingLoss, temperedKl } from './losses.ts';

export interface HeadTargetTensors {
  readonly targets: tf.Tensor2D;
  readonly mask: tf.Tensor1D;
}

export interface StepBatch {
  /** The labelled batch; absent only in pure distillation (the CE term is then 0). */
  readonly xPrivate?: tf.Tensor4D;
  readonly yPrivate?: tf.Tensor2D;
  readonly xPublic?: tf.Tensor4D;
  /** Per head; a head without targets (or with weight 0) gets no distillation term. */
  readonly headTargets?: readonly (HeadTargetTensors | undefined)[];
  readonly embeddingTarget?: tf.Tensor2D;
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

export function trainStep(model: MultiHeadModel, optimizer: tf.Optimizer, batch: StepBatch, w: LossWeights): LossTerms {
  const heads = model.headCount;
  let termsTensor: tf.Tensor1D | undefined;
  const cost = optimizer.minimize(
    () => {
      const nPrivate = batch.xPrivate?.shape[0] ?? 0;
      const parts = [batch.xPrivate, batch.xPublic].filter((t): t is tf.Tensor4D => t !== undefined);
      if (parts.length === 0) throw new Error('a training step needs a private or a public batch');
      // One forward pass over both batches; the rows are split again per loss term.
      const out = model.forward(parts.length === 2 ? tf.concat(parts, 0) : parts[0], true);
      const priv = (t: tf.Tensor2D) => (batch.xPublic ? tf.slice(t, [0, 0], [nPrivate, -1]) : t);
      const pub = (t: tf.Tensor2D) => tf.slice(t, [nPrivate, 0], [-1, -1]);
      let ce: tf.Scalar = tf.scalar(0);
      if (batch.xPrivate && batch.yPrivate) {
        ce = crossEntropy(priv(out.logits[0]), batch.yPrivate);
        if (w.auxLabels) for (let k = 1; k < heads; k++) ce = tf.add(ce, crossEntropy(priv(out.logits[k]), batch.yPrivate));
      }
      let total: tf.Scalar = ce;
      const distill: tf.Scalar[] = [];
      for (let k = 0; k < heads; k++) {
        const target = batch.headTargets?.[k];
        const weight = k === 0 ? w.nu0 : w.nuAux;
        if (!batch.xPublic || !target || weight === 0) {
          distill.push(tf.scalar(0));
          continue;
        }
        const d = temperedKl(pub(out.logits[k]), target.targets, target.mask, w.temperature);
        distill.push(d);
        total = tf.add(total, tf.mul(d, weight));
      }
      let emb: tf.Scalar = tf.scalar(0);
      if (batch.xPublic && batch.embeddingTarget && w.nuEmb > 0) {
        emb = embeddingLoss(pub(out.embedding), batch.embeddingTarget);
        total = tf.add(total, tf.mul(emb, w.nuEmb));
      }
      // All terms leave the scope as one small tensor, read with a single sync after the update.
      termsTensor = tf.keep(tf.stack([total, ce, emb, ...distill]) as tf.Tensor1D);
      return total;
    },
    false,
    model.trainableVariables(),
  );
  cost?.dispose();
  const values = termsTensor!.dataSync();
  termsTensor!.dispose();
  return { total: values[0], ce: values[1], embedding: values[2], distill: Array.from(values.subarray(3)) };
}
