// Many models of one dense backbone as one: every trainable variable of MultiHeadModel stacked along a
// new first axis, one slot per model, so that a worker's co-located agents run one forward and backward
// pass for all of them (docs/DESIGN.md, "Batched agents"). Kernels are [slots, in, out] and biases
// [slots, 1, out]: tfjs's batched matmul takes rank-3 operands, and the bias then broadcasts per slot.
// A slot is read and written through a scratch MultiHeadModel of the same spec, so that naming,
// checkpoints and inference stay exactly the single model's code.
import { tf } from './backend.ts';
import { backboneLayers } from './backbones.ts';
import { MultiHeadModel, type ForwardAll, type MultiHeadSpec, type NamedWeights } from './multi-head.ts';
import { stackedDense } from './lean-ops.ts';

/** Whether models of this spec can be stacked: backbones of dense layers only (tfjs has no grouped convolution). */
export function stackable(spec: Pick<MultiHeadSpec, 'backbone' | 'inputShape'>): boolean {
  return backboneLayers(spec.backbone, spec.inputShape).every((l) => l.kind === 'dense' || l.kind === 'flatten');
}

/** The shape of one slot's part in the stack: dense kernels [in, out], biases [1, out]. */
function slotShape(v: tf.Variable): [number, number] {
  return v.rank === 1 ? [1, v.shape[0]] : [v.shape[v.rank - 2], v.shape[v.rank - 1]];
}

export class StackedModel {
  readonly spec: Omit<MultiHeadSpec, 'seed'>;
  /** Reads and writes one slot; its own weights mean nothing between calls. */
  readonly scratch: MultiHeadModel;
  private readonly shapes: [number, number][];
  private readonly activations: ('relu' | 'linear')[];
  private parts: tf.Variable[] = [];
  private slotCount = 0;

  constructor(spec: Omit<MultiHeadSpec, 'seed'>) {
    if (!stackable(spec)) throw new Error(`backbone ${spec.backbone} has layers other than dense ones: it cannot be stacked`);
    this.spec = spec;
    this.scratch = new MultiHeadModel({ ...spec, seed: 0 });
    this.shapes = this.scratch.trainableVariables().map(slotShape);
    const dense = backboneLayers(spec.backbone, spec.inputShape).flatMap((l) => (l.kind === 'dense' ? [l.activation] : []));
    this.activations = [...dense, 'linear'];
  }

  get slots(): number {
    return this.slotCount;
  }

  get embeddingSize(): number {
    return this.scratch.embeddingSize;
  }

  get headCount(): number {
    return this.scratch.headCount;
  }

  /** The stacked variables, [slots, ...slotShape] each, in MultiHeadModel's order. */
  variables(): readonly tf.Variable[] {
    return this.parts;
  }

  /** Adds slots holding these models' variables (each in `trainableVariables()` order); returns the first new index. */
  addSlots(models: readonly MultiHeadModel[]): number {
    const first = this.slotCount;
    if (models.length === 0) return first;
    const next = tf.tidy(() =>
      this.shapes.map((shape, i) => {
        const added = models.map((m) => tf.reshape(m.trainableVariables()[i], [1, ...shape]));
        const all = this.parts.length > 0 ? [this.parts[i], ...added] : added;
        // A concat of one tensor would be a view of it, keeping its buffer's shape on wasm (see loadScratch).
        return all.length > 1 ? tf.concat(all, 0) : tf.tensor(all[0].dataSync(), all[0].shape);
      }),
    );
    const old = this.parts;
    this.parts = next.map((t) => {
      const v = tf.variable(t);
      t.dispose();
      return v;
    });
    tf.dispose(old);
    this.slotCount += models.length;
    return first;
  }

  /** Slot `slot`'s parameters in the scratch model (inference and weights go through it). */
  loadScratch(slot: number): MultiHeadModel {
    this.checkSlot(slot);
    // Each tensor is a slice's own output in the variable's shape: wasm keeps a buffer's shape with the
    // buffer, so a reshaped view would reach its kernels as [1, 1, out] where a bias must be [out].
    tf.tidy(() =>
      this.scratch.loadVariables(
        this.scratch.trainableVariables().map((v, i) => {
          const [r, c] = this.shapes[i];
          const p = this.parts[i];
          return v.rank === 1 ? tf.slice(tf.reshape(p, [-1]), slot * r * c, r * c) : tf.slice(p, [slot, 0, 0], [1, r, c]);
        }),
      ),
    );
    return this.scratch;
  }

  /**
   * Loads `count` slots one after another into the scratch model. wasm's slice copies the whole input
   * out of its heap for every slice (tfjs-backend-wasm's `slice` reads all of x), so one slot's load
   * costs the whole stack's copy there (29 ms at 64 agents of the default MLP, against 0.3 ms on
   * native); on wasm many slots are therefore read from one copy of every variable.
   */
  slotLoader(count: number): (slot: number) => MultiHeadModel {
    if (tf.getBackend() !== 'wasm' || count < 2) return (slot) => this.loadScratch(slot);
    const all = this.parts.map((p) => p.dataSync() as Float32Array);
    return (slot) => {
      this.checkSlot(slot);
      tf.tidy(() =>
        this.scratch.loadVariables(
          this.scratch.trainableVariables().map((v, i) => {
            const size = this.shapes[i][0] * this.shapes[i][1];
            return tf.tensor(all[i].subarray(slot * size, (slot + 1) * size), v.shape);
          }),
        ),
      );
      return this.scratch;
    };
  }

  getWeights(slot: number): NamedWeights[] {
    return this.loadScratch(slot).getWeights();
  }

  /** Replaces slot `slot`'s parameters (checked by MultiHeadModel.setWeights); other slots keep theirs. */
  setWeights(slot: number, weights: readonly NamedWeights[]): void {
    this.checkSlot(slot);
    this.scratch.setWeights(weights);
    tf.tidy(() => {
      const mask = tf.tensor3d(Array.from({ length: this.slotCount }, (_, i) => i === slot), [this.slotCount, 1, 1], 'bool');
      this.scratch.trainableVariables().forEach((v, i) => this.parts[i].assign(tf.where(mask, tf.broadcastTo(tf.reshape(v, [1, ...this.shapes[i]]), this.parts[i].shape), this.parts[i])));
    });
  }

  /**
   * Every slot's embedding and logits from x [slots, rows, in] (each slot its own rows), with `params`
   * standing for the stacked variables (the gradient is taken with respect to them).
   */
  forwardAll(x: tf.Tensor3D, params: readonly tf.Tensor[] = this.parts): ForwardAll {
    let h = x;
    const layers = this.activations.length;
    for (let l = 0; l < layers - 1; l++) h = stackedDense(h, params[2 * l] as tf.Tensor3D, params[2 * l + 1] as tf.Tensor3D, this.activations[l], l === 0);
    const embedding = h;
    const logits = stackedDense(embedding, params[2 * layers - 2] as tf.Tensor3D, params[2 * layers - 1] as tf.Tensor3D, 'linear');
    return { embedding, logits };
  }

  private checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slotCount) throw new Error(`slot ${slot} is not one of the ${this.slotCount} stacked models`);
  }

  dispose(): void {
    tf.dispose(this.parts);
    this.parts = [];
    this.scratch.dispose();
  }
}
