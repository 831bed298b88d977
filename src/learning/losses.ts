// Loss terms of the method (docs/DESIGN.md, "The method"), head by head, as tensor functions for use
// inside a gradient scope. The training step computes every head's CE and KL at once
// (src/learning/fused-loss.ts); these per-head forms are the plain reference its tests check it against,
// and embeddingLoss is the step's own.
import { tf } from '../model/backend.ts';

const EPS = 1e-8;

/**
 * D(student; target) = KL(target_tau || softmax(student / tau)) * tau^2 per sample, where target_tau is
 * the target at the same temperature (target^(1/tau), renormalised), averaged over the
 * samples where `mask` is 1 (0 when the mask is empty). Targets and mask are data tensors, not
 * variables, so no gradient reaches a peer's numbers.
 */
export function temperedKl(studentLogits: tf.Tensor2D, targets: tf.Tensor2D, mask: tf.Tensor1D, tau: number): tf.Scalar {
  return tf.tidy(() => {
    const t = tau === 1 ? targets : tf.div(tf.pow(targets, 1 / tau), tf.sum(tf.pow(targets, 1 / tau), 1, true));
    const logP = tf.logSoftmax(tf.div(studentLogits, tau));
    const perSample = tf.sum(tf.mul(t, tf.sub(tf.log(tf.maximum(t, EPS)), logP)), 1);
    const used = tf.sum(mask);
    const total = tf.sum(tf.mul(perSample, mask));
    return tf.mul(tf.div(total, tf.maximum(used, 1)), tau * tau) as tf.Scalar;
  });
}

/** Mean squared distance between embeddings and constant targets. */
export function embeddingLoss(embedding: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(embedding, target))) as tf.Scalar);
}

export function crossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
}
