import { describe, expect, it } from 'vitest';
import { DEFAULT_TRUST, judgeNeighbour, separation, judgeRound, standing, updateTrust } from '../../src/learning/trust.ts';
import { constantRows, distortBatch, noiseRows, randomRows, shiftClasses } from '../../src/learning/adversary.ts';
import { formatBehaviour, parseAdversaryOption, parseBehaviour } from '../../src/topology/adversaries.ts';

/** Rows of `classes` values, one row per argument: [class, confidence] -> the rest spread evenly. */
function rows(classes: number, ...spec: [number, number][]): Float32Array {
  const out = new Float32Array(spec.length * classes);
  spec.forEach(([c, p], r) => {
    for (let k = 0; k < classes; k++) out[r * classes + k] = k === c ? p : (1 - p) / (classes - 1);
  });
  return out;
}

const P = { ...DEFAULT_TRUST, minSamples: 2 };

describe('separation', () => {
  // own: sure of class 0 three times and class 1 three times, unsure once
  const own = rows(3, [0, 0.95], [0, 0.95], [0, 0.95], [1, 0.95], [1, 0.95], [1, 0.95], [2, 0.5]);

  it('is 1 for a neighbour that separates the classes the agent is sure of, even when biased towards its own class', () => {
    // biased: always names class 2, but gives more of class 0 where class 0 is, and of 1 where 1 is
    const biased = new Float32Array([0.2, 0.1, 0.7, 0.2, 0.1, 0.7, 0.3, 0.1, 0.6, 0.1, 0.2, 0.7, 0.1, 0.3, 0.6, 0.1, 0.2, 0.7, 0, 0, 1]);
    expect(separation(biased, own, 7, 3, 0.9, 2)?.value).toBe(1);
  });

  it('is 0.5 for a constant liar and below for a permutation', () => {
    expect(separation(constantRows(7, 3, 0), own, 7, 3, 0.9, 2)?.value).toBe(0.5);
    // p(0) served = own p(2): equal on both classes (0.5); p(1) served = own p(0): higher where 0 is (0)
    expect(separation(shiftClasses(own, 3), own, 7, 3, 0.9, 2)?.value).toBe(0.25);
  });

  it('needs minSamples sure rows and two classes to judge by', () => {
    expect(separation(constantRows(7, 3, 0), own, 7, 3, 0.9, 7)?.value).toBeUndefined();
    const one = rows(3, [0, 0.95], [0, 0.95], [0, 0.95], [1, 0.5]);
    expect(separation(constantRows(4, 3, 0), one, 4, 3, 0.9, 2)?.value).toBeUndefined();
  });
});

describe('trust', () => {
  it('takes the first score as is, drops fast and rises slowly', () => {
    expect(updateTrust(undefined, 0.8, P)).toBe(0.8);
    expect(updateTrust(0.8, undefined, P)).toBe(0.8);
    expect(updateTrust(0.8, 0, P)).toBeCloseTo(0.2);
    expect(updateTrust(0.2, 1, P)).toBeCloseTo(0.4);
  });

  it('standing: 0 at the threshold, 1 from fullTrust on, linear between, 1 while unjudged', () => {
    expect(standing(undefined, P)).toBe(1);
    expect(standing(P.threshold, P)).toBe(0);
    expect(standing(0.1, P)).toBe(0);
    expect(standing(P.fullTrust, P)).toBe(1);
    expect(standing(0.99, P)).toBe(1);
    expect(standing((P.threshold + P.fullTrust) / 2, P)).toBeCloseTo(0.5, 9);
    expect(standing(0.6, { ...P, fullTrust: P.threshold })).toBe(1);
  });

  it('excludes below the threshold with a reason, readmits only after trust recovers for long enough', () => {
    const d0 = judgeNeighbour(undefined, 0.1, 0, P);
    expect(d0).toMatchObject({ excluded: true, change: 'excluded', state: { excludedSince: 0 } });
    expect(d0.reason).toMatch(/score 0.10 .* trust 0.10 < 0.55/);
    // a perfect round right after is not enough: trust 0.325, and it has been out one round only
    const d1 = judgeNeighbour(d0.state, 1, 1, P);
    expect(d1.excluded).toBe(true);
    let state = d1.state;
    let round = 2;
    while (judgeNeighbour(state, 1, round, P).excluded) state = judgeNeighbour(state, 1, round++, P).state;
    const back = judgeNeighbour(state, 1, round, P);
    expect(back).toMatchObject({ excluded: false, change: 'readmitted' });
    expect(back.state.trust!).toBeGreaterThanOrEqual(P.threshold + P.margin);
  });

  it('a neighbour with nothing to judge by is kept; a sleeper that turns is excluded in the round it turns', () => {
    expect(judgeNeighbour(undefined, undefined, 0, P)).toMatchObject({ excluded: false, state: { trust: undefined } });
    const honest = judgeNeighbour(judgeNeighbour(undefined, 0.9, 0, P).state, 0.9, 1, P);
    expect(judgeNeighbour(honest.state, 0.3, 2, P)).toMatchObject({ excluded: true, change: 'excluded' });
  });

  it('judges a round: trust per neighbour, exclusions and their reasons', () => {
    const j = judgeRound({}, new Map([['a1', 0.9], ['a2', 0.05], ['a3', undefined]]), 0, P);
    expect(j.trust).toEqual({ a1: 0.9, a2: 0.05 });
    expect(j.excluded).toEqual(['a2']);
    expect(j.changes.map((c) => [c.agent, c.change])).toEqual([['a2', 'excluded']]);
  });
});

describe('lies', () => {
  const sums = (a: Float32Array, k: number) => Array.from({ length: a.length / k }, (_, r) => a.slice(r * k, (r + 1) * k).reduce((x, y) => x + y, 0));

  it('are well-formed: every row sums to 1', () => {
    for (const a of [shiftClasses(rows(4, [1, 0.7], [3, 0.4]), 4), constantRows(3, 4, 2), randomRows(5, 4, 1), noiseRows(5, 4, 1)]) {
      for (const s of sums(a, 4)) expect(s).toBeCloseTo(1, 5);
    }
    expect(Math.max(...noiseRows(20, 10, 3))).toBeLessThan(0.13);
    expect(Array.from(randomRows(20, 4, 3)).filter((v) => v === 1)).toHaveLength(20);
  });

  it('shift moves the class axis; a sleeper is honest before its round', () => {
    expect(Array.from(shiftClasses(new Float32Array([0.5, 0.3, 0.2]), 3))).toEqual([0.2, 0.5, 0.3].map(Math.fround));
    const batch = { agent: 'a', round: 0, chunkHash: 'h', heads: 1, classes: 3, samples: 1, probs: new Float32Array([0.5, 0.3, 0.2]) };
    expect(distortBatch(batch, { kind: 'sleeper', from: 2 }, 1, 1).probs).toBe(batch.probs);
    expect(Array.from(distortBatch(batch, { kind: 'sleeper', from: 2 }, 2, 1).probs)).toEqual([0.2, 0.5, 0.3].map(Math.fround));
  });

  it('behaviours parse, and bad ones say what is expected', () => {
    expect(parseBehaviour('constant:3')).toEqual({ kind: 'constant', cls: 3 });
    expect(parseBehaviour('sleeper:4')).toEqual({ kind: 'sleeper', from: 4 });
    expect(parseAdversaryOption('a3=shift')).toEqual(['a3', { kind: 'shift' }]);
    expect(parseAdversaryOption(' a1 = constant:4 ')).toEqual(['a1', { kind: 'constant', cls: 4 }]);
    expect(formatBehaviour(parseBehaviour('sleeper:3'))).toBe('sleeper:3');
    expect(() => parseBehaviour('lie')).toThrow(/unknown behaviour "lie".*shift \| constant:C/);
    expect(() => parseBehaviour('constant')).toThrow(/constant needs a non-negative integer class/);
    expect(() => parseAdversaryOption('a3')).toThrow(/AGENT=BEHAVIOUR/);
  });
});

describe('scoreNeighbour', () => {
  // own: sure of classes 0, 1, 2 on 3 samples each
  const own = Float32Array.from(Array.from({ length: 9 }, (_, s) => [0, 1, 2].map((c) => (c === Math.floor(s / 3) ? 0.96 : 0.02))).flat());
  const p = { ...DEFAULT_TRUST, minSamples: 2 };
  const evidence = (...heads: Float32Array[]) => ({ samples: 9, classes: 3, own, heads });

  it('does not judge a neighbour that claims too little to teach (a barely trained honest one, or noise), but does judge a confident liar', async () => {
    const { scoreNeighbour } = await import('../../src/learning/trust.ts');
    const { shiftClasses, noiseRows, randomRows } = await import('../../src/learning/adversary.ts');
    // an honest neighbour that has barely trained: right ranking, but no row reaches a claim's 0.5
    const unsure = Float32Array.from(Array.from({ length: 9 }, (_, s) => [0, 1, 2].map((c) => (c === Math.floor(s / 3) ? 0.36 : 0.32))).flat());
    expect(scoreNeighbour(evidence(unsure), 3, p)).toBeUndefined();
    expect(scoreNeighbour(evidence(noiseRows(9, 3, 1)), 3, p)).toBeUndefined();
    // confident liars are judged, and score low
    expect(scoreNeighbour(evidence(shiftClasses(own, 3)), 3, p)).toBeLessThan(p.threshold);
    expect(scoreNeighbour(evidence(randomRows(9, 3, 1)), 3, p)).toBeDefined();
    // an informed, confident neighbour is trusted
    expect(scoreNeighbour(evidence(own), 3, p)).toBe(1);
  });

  it('a neighbour truthful on one head and lying on another is judged by the lie', async () => {
    const { scoreNeighbour } = await import('../../src/learning/trust.ts');
    const { shiftClasses } = await import('../../src/learning/adversary.ts');
    expect(scoreNeighbour(evidence(own, own), 3, p)).toBe(1);
    expect(scoreNeighbour(evidence(own, shiftClasses(own, 3)), 3, p)).toBeLessThan(p.threshold);
  });

  it('judges a neighbour that is unsure raw but sure once prior-corrected, as the teacher choice sees it', async () => {
    const { scoreNeighbour } = await import('../../src/learning/trust.ts');
    const { priorCorrected } = await import('../../src/learning/teachers.ts');
    const classes = 4;
    const n = 48;
    // own: sure of classes 0..3 on 12 samples each
    const own4 = Float32Array.from(Array.from({ length: n }, (_, s) => Array.from({ length: classes }, (_, c) => (c === Math.floor(s / 12) ? 0.97 : 0.01))).flat());
    // a liar: 0.45 on class 0 always, 0.40 on a false class that rotates whatever the input: it claims nothing raw
    const liar = Float32Array.from(Array.from({ length: n }, (_, s) => Array.from({ length: classes }, (_, c) => (c === 0 ? 0.45 : c === 1 + (s % 3) ? 0.4 : 0.15 / 2))).flat());
    const asChosen = priorCorrected(liar, n, classes, 2);
    const e = { samples: n, classes, own: own4, heads: [liar] };
    expect(scoreNeighbour(e, 3, p)).toBeUndefined();
    expect(scoreNeighbour({ ...e, asChosen: [asChosen] }, 3, p)).toBeLessThan(p.threshold);
  });

  it('in the warm-up rounds only a blatant lie counts', async () => {
    const { warmedUp } = await import('../../src/learning/trust.ts');
    expect(warmedUp(0.5, 0, DEFAULT_TRUST)).toBeUndefined();
    expect(warmedUp(0.25, 0, DEFAULT_TRUST)).toBe(0.25);
    expect(warmedUp(0.5, DEFAULT_TRUST.warmupRounds, DEFAULT_TRUST)).toBe(0.5);
    expect(warmedUp(undefined, 0, DEFAULT_TRUST)).toBeUndefined();
  });
});
