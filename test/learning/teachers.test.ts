import { describe, expect, it } from 'vitest';
import { chooseTargets, priorCorrected, PRIOR_FLOOR, targetsForHeads } from '../../src/learning/teachers.ts';
import { PROBABILITY_FLOOR } from '../../src/network/predictions-codec.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';

const f32 = (rows: number[][]) => Float32Array.from(rows.flat());

// Two samples, three classes.
const A = f32([[0.8, 0.1, 0.1], [0.4, 0.3, 0.3]]);
const B = f32([[0.2, 0.6, 0.2], [0.1, 0.1, 0.8]]);

describe('teacher rules', () => {
  it('most-confident picks, per sample, the candidate with the largest max-probability', () => {
    const r = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule: 'most-confident' });
    expect(Array.from(r.targets)).toEqual(Array.from(f32([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])));
    expect(Array.from(r.mask)).toEqual([1, 1]);
  });

  it('mean averages the candidates', () => {
    const r = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule: 'mean' });
    [0.5, 0.35, 0.15, 0.25, 0.2, 0.55].forEach((v, i) => expect(r.targets[i]).toBeCloseTo(v, 6));
  });

  it('confidence-weighted weights each candidate by its max-probability', () => {
    const r = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule: 'confidence-weighted' });
    // sample 0: weights 0.8 and 0.6 -> (0.8*A + 0.6*B) / 1.4
    expect(r.targets[0]).toBeCloseTo((0.8 * 0.8 + 0.6 * 0.2) / 1.4, 6);
    expect(r.targets[1]).toBeCloseTo((0.8 * 0.1 + 0.6 * 0.6) / 1.4, 6);
    // sample 1: weights 0.4 and 0.8
    expect(r.targets[5]).toBeCloseTo((0.4 * 0.3 + 0.8 * 0.8) / 1.2, 6);
  });

  describe('prior correction', () => {
    // A teacher trained on class 0 alone says "0" to everything; a balanced one is right, less loudly.
    // A chunk of N = 40 rows: these four, ten times over (the prior's 3 uniform rows weigh 3 / 43).
    const N = 40;
    const tenTimes = (rows: number[][]) => f32(Array.from({ length: N }, (_, i) => rows[i % 4]));
    const skewed = tenTimes([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.9, 0.05, 0.05]]);
    const balanced = tenTimes([[0.7, 0.2, 0.1], [0.1, 0.7, 0.2], [0.2, 0.1, 0.7], [0.6, 0.3, 0.1]]);
    const argmax = (t: Float32Array, s: number) => [0, 1, 2].reduce((b, c) => (t[s * 3 + c] > t[s * 3 + b] ? c : b), 0);

    it('divides each row by the mean prediction over the chunk and one uniform row per class (plus the floor), and renormalises', () => {
      const out = priorCorrected(skewed, N, 3);
      // The prior: (N rows + 3 uniform rows) / (N + 3).
      const m = [(N * 0.9 + 1) / (N + 3), (N * 0.05 + 1) / (N + 3), (N * 0.05 + 1) / (N + 3)];
      const w = [0.9 / (m[0] + PRIOR_FLOOR), 0.05 / (m[1] + PRIOR_FLOOR), 0.05 / (m[2] + PRIOR_FLOOR)];
      const z = w[0] + w[1] + w[2];
      for (let s = 0; s < 4; s++) w.forEach((v, c) => expect(out[s * 3 + c]).toBeCloseTo(v / z, 6));
      // A teacher whose predictions average to the uniform prior is left as it is.
      const even = f32([[0.6, 0.3, 0.1], [0.1, 0.6, 0.3], [0.3, 0.1, 0.6]]);
      const same = priorCorrected(even, 3, 3);
      even.forEach((v, i) => expect(same[i]).toBeCloseTo(v, 6));
      // Power 2 divides by the square of the same divisor.
      const squared = priorCorrected(skewed, N, 3, 2);
      const z2 = w[0] / (m[0] + PRIOR_FLOOR) + (2 * w[1]) / (m[1] + PRIOR_FLOOR);
      expect(squared[0]).toBeCloseTo(w[0] / (m[0] + PRIOR_FLOOR) / z2, 6);
      expect(squared[0]).toBeLessThan(out[0]);
    });

    it('a one-row chunk keeps its argmax: [0.6, 0.4] is not turned into [0.408, 0.592]', () => {
      const one = priorCorrected(f32([[0.6, 0.4]]), 1, 2, 2);
      expect(one[0]).toBeGreaterThan(one[1]);
      // Without the uniform rows the prior would be the row itself: 0.6 / 0.62^2 against 0.4 / 0.42^2.
      const selfDivided = [0.6 / (0.6 + PRIOR_FLOOR) ** 2, 0.4 / (0.4 + PRIOR_FLOOR) ** 2];
      expect(selfDivided[0] / (selfDivided[0] + selfDivided[1])).toBeCloseTo(0.408, 3);
    });

    it('a confident row sent as u8 (its small probabilities rounded to 0) is discounted as its f32 original is', () => {
      // A head that says class 0 to every sample of a 100-row chunk; u8 carries nothing under 1/510.
      const row = [0.9982, ...new Array(9).fill(0.0002)];
      const asF32 = f32(new Array(100).fill(row));
      const asU8 = f32(new Array(100).fill(row.map((p) => Math.round(p * 255) / 255)));
      const max = (t: Float32Array) => Math.max(...t.subarray(0, 10));
      expect(max(priorCorrected(asF32, 100, 10, 2))).toBeLessThan(0.5);
      // Zeros cannot be divided into anything: the row stays one-hot and looks sure.
      expect(max(priorCorrected(asU8, 100, 10, 2))).toBeGreaterThan(0.99);
      expect(max(priorCorrected(asU8, 100, 10, 2, PROBABILITY_FLOOR.u8))).toBeLessThan(0.5);
      expect(PROBABILITY_FLOOR.f32).toBe(0);
    });

    it('a loud one-class teacher wins every sample on raw confidence and none after the correction', () => {
      const raw = chooseTargets({ candidates: [skewed, balanced], samples: N, classes: 3, rule: 'most-confident' });
      expect([0, 1, 2, 3].map((s) => argmax(raw.targets, s))).toEqual([0, 0, 0, 0]);
      const fixed = chooseTargets({ candidates: [skewed, balanced], samples: N, classes: 3, rule: 'most-confident', priorCorrection: 1 });
      expect([0, 1, 2, 3].map((s) => argmax(fixed.targets, s))).toEqual([0, 1, 2, 0]);
      // The student learns the chosen teacher's corrected rows.
      const corrected = priorCorrected(balanced, N, 3);
      expect(Array.from(fixed.targets.subarray(3, 6))).toEqual(Array.from(corrected.subarray(3, 6)));
      for (let s = 0; s < 4; s++) expect(fixed.targets[s * 3] + fixed.targets[s * 3 + 1] + fixed.targets[s * 3 + 2]).toBeCloseTo(1, 6);
    });

    it('the gate compares the target with the student\'s corrected head, not its raw one', () => {
      // The student is the loud one-class model: raw, it beats every balanced target (0.9 > 0.7) and
      // nothing would be learnt; corrected, it is unsure (about 0.41) and the targets get through.
      const raw = chooseTargets({ candidates: [balanced], samples: N, classes: 3, rule: 'most-confident', gateAgainst: skewed });
      expect(raw.used).toBe(0);
      const fixed = chooseTargets({ candidates: [balanced], samples: N, classes: 3, rule: 'most-confident', gateAgainst: skewed, priorCorrection: 1 });
      expect(fixed.used).toBe(N);
    });

    it('targetsForHeads passes the policy on to every head', () => {
      const batch = (agent: string, probs: Float32Array): PredictionBatch => ({ agent, round: 0, chunkHash: 'c', heads: 2, classes: 3, samples: N, probs: Float32Array.from([...probs, ...probs]) });
      const policy = { rule: 'most-confident' as const, gateMain: false, gateAux: false, includeSelf: false };
      const own = batch('me', balanced);
      const heads = targetsForHeads(own, [batch('loud', skewed), batch('fair', balanced)], { ...policy, priorCorrection: 2 });
      for (const h of heads) expect([0, 1, 2, 3].map((s) => argmax(h.choice.targets, s))).toEqual([0, 1, 2, 0]);
      const plain = targetsForHeads(own, [batch('loud', skewed), batch('fair', balanced)], policy);
      for (const h of plain) expect([0, 1, 2, 3].map((s) => argmax(h.choice.targets, s))).toEqual([0, 0, 0, 0]);
    });
  });

  describe('weights (how much each candidate is believed)', () => {
    it('most-confident ranks by confidence times weight, and the gate sees the weighted confidence', () => {
      // B at weight 0.5: its 0.8 on sample 1 counts as 0.4, a tie with A's 0.4, which the first candidate wins
      const half = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule: 'most-confident', weights: [1, 0.5] });
      expect(Array.from(half.targets)).toEqual(Array.from(f32([[0.8, 0.1, 0.1], [0.4, 0.3, 0.3]])));
      const most = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule: 'most-confident', weights: [1, 0.6] });
      // 0.8 * 0.6 = 0.48 > 0.4: B still wins sample 1, its row learned as served
      expect(Array.from(most.targets.subarray(3, 6))).toEqual(Array.from(f32([[0.1, 0.1, 0.8]])));
      // the same win is gated by a student at 0.5: 0.48 < 0.5, so the row is dropped
      const gated = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule: 'most-confident', weights: [1, 0.6], gateAgainst: f32([[0.9, 0.05, 0.05], [0.5, 0.25, 0.25]]) });
      expect(Array.from(gated.mask)).toEqual([0, 0]);
      const unweighted = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule: 'most-confident', gateAgainst: f32([[0.9, 0.05, 0.05], [0.5, 0.25, 0.25]]) });
      expect(Array.from(unweighted.mask)).toEqual([0, 1]);
    });

    it('the mean rules mix by weight; a row nobody is believed on is no target', () => {
      const mean = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule: 'mean', weights: [0.75, 0.25] });
      [0.75 * 0.8 + 0.25 * 0.2, 0.75 * 0.1 + 0.25 * 0.6].forEach((v, i) => expect(mean.targets[i]).toBeCloseTo(v, 6));
      const none = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule: 'confidence-weighted', weights: [0, 0] });
      expect(Array.from(none.mask)).toEqual([0, 0]);
      expect(none.used).toBe(0);
    });

    it('weights of 1 choose exactly what no weights choose', () => {
      for (const rule of ['most-confident', 'mean', 'confidence-weighted'] as const) {
        const plain = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule, gateAgainst: B });
        const ones = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule, gateAgainst: B, weights: [1, 1] });
        expect(Array.from(ones.targets)).toEqual(Array.from(plain.targets));
        expect(Array.from(ones.mask)).toEqual(Array.from(plain.mask));
      }
    });
  });

  it('the gate drops exactly the samples where the student is more confident', () => {
    const student = f32([[0.9, 0.05, 0.05], [0.5, 0.25, 0.25]]);
    const r = chooseTargets({ candidates: [A, B], samples: 2, classes: 3, rule: 'most-confident', gateAgainst: student });
    // sample 0: best teacher 0.8 < student 0.9 -> dropped; sample 1: teacher 0.8 > student 0.5 -> kept
    expect(Array.from(r.mask)).toEqual([0, 1]);
    expect(r.used).toBe(1);
    expect(Array.from(r.targets.subarray(3, 6))).toEqual(Array.from(f32([[0.1, 0.1, 0.8]])));
  });
});

function batch(agent: string, heads: number[][][]): PredictionBatch {
  return { agent, round: 3, chunkHash: 'c', heads: heads.length, classes: 3, samples: 2, probs: f32(heads.flat()) };
}

describe('head chaining', () => {
  // Each agent's head h predicts a distinct, recognisable distribution.
  const own = batch('me', [
    [[0.5, 0.25, 0.25], [0.5, 0.25, 0.25]],
    [[0.34, 0.33, 0.33], [0.34, 0.33, 0.33]],
    [[0.34, 0.33, 0.33], [0.34, 0.33, 0.33]],
  ]);
  const nb = batch('nb', [
    [[0.7, 0.2, 0.1], [0.7, 0.2, 0.1]],
    [[0.1, 0.7, 0.2], [0.1, 0.7, 0.2]],
    [[0.1, 0.2, 0.7], [0.1, 0.2, 0.7]],
  ]);
  const policy = { rule: 'most-confident' as const, gateMain: false, gateAux: false, includeSelf: false };

  it("head k's target comes from the neighbours' head k-1, head 0's from head 0", () => {
    const t = targetsForHeads(own, [nb], policy);
    expect(t.map((h) => h.head)).toEqual([0, 1, 2]);
    expect(Array.from(t[0].choice.targets.subarray(0, 3))).toEqual(Array.from(f32([[0.7, 0.2, 0.1]])));
    expect(Array.from(t[1].choice.targets.subarray(0, 3))).toEqual(Array.from(f32([[0.7, 0.2, 0.1]])));
    expect(Array.from(t[2].choice.targets.subarray(0, 3))).toEqual(Array.from(f32([[0.1, 0.7, 0.2]])));
  });

  it("includeSelf adds the agent's own head k-1 as a candidate for head k >= 1", () => {
    const confidentSelf = batch('me', [
      [[0.95, 0.05, 0], [0.95, 0.05, 0]],
      [[0.34, 0.33, 0.33], [0.34, 0.33, 0.33]],
      [[0.34, 0.33, 0.33], [0.34, 0.33, 0.33]],
    ]);
    const t = targetsForHeads(confidentSelf, [nb], { ...policy, includeSelf: true });
    expect(t[0].teachers).toEqual(['nb']);
    expect(t[1].teachers).toEqual(['nb', 'self']);
    // own head 0 (0.95) beats the neighbour's head 0 (0.7) for head 1
    expect(t[1].choice.targets[0]).toBeCloseTo(0.95, 6);
    expect(t[1].choice.targets[3]).toBeCloseTo(0.95, 6);
    // for head 2, the neighbour's head 1 (0.7) beats own head 1 (0.34)
    expect(Array.from(t[2].choice.targets)).toEqual(Array.from(f32([[0.1, 0.7, 0.2], [0.1, 0.7, 0.2]])));
  });

  it("auxTeacher same: head k learns from the neighbours' head k, and includeSelf still offers own head k-1", () => {
    const t = targetsForHeads(own, [nb], { ...policy, auxTeacher: 'same' });
    expect(Array.from(t[1].choice.targets.subarray(0, 3))).toEqual(Array.from(f32([[0.1, 0.7, 0.2]])));
    expect(Array.from(t[2].choice.targets.subarray(0, 3))).toEqual(Array.from(f32([[0.1, 0.2, 0.7]])));
    const confidentSelf = batch('me', [
      [[0.95, 0.05, 0], [0.95, 0.05, 0]],
      [[0.34, 0.33, 0.33], [0.34, 0.33, 0.33]],
      [[0.34, 0.33, 0.33], [0.34, 0.33, 0.33]],
    ]);
    const withSelf = targetsForHeads(confidentSelf, [nb], { ...policy, auxTeacher: 'same', includeSelf: true });
    expect(withSelf[1].teachers).toEqual(['nb', 'self']);
    expect(withSelf[1].choice.targets[0]).toBeCloseTo(0.95, 6);
  });

  it('a neighbour with fewer heads lends its last head; mismatched chunks are refused', () => {
    const short = batch('short', [[[0.6, 0.3, 0.1], [0.6, 0.3, 0.1]]]);
    const t = targetsForHeads(own, [short], policy);
    expect(t[2].choice.targets[0]).toBeCloseTo(0.6, 6);
    expect(() => targetsForHeads(own, [{ ...nb, chunkHash: 'other' }], policy)).toThrow(/another chunk/);
  });
});
