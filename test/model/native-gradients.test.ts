// The native backend (tfjs-node, libtensorflow with oneDNN) and wasm must compute the same gradients as
// the pure-JS cpu backend for every model the project ships: each backbone under a multi-head model
// with auxiliary heads, on the full MHD loss (cross-entropy, tempered distillation per head, embedding
// distillation). Weights and inputs cross between backends as plain arrays.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/data/random.ts';
import { crossEntropy, embeddingLoss, temperedKl } from '../../src/learning/losses.ts';
import { parseBackendName, selectBackend, TFJS_BACKEND_ID, tf } from '../../src/model/backend.ts';
import { BACKBONES, type BackboneName } from '../../src/model/backbones.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';

const AUX = 2;
const CLASSES = 10;
const BATCH = 4;

interface Problem {
  x: Float32Array;
  labels: Float32Array;
  targets: Float32Array[];
  mask: Float32Array;
  embeddingTarget: Float32Array;
}

function softmaxRows(values: number[], cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < values.length / cols; r++) {
    const row = values.slice(r * cols, (r + 1) * cols).map(Math.exp);
    const sum = row.reduce((a, b) => a + b, 0);
    row.forEach((v, c) => (out[r * cols + c] = v / sum));
  }
  return out;
}

function problem(embeddingSize: number): Problem {
  const rng = createRng(42);
  const labels = new Float32Array(BATCH * CLASSES);
  for (let i = 0; i < BATCH; i++) labels[i * CLASSES + ((i * 3) % CLASSES)] = 1;
  return {
    x: Float32Array.from({ length: BATCH * 28 * 28 }, () => rng.next()),
    labels,
    targets: Array.from({ length: AUX + 1 }, () => softmaxRows(Array.from({ length: BATCH * CLASSES }, () => 3 * rng.normal()), CLASSES)),
    mask: Float32Array.from([1, 1, 0, 1]),
    embeddingTarget: Float32Array.from({ length: BATCH * embeddingSize }, () => rng.next()),
  };
}

interface Result {
  loss: number;
  grads: { name: string; values: Float32Array }[];
}

/** Builds the model on `backend`, loads `weights` into it and returns the loss and every gradient. */
async function gradients(backend: string, backbone: BackboneName, weights: ReturnType<MultiHeadModel['getWeights']> | undefined): Promise<Result & { weights: ReturnType<MultiHeadModel['getWeights']> }> {
  await selectBackend(backend);
  expect(tf.getBackend()).toBe(TFJS_BACKEND_ID[parseBackendName(backend)]);
  const model = new MultiHeadModel({ backbone, auxHeads: AUX, classes: CLASSES, inputShape: [28, 28, 1], seed: 3 });
  if (weights) model.setWeights(weights);
  const p = problem(model.embeddingSize);
  const vars = model.trainableVariables();
  const result = tf.tidy(() => {
    const x = tf.tensor4d(p.x, [BATCH, 28, 28, 1]);
    const y = tf.tensor2d(p.labels, [BATCH, CLASSES]);
    const mask = tf.tensor1d(p.mask);
    const embTarget = tf.tensor2d(p.embeddingTarget, [BATCH, model.embeddingSize]);
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(x, true);
      let total = crossEntropy(out.logits[0], y);
      out.logits.forEach((logits, k) => {
        total = tf.add(total, temperedKl(logits, tf.tensor2d(p.targets[k], [BATCH, CLASSES]), mask, 2));
      });
      return tf.add(total, embeddingLoss(out.embedding, embTarget));
    }, vars);
    return { loss: value.dataSync()[0], grads: vars.map((v) => ({ name: v.name, values: grads[v.name].dataSync() as Float32Array })) };
  });
  const own = model.getWeights();
  model.dispose();
  return { ...result, weights: own };
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

let nativeProblem: string | undefined;
try {
  await selectBackend('node');
} catch (err) {
  nativeProblem = (err as Error).message.split('\n')[0];
}

const cases: { backend: string; skip?: string }[] = [
  { backend: 'node', skip: nativeProblem && `skipped: ${nativeProblem}; \`npm run setup:native\` builds it` },
  { backend: 'wasm' },
];

for (const c of cases) {
  describe.skipIf(c.skip !== undefined)(`${c.backend} gradients equal cpu's${c.skip ? ` (${c.skip})` : ''}`, () => {
    for (const backbone of BACKBONES) {
      it(`${backbone} with ${AUX} auxiliary heads, on the MHD loss`, async () => {
        const cpu = await gradients('cpu', backbone, undefined);
        const other = await gradients(c.backend, backbone, cpu.weights);
        expect(other.loss).toBeCloseTo(cpu.loss, 4);
        expect(other.grads.length).toBe(cpu.grads.length);
        // A kernel and a bias per weighted layer, then all heads' kernel and bias as one pair.
        expect(cpu.grads.length).toBe(2 * (backbone === 'cnn' ? 3 : backbone === 'mlp' ? 2 : 1) + 2);
        for (const [i, g] of cpu.grads.entries()) {
          const scale = maxAbs(g.values);
          expect(scale, `${g.name} has a gradient`).toBeGreaterThan(0);
          // float32 through different kernels (oneDNN, XNNPACK, plain JS): measured within 1.5e-6 of the
          // largest entry on every weight; a wrong kernel is off by far more than this bound.
          expect(maxDiff(other.grads[i].values, g.values) / scale, g.name).toBeLessThan(1e-4);
        }
      });
    }
  });
}
