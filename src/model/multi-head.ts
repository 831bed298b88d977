// A backbone with a main head (index 0) and m auxiliary heads (1..m), all linear classifiers over the
// same classes on the same embedding, so the gradients of every head flow into the shared backbone.
// The parameters are plain tfjs variables and the forward pass is a handful of fused kernels
// (src/model/lean-ops.ts): all heads are one [embedding, heads * classes] matmul. tfjs-layers is used
// only for its seeded Glorot initialiser, so a model is the same pure function of (spec, seed) as when
// it was a LayersModel, and checkpoints keep their per-head tensors (names, shapes and order).
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from './backend.ts';
import { backboneLayers, type BackboneSpec, type LayerPlan } from './backbones.ts';
import { backboneFile, isFileBackbone, layersFileFor } from './layers-file.ts';
import { conv2d, dense } from './lean-ops.ts';

export interface MultiHeadSpec {
  /** A shipped backbone (glorot-initialised from the seed) or a model file (its weights to start from). */
  backbone: BackboneSpec;
  auxHeads: number;
  classes: number;
  inputShape: readonly [number, number, number];
  seed: number;
}

export interface ForwardResult {
  embedding: tf.Tensor2D;
  /** Logits per head: index 0 is the main head. */
  logits: tf.Tensor2D[];
}

/** Every head at once, as rank-3 tensors with a leading 1 (src/model/lean-ops.ts says why). */
export interface ForwardAll {
  /** [1, n, embedding] */
  embedding: tf.Tensor3D;
  /** [1, n, heads * classes], head-major within a row. */
  logits: tf.Tensor3D;
}

export interface NamedWeights {
  name: string;
  shape: number[];
  values: Float32Array;
}

export const MAX_AUX_HEADS = 16;

/** A model as checkpoints, exports and the node runtime see it: its shape and its weights. */
export type ModelView = Pick<MultiHeadModel, 'spec' | 'embeddingSize' | 'headCount' | 'plans' | 'getWeights' | 'setWeights'>;

type Layer = { plan: LayerPlan; kernel?: tf.Variable; bias?: tf.Variable };

const glorot = (shape: number[], seed: number) => tfl.initializers.glorotUniform({ seed }).apply(shape) as tf.Tensor;

/** A variable holding `t`'s values; `t` itself is disposed (the variable keeps the data). */
function variableOf(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t);
  t.dispose();
  return v;
}

export class MultiHeadModel {
  readonly spec: MultiHeadSpec;
  private readonly layers: Layer[];
  /** All heads side by side: [embedding, heads * classes] and [heads * classes]. */
  private readonly headKernel: tf.Variable;
  private readonly headBias: tf.Variable;
  readonly embeddingSize: number;

  constructor(spec: MultiHeadSpec) {
    if (!Number.isInteger(spec.auxHeads) || spec.auxHeads < 0 || spec.auxHeads > MAX_AUX_HEADS) {
      throw new Error(`auxiliary heads must be an integer in 0..${MAX_AUX_HEADS}, got ${spec.auxHeads}`);
    }
    this.spec = spec;
    const plans = backboneLayers(spec.backbone, spec.inputShape);
    const file = isFileBackbone(spec.backbone) ? layersFileFor(backboneFile(spec.backbone), spec.inputShape).weights : undefined;
    // Seeds as the LayersModel took them: one per weighted layer, counting up from the spec's seed.
    let seed = spec.seed;
    this.layers = plans.map((plan) => {
      if (plan.kind === 'dense' || plan.kind === 'conv') {
        // Dense kernels are stored [1, in, out], the shape the batched fused matmul takes.
        const from = file?.get(plan.name);
        const init = from ? tf.tensor(from.kernel, plan.kernelShape) : glorot(plan.kernelShape, seed++);
        const kernel = variableOf(plan.kind === 'dense' ? tf.reshape(init, [1, ...plan.kernelShape]) : init);
        if (plan.kind === 'dense') init.dispose();
        const bias = variableOf(from ? tf.tensor1d(from.bias) : tf.zeros([plan.units]));
        return { plan, kernel, bias };
      }
      return { plan };
    });
    this.embeddingSize = plans.filter((p) => p.kind === 'dense').at(-1)!.units;
    const c = spec.classes;
    this.headKernel = variableOf(tf.tidy(() => tf.reshape(tf.concat(Array.from({ length: spec.auxHeads + 1 }, (_, k) => glorot([this.embeddingSize, c], spec.seed + 1000 + k)), 1), [1, this.embeddingSize, -1])));
    this.headBias = variableOf(tf.zeros([(spec.auxHeads + 1) * c]));
  }

  /** The backbone's layers, in order (what an export rebuilds). */
  get plans(): readonly LayerPlan[] {
    return this.layers.map((l) => l.plan);
  }

  get headCount(): number {
    return this.spec.auxHeads + 1;
  }

  /** Image batch [n, h, w, c] (or [1, n, h*w*c] for the dense backbones) to embedding and all heads' logits. */
  forwardAll(x: tf.Tensor): ForwardAll {
    let h: tf.Tensor = x;
    let first = true;
    for (const { plan, kernel, bias } of this.layers) {
      switch (plan.kind) {
        case 'flatten':
          if (h.rank !== 3) h = tf.reshape(h, [1, h.shape[0], -1]);
          break;
        case 'pool':
          h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
          break;
        case 'dense':
          h = dense(h as tf.Tensor3D, kernel as tf.Variable<tf.Rank.R3>, bias as tf.Variable<tf.Rank.R1>, plan.activation, first);
          first = false;
          break;
        case 'conv':
          h = conv2d(h as tf.Tensor4D, kernel as tf.Variable<tf.Rank.R4>, bias as tf.Variable<tf.Rank.R1>, plan.activation, plan.padding, first);
          first = false;
          break;
      }
    }
    const embedding = h as tf.Tensor3D;
    return { embedding, logits: dense(embedding, this.headKernel as tf.Variable<tf.Rank.R3>, this.headBias as tf.Variable<tf.Rank.R1>, 'linear') };
  }

  /** Forward pass with one logits tensor per head; tensors belong to the caller's tidy scope. */
  forward(x: tf.Tensor, _training = false): ForwardResult {
    const all = this.forwardAll(x);
    const n = all.logits.shape[1];
    const logits = tf.reshape(all.logits, [n, -1]);
    const c = this.spec.classes;
    return { embedding: tf.reshape(all.embedding, [n, -1]) as tf.Tensor2D, logits: Array.from({ length: this.headCount }, (_, k) => tf.slice(logits, [0, k * c], [-1, c]) as tf.Tensor2D) };
  }

  /** The variables the optimizer updates, in a fixed order. */
  trainableVariables(): tf.Variable[] {
    return [...this.layers.flatMap((l) => (l.kernel && l.bias ? [l.kernel, l.bias] : [])), this.headKernel, this.headBias];
  }

  /** Overwrites every trainable variable with a tensor of its shape (in `trainableVariables()` order). */
  loadVariables(values: readonly tf.Tensor[]): void {
    const vars = this.trainableVariables();
    if (values.length !== vars.length) throw new Error(`${values.length} tensors for ${vars.length} variables`);
    vars.forEach((v, i) => {
      if (values[i].shape.join('x') !== v.shape.join('x')) throw new Error(`variable ${i} is ${v.shape.join('x')}, got ${values[i].shape.join('x')}`);
      v.assign(values[i]);
    });
  }

  /** The per-head view of the parameters, in the order and with the names of the LayersModel it replaced. */
  private namedParams(): { name: string; shape: number[]; read: () => tf.Tensor; head?: number; part?: 'kernel' | 'bias' }[] {
    const out: { name: string; shape: number[]; read: () => tf.Tensor; head?: number; part?: 'kernel' | 'bias' }[] = [];
    for (const { plan, kernel, bias } of this.layers) {
      if (!kernel || !bias || plan.kind === 'flatten' || plan.kind === 'pool') continue;
      const shape = plan.kernelShape;
      out.push({ name: `${plan.name}/kernel`, shape, read: () => tf.reshape(kernel, shape) });
      out.push({ name: `${plan.name}/bias`, shape: bias.shape, read: () => bias });
    }
    const c = this.spec.classes;
    for (let k = 0; k < this.headCount; k++) {
      const name = k === 0 ? 'head_main' : `head_aux${k}`;
      out.push({ name: `${name}/kernel`, shape: [this.embeddingSize, c], read: () => tf.reshape(tf.slice(this.headKernel, [0, 0, k * c], [1, -1, c]), [this.embeddingSize, c]), head: k, part: 'kernel' });
      out.push({ name: `${name}/bias`, shape: [c], read: () => tf.slice(this.headBias, [k * c], [c]), head: k, part: 'bias' });
    }
    return out;
  }

  /** Every weight as a copy, in a fixed order: checkpoints and the gossip baseline use this. */
  getWeights(): NamedWeights[] {
    return this.namedParams().map((p) => ({ name: p.name, shape: p.shape, values: tf.tidy(() => p.read().dataSync() as Float32Array).slice() }));
  }

  setWeights(weights: readonly NamedWeights[]): void {
    const own = this.namedParams();
    if (weights.length !== own.length) throw new Error(`weights have ${weights.length} tensors, the model ${own.length}`);
    weights.forEach((w, i) => {
      const expected = own[i].shape.join('x');
      if (w.shape.join('x') !== expected) throw new Error(`weight ${i} (${own[i].name}) has shape ${w.shape.join('x')}, expected ${expected}`);
    });
    const vars = this.trainableVariables();
    const layerCount = vars.length - 2;
    tf.tidy(() => {
      weights.slice(0, layerCount).forEach((w, i) => vars[i].assign(tf.tensor(w.values, vars[i].shape)));
      const heads = weights.slice(layerCount);
      this.headKernel.assign(tf.concat(heads.filter((_, j) => j % 2 === 0).map((w) => tf.tensor3d(w.values, [1, ...w.shape] as [number, number, number])), 2));
      this.headBias.assign(tf.concat(heads.filter((_, j) => j % 2 === 1).map((w) => tf.tensor1d(w.values)), 0));
    });
  }

  dispose(): void {
    tf.dispose(this.trainableVariables());
  }
}
