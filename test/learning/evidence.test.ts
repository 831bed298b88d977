// The defence's evidence on crafted inputs: every head judged, the rows the agent is unsure of judged
// too (camouflage), no confidence floor for a liar sure of part of the rows, small chunks pooled over
// rounds, and embeddings bounded and judged.
import { describe, expect, it } from 'vitest';
import { camouflaged, partialLies, shiftClasses } from '../../src/learning/adversary.ts';
import { defended, pooled, sourceHeads } from '../../src/learning/defence.ts';
import { claimSupport, embeddingSeparation, matchedEmbedding, rms } from '../../src/learning/evidence.ts';
import { distillation, type StrategyInput } from '../../src/learning/strategy.ts';
import { meanEmbedding } from '../../src/learning/teachers.ts';
import { DEFAULT_TRUST, scoreNeighbour, separation } from '../../src/learning/trust.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';

const K = 10;
const truth = (s: number) => s % K;
/** The own main head: sure (0.95) of the first `sure` rows, unsure elsewhere (0.5 on the true class, the rest spread). */
function ownRows(n: number, sure: number): Float32Array {
  const out = new Float32Array(n * K);
  for (let s = 0; s < n; s++) {
    const p = s < sure ? 0.95 : 0.5;
    for (let c = 0; c < K; c++) out[s * K + c] = c === truth(s) ? p : (1 - p) / (K - 1);
  }
  return out;
}
/** A confident teacher that says `label(s)` on every row. */
function claimsOf(n: number, label: (s: number) => number, p = 0.9): Float32Array {
  const out = new Float32Array(n * K);
  for (let s = 0; s < n; s++) for (let c = 0; c < K; c++) out[s * K + c] = c === label(s) ? p : (1 - p) / (K - 1);
  return out;
}
const batch = (agent: string, round: number, probs: Float32Array, samples: number, heads = 1, embedding?: PredictionBatch['embedding']): PredictionBatch => ({
  agent,
  round,
  chunkHash: `c${round}`,
  heads,
  classes: K,
  samples,
  probs,
  embedding,
});

describe('claimSupport: the rows the agent is unsure of', () => {
  const own = ownRows(120, 40);
  it('an honest teacher claims what the agent half-knows; a shifted one does not; too few rows judge nothing', () => {
    // own unsure rows: 0.5 on the truth, 0.5 / 9 elsewhere. Class by class, the rows a truthful teacher
    // claims are the ones the agent gives that class 0.5; a shifted teacher's claimed rows are ranked
    // below the others on 8 of 72 and tied on the rest.
    expect(claimSupport(claimsOf(120, truth), own, 120, K, 0.9, 10)).toEqual({ value: 1, se: 0 });
    expect(claimSupport(claimsOf(120, (s) => truth(s) + 1), own, 120, K, 0.9, 10)!.value).toBeCloseTo((0.5 * 64) / 72, 5);
    expect(claimSupport(claimsOf(120, truth), own, 120, K, 0.9, 81)).toBeUndefined();
    // unsure rows where the teacher claims nothing do not count
    expect(claimSupport(new Float32Array(120 * K).fill(1 / K), own, 120, K, 0.9, 1)).toBeUndefined();
  });

  it('claims of a class the agent is never sure of are not judged: about it, a lie and the truth look alike', () => {
    // the agent is sure only of classes 0-4 (on 4 rows each)
    const half = ownRows(120, 40).map((v, i) => (Math.floor(i / K) < 40 && truth(Math.floor(i / K)) >= 5 ? 1 / K : v));
    const onlyNew = (s: number) => (truth(s) >= 5 ? truth(s) : -1);
    const teacher = claimsOf(120, (s) => (onlyNew(s) >= 0 ? onlyNew(s) : 0), 0.9).map((v, i) => (onlyNew(Math.floor(i / K)) < 0 ? 1 / K : v));
    expect(claimSupport(teacher, half, 120, K, 0.9, 10)).toBeUndefined();
    expect(claimSupport(claimsOf(120, truth), half, 120, K, 0.9, 10)!.value).toBe(1);
  });

  it('camouflage (the reader\'s own sure rows, a lie elsewhere) passes the separation of the sure rows and fails the support', () => {
    const liar = camouflaged(batch('liar', 3, claimsOf(120, truth), 120), batch('me', 3, own, 120), 0.8);
    expect(separation(liar.probs, own, 120, K, 0.9, 10)?.value).toBe(1);
    const e = { samples: 120, classes: K, own, heads: [liar.probs] };
    expect(scoreNeighbour(e, 3, DEFAULT_TRUST)).toBeLessThan(DEFAULT_TRUST.threshold);
    // in the warm-up round the support is not judged yet
    expect(scoreNeighbour(e, 0, DEFAULT_TRUST)).toBe(1);
    // an honest teacher with the same sure rows passes both
    expect(scoreNeighbour({ ...e, heads: [claimsOf(120, truth)] }, 3, DEFAULT_TRUST)).toBeGreaterThan(DEFAULT_TRUST.threshold + DEFAULT_TRUST.margin);
  });
});

describe('a neighbour is condemned on evidence, not on noise', () => {
  it('the same weak separation excludes on many rows and not on a few (one standard error of doubt)', async () => {
    const { separation } = await import('../../src/learning/trust.ts');
    // sure rows of 2 classes; the candidate's probability of a row's class is noise, a little higher on
    // that class's rows than on the other's
    const noise = (s: number) => { const x = Math.sin(s * 12.9898) * 43758.5453; return x - Math.floor(x); };
    const weak = (n: number) => {
      const own = claimsOf(n, (s) => s % 2, 0.95);
      const cand = new Float32Array(n * K);
      for (let s = 0; s < n; s++) {
        const mine = 0.3 + 0.5 * noise(s) + 0.1;
        for (let c = 0; c < K; c++) cand[s * K + c] = c === s % 2 ? mine : c === 1 - (s % 2) ? 0.9 - mine : 0.1 / (K - 2);
      }
      return { own, cand };
    };
    const few = weak(12);
    const many = weak(400);
    const a = separation(few.cand, few.own, 12, K, 0.9, 10)!;
    const b = separation(many.cand, many.own, 400, K, 0.9, 10)!;
    expect(a.se).toBeGreaterThan(4 * b.se);
    const score = (x: { cand: Float32Array; own: Float32Array }, n: number) => scoreNeighbour({ samples: n, classes: K, own: x.own, heads: [x.cand] }, 3, DEFAULT_TRUST)!;
    expect(score(few, 12)).toBeGreaterThan(score(many, 400));
    expect(score(many, 400)).toBeCloseTo(b.value + b.se, 6);
  });
});

describe('no confidence floor for a liar sure of part of the rows', () => {
  it('confident lies on 40 % of the rows and uniform rows elsewhere (mean confidence under 0.5) are judged, and fail', () => {
    const own = ownRows(100, 100);
    const liar = partialLies(own, K, 0.4, 7);
    // its mean max-probability, under the 0.5 floor the defence used to have
    const meanMax = Array.from({ length: 100 }, (_, r) => Math.max(...liar.subarray(r * K, r * K + K))).reduce((a, b) => a + b, 0) / 100;
    expect(meanMax).toBeLessThan(0.5);
    const score = scoreNeighbour({ samples: 100, classes: K, own, heads: [liar] }, 3, DEFAULT_TRUST);
    expect(score).toBeDefined();
    expect(score!).toBeLessThan(DEFAULT_TRUST.threshold);
  });
});

describe('the defence judges every head a neighbour teaches', () => {
  it('sourceHeads: head k learns from head k-1 (or k with `same`), a neighbour with fewer heads lends its last', () => {
    expect(sourceHeads(4, 4)).toEqual([0, 1, 2]);
    expect(sourceHeads(4, 4, 'same')).toEqual([0, 1, 2, 3]);
    expect(sourceHeads(4, 2)).toEqual([0, 1]);
    expect(sourceHeads(1, 4)).toEqual([0]);
  });

  it('aux-shift (head 0 truthful, the auxiliary heads shifted) is excluded; the honest neighbour stays', () => {
    const n = 60;
    const own = ownRows(n, 40);
    const heads = (...h: Float32Array[]) => Float32Array.from(h.flatMap((x) => [...x]));
    const honest = claimsOf(n, truth);
    const lie = shiftClasses(honest, K);
    // with 3 heads, head 2 learns from a neighbour's head 1: the one aux-shift lies on
    const input: StrategyInput = {
      round: 2,
      answers: [batch('honest', 2, heads(honest, honest, honest), n, 3), batch('aux-shift', 2, heads(honest, lie, lie), n, 3)],
      ownFor: () => batch('me', 2, heads(own, own, own), n, 3),
      rowsFor: () => Array.from({ length: n }, (_, i) => i),
    };
    const policy = { rule: 'most-confident' as const, gateMain: false, gateAux: false, includeSelf: false, embeddings: false };
    const d = defended(distillation(policy), DEFAULT_TRUST, { priorCorrection: 0, probabilityFloor: 0 })(input, {});
    expect(d.used).toEqual(['honest']);
    expect(d.excluded.map((e) => e.agent)).toEqual(['aux-shift']);
  });
});

describe('small chunks are judged over several rounds', () => {
  it('with 4 rows a round, a shifted liar is excluded once the pooled rows suffice, and its evidence is then dropped', () => {
    const n = 4;
    const strategy = defended(distillation({ rule: 'most-confident', gateMain: false, gateAux: false, includeSelf: false, embeddings: false }), DEFAULT_TRUST, { priorCorrection: 0, probabilityFloor: 0 });
    let states = {};
    const excludedAt: number[] = [];
    for (let round = 1; round <= 6; round++) {
      // two classes, two rows of each a round: a round alone has too few to judge by
      const label = (s: number) => (s + round) % 2;
      const own = claimsOf(n, label, 0.95);
      const d = strategy(
        {
          round,
          answers: [batch('honest', round, claimsOf(n, label), n), batch('liar', round, claimsOf(n, (s) => label(s) + 1), n)],
          ownFor: (r) => (r === round ? batch('me', round, own, n) : undefined),
          rowsFor: () => [0, 1, 2, 3],
        },
        states,
      );
      states = d.states;
      if (d.excluded.some((e) => e.agent === 'liar')) excludedAt.push(round);
      expect(d.excluded.map((e) => e.agent)).not.toContain('honest');
    }
    // 10 sure rows are needed: the third round's pool has 12
    expect(excludedAt.length).toBeGreaterThan(0);
    expect(excludedAt[0]).toBe(3);
    expect(excludedAt.at(-1)).toBe(6);
    expect((states as Record<string, { pending?: unknown }>).liar.pending).toBeUndefined();
  });

  it('pooled keeps the newest rows, and refuses evidence of another shape', () => {
    const e = (rows: number, heads = 1) => ({ samples: rows, classes: K, own: new Float32Array(rows * K).fill(rows), heads: Array.from({ length: heads }, () => new Float32Array(rows * K).fill(rows)) });
    const p = pooled(e(700), e(600))!;
    expect(p.samples).toBe(1000);
    expect(p.own.length).toBe(1000 * K);
    expect(p.own[0]).toBe(700);
    expect(p.own.at(-1)).toBe(600);
    expect(pooled(e(5, 1), e(5, 2))).toBeUndefined();
  });
});

describe('embeddings are bounded and judged', () => {
  const n = 40;
  const size = K;
  const own = ownRows(n, n);
  /** Embeddings that follow the class: a unit bump in dimension class % size, plus small noise. */
  const honestEmbedding = (scale = 1) => Float32Array.from({ length: n * size }, (_, i) => scale * ((Math.floor(i / size) % K) % size === i % size ? 1 : 0.05 * Math.sin(i)));

  it('a blown-up (scaled and shifted) embedding is matched to the own mean and spread: the mean stays finite and of the own scale', () => {
    const blown = honestEmbedding().map((v) => (v + 1) * 1e20);
    expect(Number.isFinite(rms(blown))).toBe(true);
    const matched = matchedEmbedding(blown, honestEmbedding(), size);
    // an affine change of an honest embedding is undone to float precision
    for (const [i, v] of honestEmbedding().entries()) expect(matched[i]).toBeCloseTo(v, 4);
    const mine = batch('me', 1, own, n, 1, { size, values: honestEmbedding() });
    const mean = meanEmbedding(mine, [batch('a', 1, own, n, 1, { size, values: honestEmbedding(2) }), batch('b', 1, own, n, 1, { size, values: blown })])!;
    expect(mean.every((v) => Number.isFinite(v) && Math.abs(v) <= 2)).toBe(true);
    // the own embedding is left as it is, and a constant one carries nothing but the own mean
    expect(Array.from(matchedEmbedding(honestEmbedding(), honestEmbedding(), size)).map((v) => +v.toFixed(5))).toEqual(Array.from(honestEmbedding()).map((v) => +v.toFixed(5)));
    const flat = matchedEmbedding(new Float32Array(n * size).fill(7), honestEmbedding(), size);
    expect(flat[0]).toBeCloseTo(Array.from({ length: n }, (_, r) => honestEmbedding()[r * size]).reduce((a, b) => a + b, 0) / n, 5);
  });

  it('embeddings that follow the input separate the classes the agent is sure of; noise does not', () => {
    expect(embeddingSeparation(honestEmbedding(), size, own, n, K, 0.9, 10)!.value).toBeGreaterThan(0.9);
    const noise = Float32Array.from({ length: n * size }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const judged = embeddingSeparation(noise, size, own, n, K, 0.9, 10)!;
    expect(judged.value + judged.se).toBeLessThan(DEFAULT_TRUST.threshold);
    expect(embeddingSeparation(new Float32Array(n * size), size, own, n, K, 0.9, 10)).toBeUndefined();
  });
});
