// Every head's loss term in one pass over logits viewed as [rows, heads, classes], with a hand-written
// gradient: softmax(z / tau) * sum_c W T - W T, scaled by 1 / tau (src/learning/loss-plan.ts has the
// derivation). About a dozen kernels forward and six backward, whatever the number of heads.
import { tf } from '../model/backend.ts';
import type { LossPlan } from './loss-plan.ts';

export interface PlanTensors {
  readonly weightedTargets: tf.Tensor3D;
  readonly weightSums: tf.Tensor3D;
  readonly inverseTemperature?: tf.Tensor3D;
}

/** The plan's data as tensors (uploads, no kernels); the caller disposes them (a tidy scope does). */
export function planTensors(plan: LossPlan): PlanTensors {
  const { rows, heads, classes } = plan;
  return {
    weightedTargets: tf.tensor3d(plan.weightedTargets, [rows, heads, classes]),
    weightSums: tf.tensor3d(plan.weightSums, [rows, heads, 1]),
    inverseTemperature: plan.inverseTemperature && tf.tensor3d(plan.inverseTemperature, [rows, heads, 1]),
  };
}

/**
 * sum_{r,h} -sum_c W T log softmax(z / tau) for logits [1, rows, heads * classes] (any shape of rows * heads * classes values). `perRowHead` receives
 * the [rows, heads] values (kept: the caller disposes it) so that the step can report every term.
 */
export function fusedHeadLoss(logits: tf.Tensor, plan: PlanTensors, perRowHead?: (values: tf.Tensor2D) => void): tf.Scalar {
  const [rows, heads, classes] = plan.weightedTargets.shape;
  const op = tf.customGrad((z, save) => {
    let zz = tf.reshape(z as tf.Tensor, [rows, heads, classes]);
    if (plan.inverseTemperature) zz = tf.mul(zz, plan.inverseTemperature);
    const shifted = tf.sub(zz, tf.max(zz, 2, true));
    const e = tf.exp(shifted);
    const total = tf.sum(e, 2, true);
    // -log softmax, so that the sum needs no negation.
    const negLogP = tf.sub(tf.log(total), shifted);
    const perRow = tf.sum(tf.mul(plan.weightedTargets, negLogP), 2) as tf.Tensor2D;
    if (perRowHead) perRowHead(tf.keep(perRow));
    (save as tf.GradSaveFunc)([e, total]);
    return {
      value: tf.sum(perRow) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [se, st] = saved;
        let g = tf.sub(tf.mul(tf.div(se, st), plan.weightSums), plan.weightedTargets);
        if (plan.inverseTemperature) g = tf.mul(g, plan.inverseTemperature);
        return tf.reshape(tf.mul(g, dy), logits.shape);
      },
    };
  });
  return op(logits) as tf.Scalar;
}
