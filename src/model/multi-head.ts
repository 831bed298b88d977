// A backbone with a main head (index 0) and m auxiliary heads (1..m), all linear classifiers over the
// same classes on the same embedding, so the gradients of every head flow into the shared backbone.
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from './backend.ts';
import { buildBackbone, type BackboneName } from './backbones.ts';

export interface MultiHeadSpec {
  backbone: BackboneName;
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

export const MAX_AUX_HEADS = 16;

export class MultiHeadModel {
  readonly spec: MultiHeadSpec;
  readonly net: tfl.LayersModel;

  constructor(spec: MultiHeadSpec) {
    if (!Number.isInteger(spec.auxHeads) || spec.auxHeads < 0 || spec.auxHeads > MAX_AUX_HEADS) {
      throw new Error(`auxiliary heads must be an integer in 0..${MAX_AUX_HEADS}, got ${spec.auxHeads}`);
    }
    this.spec = spec;
    const input = tfl.input({ shape: [...spec.inputShape], name: 'image' });
    const embedding = buildBackbone(spec.backbone, input, spec.seed);
    const heads = Array.from({ length: spec.auxHeads + 1 }, (_, k) =>
      tfl.layers
        .dense({
          units: spec.classes,
          kernelInitializer: tfl.initializers.glorotUniform({ seed: spec.seed + 1000 + k }),
          name: k === 0 ? 'head_main' : `head_aux${k}`,
        })
        .apply(embedding) as tfl.SymbolicTensor,
    );
    this.net = tfl.model({ inputs: input, outputs: [embedding, ...heads] });
  }

  get headCount(): number {
    return this.spec.auxHeads + 1;
  }

  get embeddingSize(): number {
    const shape = this.net.outputs[0].shape;
    return shape[shape.length - 1] as number;
  }

  /** Forward pass; tensors belong to the caller's tidy scope. */
  forward(x: tf.Tensor, training: boolean): ForwardResult {
    const out = this.net.apply(x, { training }) as tf.Tensor[];
    return { embedding: out[0] as tf.Tensor2D, logits: out.slice(1) as tf.Tensor2D[] };
  }

  trainableVariables(): tf.Variable[] {
    return this.net.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** Every weight as a copy, in a fixed order: checkpoints and the gossip baseline use this. */
  getWeights(): { name: string; shape: number[]; values: Float32Array }[] {
    return this.net.weights.map((w) => {
      const t = w.read();
      return { name: w.name, shape: t.shape, values: t.dataSync() as Float32Array };
    });
  }

  setWeights(weights: { name: string; shape: number[]; values: Float32Array }[]): void {
    const own = this.net.weights;
    if (weights.length !== own.length) throw new Error(`weights have ${weights.length} tensors, the model ${own.length}`);
    const tensors = weights.map((w, i) => {
      const expected = own[i].shape.join('x');
      if (w.shape.join('x') !== expected) throw new Error(`weight ${i} (${own[i].name}) has shape ${w.shape.join('x')}, expected ${expected}`);
      return tf.tensor(w.values, w.shape);
    });
    this.net.setWeights(tensors);
    tf.dispose(tensors);
  }

  dispose(): void {
    this.net.dispose();
  }
}
