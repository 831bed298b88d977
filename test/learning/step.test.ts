// The lean step computes the same loss and the same gradients as the plain per-head formulation it
// replaced (plain tfjs ops, written here from docs/DESIGN.md's terms, on variables holding the same
// weights), on every backbone and with every loss field in play; its flat Adam and SGD update exactly
// as tfjs's own optimizers; and its loss terms equal numbers worked out by hand.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/data/random.ts';
import { FlatOptimizer } from '../../src/learning/flat-optimizer.ts';
import { headLosses, lossPlan } from '../../src/learning/loss-plan.ts';
import { crossEntropy, embeddingLoss, temperedKl } from '../../src/learning/losses.ts';
import { lossAndGradients, type LossTerms, type LossWeights, type StepBatch } from '../../src/learning/step.ts';
import { selectBackend, tf } from '../../src/model/backend.ts';
import { backboneLayers, BACKBONES, type BackboneName } from '../../src/model/backbones.ts';
import { MultiHeadModel, type NamedWeights } from '../../src/model/multi-head.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';

await selectBackend(TEST_BACKEND);

const C = 10;
const AUX = 2;
const P = 4;
const U = 6;

/** The loss of the per-head formulation, on plain ops over variables made from `weights`. */
function reference(backbone: BackboneName, weights: NamedWeights[], batch: StepBatch, w: LossWeights, embSize: number) {
  const vars = weights.map((x) => tf.variable(tf.tensor(x.values, x.shape)));
  const plans = backboneLayers(backbone, [28, 28, 1]);
  const f = () => {
    let h: tf.Tensor = tf.tensor4d(batch.x, [P + U, 28, 28, 1]);
    let i = 0;
    for (const plan of plans) {
      if (plan.kind === 'flatten') h = tf.reshape(h, [P + U, -1]);
      else if (plan.kind === 'pool') h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
      else if (plan.kind === 'conv') h = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, vars[i++] as tf.Tensor4D, 1, 'same'), vars[i++]));
      else h = tf.relu(tf.add(tf.matMul(h as tf.Tensor2D, vars[i++] as tf.Tensor2D), vars[i++]));
    }
    const emb = h as tf.Tensor2D;
    const logits = Array.from({ length: AUX + 1 }, () => tf.add(tf.matMul(emb, vars[i++] as tf.Tensor2D), vars[i++]) as tf.Tensor2D);
    const y = tf.oneHot(tf.tensor1d(Array.from(batch.labels), 'int32'), C) as tf.Tensor2D;
    const priv = (t: tf.Tensor2D) => tf.slice(t, [0, 0], [P, -1]);
    const pub = (t: tf.Tensor2D) => tf.slice(t, [P, 0], [U, -1]);
    let total: tf.Scalar = crossEntropy(priv(logits[0]), y);
    if (w.auxLabels) for (let k = 1; k <= AUX; k++) total = tf.add(total, crossEntropy(priv(logits[k]), y));
    logits.forEach((l, k) => {
      const t = batch.headTargets?.[k];
      const nu = k === 0 ? w.nu0 : w.nuAux;
      if (t && nu !== 0) total = tf.add(total, tf.mul(temperedKl(pub(l), tf.tensor2d(t.targets, [U, C]), tf.tensor1d(t.mask), w.temperature), nu));
    });
    if (batch.embeddingTarget && w.nuEmb > 0) total = tf.add(total, tf.mul(embeddingLoss(pub(emb), tf.tensor2d(batch.embeddingTarget, [U, embSize])), w.nuEmb));
    return total;
  };
  const { value, grads } = tf.variableGrads(f, vars);
  // A head that takes no term gets no gradient from the tape: zeros, as in the lean step's joint head tensor.
  const out = { loss: value.dataSync()[0], grads: vars.map((v) => (grads[v.name]?.dataSync() as Float32Array | undefined) ?? new Float32Array(v.size)) };
  tf.dispose([value, ...Object.values(grads), ...vars]);
  return out;
}

function problem(seed: number, embSize: number, withEmbedding: boolean): StepBatch {
  const rng = createRng(seed);
  const soft = () => {
    const t = Float32Array.from({ length: U * C }, () => rng.next() ** 3);
    for (let r = 0; r < U; r++) {
      const s = t.subarray(r * C, (r + 1) * C).reduce((a, b) => a + b, 0);
      for (let c = 0; c < C; c++) t[r * C + c] /= s;
    }
    return { targets: t, mask: Float32Array.from({ length: U }, (_, r) => (r % 3 === 1 ? 0 : 1)) };
  };
  return {
    x: Float32Array.from({ length: (P + U) * 784 }, () => rng.next()),
    labels: Uint8Array.from({ length: P }, () => rng.int(C)),
    publicRows: U,
    // Head 1 has no targets this round (a gate or a missing teacher); the others are masked in places.
    headTargets: [soft(), undefined, soft()],
    embeddingTarget: withEmbedding ? Float32Array.from({ length: U * embSize }, () => rng.next()) : undefined,
  };
}

const recipes: { label: string; w: LossWeights; embedding: boolean }[] = [
  { label: 'the default (auxLabels, nu0 = 0, tau = 1)', w: { nu0: 0, nuAux: 1, nuEmb: 0, temperature: 1, auxLabels: true }, embedding: false },
  { label: 'nu0 = 0.7, nuAux = 1.3, tau = 2.5, embeddings, no auxLabels', w: { nu0: 0.7, nuAux: 1.3, nuEmb: 0.4, temperature: 2.5, auxLabels: false }, embedding: true },
];

describe('the lean step against the per-head formulation', () => {
  for (const backbone of BACKBONES) {
    for (const r of recipes) {
      it(`${backbone}, ${r.label}: loss, terms and every gradient`, () => {
        const model = new MultiHeadModel({ backbone, auxHeads: AUX, classes: C, inputShape: [28, 28, 1], seed: 11 });
        const batch = problem(5, model.embeddingSize, r.embedding);
        const weights = model.getWeights();
        const ref = reference(backbone, weights, batch, r.w, model.embeddingSize);
        let lean!: { terms: LossTerms; grads: Float32Array[] };
        tf.tidy(() => {
          const { terms, grads } = lossAndGradients(model, batch, r.w);
          lean = { terms, grads: grads.map((g) => g.dataSync() as Float32Array) };
        });
        expect(lean.terms.total).toBeCloseTo(ref.loss, 4);
        expect(lean.terms.distill[1]).toBe(0);
        if (r.w.nu0 === 0) expect(lean.terms.distill[0]).toBe(0);
        else expect(lean.terms.distill[0]).toBeGreaterThan(0);
        // The lean model's variables: the layers' kernels and biases, then all heads' kernel and bias.
        const layers = weights.length - 2 * (AUX + 1);
        const e = model.embeddingSize;
        const leanPerTensor = [
          ...lean.grads.slice(0, layers),
          ...Array.from({ length: AUX + 1 }, (_, k) => [
            Float32Array.from({ length: e * C }, (_, j) => lean.grads[layers][Math.floor(j / C) * (AUX + 1) * C + k * C + (j % C)]),
            lean.grads[layers + 1].slice(k * C, (k + 1) * C),
          ]).flat(),
        ];
        leanPerTensor.forEach((g, i) => {
          const want = ref.grads[i];
          const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
          const worst = want.reduce((m, v, j) => Math.max(m, Math.abs(v - g[j])), 0);
          expect(worst / scale, `${weights[i].name}: max |diff| ${worst} of max |grad| ${scale}`).toBeLessThan(2e-4);
        });
        model.dispose();
      });
    }
  }
});

describe('flat optimizers', () => {
  for (const kind of ['adam', 'sgd'] as const) {
    it(`${kind}: three updates of two variables equal tfjs's own ${kind}`, () => {
      const init = [tf.tensor2d([[0.5, -1], [2, 0.25]]), tf.tensor1d([0.1, -0.3, 0.7])];
      const ours = init.map((t) => tf.variable(t.clone()));
      const theirs = init.map((t) => tf.variable(t.clone()));
      const flat = new FlatOptimizer(kind, 0.05, ours);
      const tfOpt = kind === 'adam' ? tf.train.adam(0.05) : tf.train.sgd(0.05);
      for (let s = 0; s < 3; s++) {
        const grads = [tf.tensor2d([[s + 1, -2], [0.5, s * 0.1]]), tf.tensor1d([-1, 0.2 * s, 3])];
        flat.apply(grads);
        tfOpt.applyGradients(theirs.map((v, i) => ({ name: v.name, tensor: grads[i] })));
        tf.dispose(grads);
      }
      ours.forEach((v, i) => {
        const a = v.dataSync();
        const b = theirs[i].dataSync();
        // Float32 rounding differs between the two orders of the same arithmetic: a few parts in a million.
        a.forEach((x, j) => expect(x).toBeCloseTo(b[j], 5));
      });
      expect(Array.from(ours[1].dataSync())).not.toEqual(Array.from(init[1].dataSync()));
      flat.dispose();
      tfOpt.dispose();
      tf.dispose([...init, ...ours, ...theirs]);
    });
  }
});

describe('loss terms by hand', () => {
  // Two classes, one private row with label 1 and logits [0, ln 3]: softmax [1/4, 3/4].
  // One public row, target [1/2, 1/2], at tau = 2: softmax(z / 2) = [1/(1+sqrt 3), sqrt 3/(1+sqrt 3)].
  const s3 = Math.sqrt(3);
  const q = [1 / (1 + s3), s3 / (1 + s3)];
  const kl = 0.5 * Math.log(0.5 / q[0]) + 0.5 * Math.log(0.5 / q[1]);
  const logits = [0, Math.log(3), 0, Math.log(3)];

  it('cross-entropy -ln(3/4) on the private row; nu0 and nuAux weigh their own heads; tau^2 on the KL', () => {
    const plan = lossPlan({ heads: 2, classes: 2, labels: [1], publicRows: 1, headTargets: [{ targets: Float32Array.of(0.5, 0.5), mask: Float32Array.of(1) }, { targets: Float32Array.of(0.5, 0.5), mask: Float32Array.of(1) }], nu0: 0.3, nuAux: 2, temperature: 2, auxLabels: false });
    expect(plan.ceHeads).toEqual([true, false]);
    expect(plan.distillWeight).toEqual([0.3, 2]);
    // Head h of row r: -sum_c W T log softmax(z / tau), with W = nu * tau^2 on the public row.
    const nll = (row: number, h: number, tau: number) => {
      const z = [logits[0] / tau, logits[1] / tau];
      const lse = Math.log(Math.exp(z[0]) + Math.exp(z[1]));
      return -Array.from({ length: 2 }, (_, c) => plan.weightedTargets[(row * 2 + h) * 2 + c] * (z[c] - lse)).reduce((a, b) => a + b, 0);
    };
    const perRowHead = [nll(0, 0, 1), nll(0, 1, 1), nll(1, 0, 2), nll(1, 1, 2)];
    const { ce, distill } = headLosses(plan, 1, perRowHead);
    expect(ce).toBeCloseTo(-Math.log(0.75), 6);
    expect(distill[0]).toBeCloseTo(4 * kl, 6);
    expect(distill[1]).toBeCloseTo(4 * kl, 6);
    // Swapping nu0 and nuAux changes which head's weight is which.
    expect(plan.weightedTargets[(1 * 2 + 0) * 2]).toBeCloseTo(0.3 * 4 * 0.5, 6);
    expect(plan.weightedTargets[(1 * 2 + 1) * 2]).toBeCloseTo(2 * 4 * 0.5, 6);
  });

  it('the teacher is tempered too: a student equal to its teacher at tau = 2 has no distillation loss', () => {
    const t = Float32Array.of(0.8, 0.15, 0.05);
    const z = Array.from(t, Math.log);
    const plan = lossPlan({ heads: 1, classes: 3, labels: [], publicRows: 1, headTargets: [{ targets: t, mask: Float32Array.of(1) }], nu0: 1, nuAux: 0, temperature: 2, auxLabels: false });
    const lse = Math.log(z.reduce((a, v) => a + Math.exp(v / 2), 0));
    const nll = -z.reduce((a, v, c) => a + plan.weightedTargets[c] * (v / 2 - lse), 0);
    expect(headLosses(plan, 0, [nll]).distill[0]).toBeCloseTo(0, 6);
    // The tempered target is t^(1/2) renormalised, weighted by nu0 tau^2 = 4.
    const root = Array.from(t, Math.sqrt);
    const sum = root.reduce((a, b) => a + b, 0);
    root.forEach((v, c) => expect(plan.weightedTargets[c]).toBeCloseTo((4 * v) / sum, 6));
  });

  it('a masked row and a head without targets carry no weight; labels outside the classes are refused', () => {
    const plan = lossPlan({ heads: 2, classes: 2, labels: [0], publicRows: 2, headTargets: [undefined, { targets: Float32Array.of(1, 0, 0, 1), mask: Float32Array.of(0, 1) }], nu0: 1, nuAux: 1, temperature: 1, auxLabels: true });
    expect(plan.ceHeads).toEqual([true, true]);
    expect(plan.distillWeight).toEqual([0, 1]);
    expect(Array.from(plan.weightSums)).toEqual([1, 1, 0, 0, 0, 1]);
    expect(plan.inverseTemperature).toBeUndefined();
    expect(() => lossPlan({ heads: 1, classes: 2, labels: [2], publicRows: 0, headTargets: [], nu0: 0, nuAux: 0, temperature: 1, auxLabels: false })).toThrow(/label 2 of private row 0/);
  });
});
