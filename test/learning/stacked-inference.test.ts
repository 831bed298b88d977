// Stacked inference is each agent's own inference: every requested slot's softmax, argmax and embedding
// equal those of a lone model with the slot's weights, for any subset of slots and over several passes.
// The batcher computes the agents that ask for the same rows together, and the others apart.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/data/random.ts';
import { modelInference, type InferenceRequest } from '../../src/learning/inference.ts';
import { stackedInference } from '../../src/learning/stacked-inference.ts';
import { StepBatcher } from '../../src/learning/step-batcher.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { MultiHeadModel, type MultiHeadSpec } from '../../src/model/multi-head.ts';
import { StackedModel } from '../../src/model/stacked-model.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';

await selectBackend(TEST_BACKEND);

const SHAPE = [4, 4, 1] as const;
const SIZE = 16;
const spec = (seed: number): MultiHeadSpec => ({ backbone: 'mlp-small', auxHeads: 2, classes: 5, inputShape: SHAPE, seed });
const rng = createRng(7);
// More rows than one pass (2,000), so that a second pass fills the tail.
const N = 2300;
const pixels = Uint8Array.from({ length: N * SIZE }, () => rng.int(256));
const rows = Array.from({ length: 2100 }, (_, i) => (i * 7) % N);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('stacked inference', () => {
  it('gives every requested slot what a lone model of its weights gives', async () => {
    const lone = [11, 12, 13, 14].map((s) => new MultiHeadModel(spec(s)));
    const stack = new StackedModel(spec(0));
    stack.addSlots(lone);
    const slots = [3, 0, 2];
    const probs: InferenceRequest = { input: { pixels, imageSize: SIZE, rows }, output: 'probs', embedding: true };
    const classes: InferenceRequest = { ...probs, output: 'classes', embedding: false };
    const [sp, sc] = [await stackedInference(stack, slots, probs), await stackedInference(stack, slots, classes)];
    for (const [i, slot] of slots.entries()) {
      const [p, c] = [await modelInference(lone[slot], probs), await modelInference(lone[slot], classes)];
      expect(maxDiff(sp[i].probs!, p.probs!)).toBeLessThan(1e-5);
      expect(maxDiff(sp[i].embedding!, p.embedding!)).toBeLessThan(1e-4);
      expect(sc[i].embedding).toBeUndefined();
      // argmax agrees wherever the lone model's top two logits are not a float tie
      const agree = sc[i].classes!.filter((k, j) => k === c.classes![j]).length;
      expect(agree / c.classes!.length).toBeGreaterThan(0.999);
    }
    // the slots differ from one another, so a mix-up of slots would not pass unseen
    expect(maxDiff(sp[0].probs!, sp[1].probs!)).toBeGreaterThan(1e-3);
    stack.dispose();
    lone.forEach((m) => m.dispose());
  });
});

describe('batched inference', () => {
  it('computes the agents that ask for the same rows together, and other rows apart', async () => {
    const b = new StepBatcher({ gatherMs: 20 });
    const [x, y, z] = [b.join(spec(1), 'adam')!, b.join(spec(2), 'adam')!, b.join(spec(3), 'adam')!];
    const req = (r: number[]): InferenceRequest => ({ input: { pixels, imageSize: SIZE, rows: r }, output: 'probs', embedding: false });
    // the same rows in arrays of their own, as two agents would hold them
    const [rx, ry, rz] = await Promise.all([x.infer(req([1, 2, 3])), y.infer(req([1, 2, 3])), z.infer(req([4, 5]))]);
    expect(b.stats.inference).toEqual({ computations: 2, slots: 3 });
    expect(rx.probs).toHaveLength(3 * 3 * 5);
    expect(maxDiff(rx.probs!, ry.probs!)).toBeGreaterThan(1e-4);
    expect(rz.probs).toHaveLength(3 * 2 * 5);
    // one agent of three asking waits out the window for the others, then goes alone
    const t0 = performance.now();
    const alone = await x.infer(req([1, 2, 3]));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
    expect(Array.from(alone.probs!)).toEqual(Array.from(rx.probs!));
    expect(b.stats.inference).toEqual({ computations: 3, slots: 4 });
    [x, y, z].forEach((s) => s.release());
  });
});
