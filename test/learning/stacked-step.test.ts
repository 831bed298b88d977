// A stacked update of many agents is each agent's own update: with the same seeds, weights and batches,
// stackedTrainStep leaves every slot where trainStep leaves a lone model (to float tolerance), with every
// loss field in play and batches of different sizes; a slot without a step keeps its weights and its
// optimizer state, so that it later continues exactly as a model that was never stacked.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/data/random.ts';
import { FlatOptimizer, type OptimizerKind } from '../../src/learning/flat-optimizer.ts';
import { StackedOptimizer, stackedTrainStep, type SlotStep } from '../../src/learning/stacked-step.ts';
import { trainStep, type LossTerms, type LossWeights, type StepBatch } from '../../src/learning/step.ts';
import { selectBackend, tf } from '../../src/model/backend.ts';
import { MultiHeadModel, type MultiHeadSpec } from '../../src/model/multi-head.ts';
import { StackedModel, stackable } from '../../src/model/stacked-model.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';

await selectBackend(TEST_BACKEND);

const C = 5;
const SHAPE = [6, 6, 1] as const;
const SIZE = 36;
const spec = (backbone: 'mlp' | 'mlp-small', seed: number): MultiHeadSpec => ({ backbone, auxHeads: 2, classes: C, inputShape: SHAPE, seed });

/** A batch of P private and U public rows, targets on every auxiliary head, a gate that drops some rows. */
function batch(seed: number, P: number, U: number, embeddingSize: number): StepBatch {
  const rng = createRng(seed);
  const row = (n: number) => Float32Array.from({ length: n }, () => rng.next());
  const dist = () => {
    const t = row(U * C);
    for (let u = 0; u < U; u++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += t[u * C + c];
      for (let c = 0; c < C; c++) t[u * C + c] /= s;
    }
    return t;
  };
  return {
    x: row((P + U) * SIZE),
    labels: Uint8Array.from({ length: P }, () => rng.int(C)),
    publicRows: U,
    headTargets: U === 0 ? [] : [{ targets: dist(), mask: Float32Array.from({ length: U }, (_, u) => (u % 3 === 1 ? 0 : 1)) }, { targets: dist(), mask: new Float32Array(U).fill(1) }, { targets: dist(), mask: Float32Array.from({ length: U }, (_, u) => (u % 2 === 0 ? 1 : 0)) }],
    embeddingTarget: U === 0 ? undefined : row(U * embeddingSize),
  };
}

const weights: LossWeights[] = [
  { nu0: 0, nuAux: 1, nuEmb: 0, temperature: 1, auxLabels: true },
  { nu0: 0.5, nuAux: 2, nuEmb: 0.3, temperature: 2.5, auxLabels: false },
  { nu0: 1, nuAux: 0.7, nuEmb: 0, temperature: 1, auxLabels: false },
];
const rows: [number, number][] = [
  [4, 6],
  [3, 6],
  [5, 0],
];
const rates = [0.01, 0.003, 0.02];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function expectTermsClose(a: LossTerms, b: LossTerms): void {
  expect(Math.abs(a.total - b.total)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b.total)));
  expect(Math.abs(a.ce - b.ce)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b.ce)));
  expect(maxDiff(a.distill, b.distill)).toBeLessThan(1e-4);
  expect(Math.abs(a.embedding - b.embedding)).toBeLessThan(1e-5);
}

describe('stacked training step', () => {
  it('stacks dense backbones only', () => {
    expect(stackable(spec('mlp', 1))).toBe(true);
    expect(stackable({ backbone: 'cnn', inputShape: [28, 28, 1] })).toBe(false);
  });

  for (const backbone of ['mlp', 'mlp-small'] as const) {
    for (const kind of ['adam', 'sgd'] as OptimizerKind[]) {
      it(`${backbone}, ${kind}: every slot ends where its lone model does; a slot without steps does not move`, () => {
        const before = tf.memory().numTensors;
        const lone = [0, 1, 2].map((i) => new MultiHeadModel(spec(backbone, 10 + i)));
        const opts = lone.map((m, i) => new FlatOptimizer(kind, rates[i], m.trainableVariables()));
        const stacked = new StackedModel(spec(backbone, 0));
        const init = [0, 1, 2].map((i) => new MultiHeadModel(spec(backbone, 10 + i)));
        stacked.addSlots(init);
        init.forEach((m) => m.dispose());
        const so = new StackedOptimizer(kind);
        so.resetSlots(stacked, 0);
        const E = lone[0].embeddingSize;
        // Steps 0-2: every slot; steps 3-4: slot 1 sits out (an agent exchanging); step 5: all again.
        const active = (s: number) => (s === 3 || s === 4 ? [0, 2] : [0, 1, 2]);
        for (let s = 0; s < 6; s++) {
          const who = active(s);
          const steps: SlotStep[] = who.map((i) => ({ slot: i, batch: batch(100 * s + i, rows[i][0], rows[i][1], E), weights: weights[i], learningRate: rates[i] }));
          const slot1Before = s === 3 ? stacked.getWeights(1) : undefined;
          const got = stackedTrainStep(stacked, so, steps);
          steps.forEach((st, k) => expectTermsClose(got[k], trainStep(lone[st.slot], opts[st.slot], st.batch, st.weights)));
          if (slot1Before) stacked.getWeights(1).forEach((w, j) => expect(maxDiff(w.values, slot1Before[j].values)).toBe(0));
        }
        for (let i = 0; i < 3; i++) {
          const want = lone[i].getWeights();
          stacked.getWeights(i).forEach((w, j) => {
            expect(w.name).toBe(want[j].name);
            expect(maxDiff(w.values, want[j].values)).toBeLessThan(1e-4);
          });
        }
        lone.forEach((m) => m.dispose());
        opts.forEach((o) => o.dispose());
        so.dispose();
        stacked.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it('a slot written with setWeights holds them; the others are untouched', () => {
    const stacked = new StackedModel(spec('mlp-small', 0));
    const init = [1, 2, 3].map((s) => new MultiHeadModel(spec('mlp-small', s)));
    stacked.addSlots(init);
    const target = new MultiHeadModel(spec('mlp-small', 99));
    stacked.setWeights(1, target.getWeights());
    [init[0], target, init[2]].forEach((m, i) => stacked.getWeights(i).forEach((w, j) => expect(maxDiff(w.values, m.getWeights()[j].values)).toBe(0)));
    [...init, target].forEach((m) => m.dispose());
    stacked.dispose();
  });
});
