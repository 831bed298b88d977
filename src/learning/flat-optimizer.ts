// Adam (or SGD) over all of a model's variables as one flat vector: the gradients are concatenated,
// the moments live as two flat tensors, and the update is split back. About 3 kernels per variable plus
// a dozen in all, where tfjs's own optimizers spend about ten per variable. Same arithmetic as tfjs's
// AdamOptimizer (bias-corrected moments, epsilon 1e-7 outside the square root), so the step is unchanged.
import { tf } from '../model/backend.ts';

export type OptimizerKind = 'adam' | 'sgd';

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-7;

export class FlatOptimizer {
  readonly kind: OptimizerKind;
  learningRate: number;
  private readonly sizes: number[];
  private m?: tf.Tensor1D;
  private v?: tf.Tensor1D;
  private t = 0;

  readonly variables: readonly tf.Variable[];

  constructor(kind: OptimizerKind, learningRate: number, variables: readonly tf.Variable[]) {
    this.kind = kind;
    this.variables = variables;
    this.learningRate = learningRate;
    this.sizes = variables.map((v) => v.size);
  }

  /** Applies one update with `grads` (one per variable, in order). */
  apply(grads: readonly tf.Tensor[]): void {
    if (grads.length !== this.variables.length) throw new Error(`${grads.length} gradients for ${this.variables.length} variables`);
    this.t++;
    const update = tf.tidy(() => {
      const g = tf.concat(grads.map((x) => tf.reshape(x, [-1]))) as tf.Tensor1D;
      if (this.kind === 'sgd') return tf.mul(g, this.learningRate);
      const m0 = this.m ?? tf.zerosLike(g);
      const v0 = this.v ?? tf.zerosLike(g);
      // m + (1 - b1)(g - m) is b1 m + (1 - b1) g in one kernel fewer.
      const m = tf.add(m0, tf.mul(tf.sub(g, m0), 1 - ADAM_BETA1));
      const v = tf.add(v0, tf.mul(tf.sub(tf.square(g), v0), 1 - ADAM_BETA2));
      this.m?.dispose();
      this.v?.dispose();
      this.m = tf.keep(m) as tf.Tensor1D;
      this.v = tf.keep(v) as tf.Tensor1D;
      const mScale = this.learningRate / (1 - ADAM_BETA1 ** this.t);
      const vScale = 1 / (1 - ADAM_BETA2 ** this.t);
      return tf.div(tf.mul(m, mScale), tf.add(tf.sqrt(tf.mul(v, vScale)), ADAM_EPSILON));
    });
    tf.tidy(() => {
      const parts = tf.split(update, this.sizes);
      this.variables.forEach((variable, i) => variable.assign(tf.sub(variable, tf.reshape(parts[i], variable.shape))));
    });
    update.dispose();
  }

  dispose(): void {
    this.m?.dispose();
    this.v?.dispose();
  }
}
