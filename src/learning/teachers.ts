// Teacher selection (docs/DESIGN.md, "The method"): pure functions over row-major `samples x classes` arrays.
import { matchedEmbedding } from './evidence.ts';
import { headProbs, type PredictionBatch } from './types.ts';

export const TEACHER_RULES = ['most-confident', 'mean', 'confidence-weighted'] as const;
export type TeacherRule = (typeof TEACHER_RULES)[number];
export const AUX_TEACHERS = ['previous', 'same'] as const;
export type AuxTeacher = (typeof AUX_TEACHERS)[number];

export interface TargetChoice {
  /** Target distribution per sample, `samples x classes`. */
  readonly targets: Float32Array;
  /** 1 where the sample is used for this head, 0 where the gate dropped it. */
  readonly mask: Float32Array;
  /** Samples kept by the gate. */
  readonly used: number;
  /**
   * The candidates as they were chosen among (prior-corrected when the policy says so), in the order of
   * the teachers; absent once targets of several chunks are joined (merge-targets.ts).
   */
  readonly candidates?: readonly Float32Array[];
}

export interface ChooseOptions {
  readonly candidates: readonly Float32Array[];
  readonly samples: number;
  readonly classes: number;
  readonly rule: TeacherRule;
  /** When given, a sample is used only if its target is more confident than this (the student's same head). */
  readonly gateAgainst?: Float32Array;
  /** Choose among (and learn) the candidates' prior-corrected predictions with this power (`priorCorrected`); 0 or absent: raw. */
  readonly priorCorrection?: number;
  /** The smallest probability the exchange's encoding can carry (`priorCorrected`'s floor); 0 for f32. */
  readonly probabilityFloor?: number;
  /**
   * How much each candidate's confidence counts, in [0, 1], in the candidates' order (the defence's
   * standing of each teacher, defence.ts); absent: 1 each. A candidate's confidence is multiplied by
   * its weight both where candidates are ranked and at the gate: a teacher that is half believed wins a
   * row only where its claim, half believed, is still the surest.
   */
  readonly weights?: readonly number[];
}

/** Added to a candidate's apparent prior so that a class it never predicts is not divided by 0. */
export const PRIOR_FLOOR = 0.02;

/**
 * A candidate's predictions divided by its apparent class prior, the mean of its predictions over the
 * chunk (plus PRIOR_FLOOR), raised to `power`, each row renormalised.
 * - The mean counts one uniform row per class besides the chunk's rows, so that a chunk of one or a few
 *   rows is not divided by itself: a single row [0.6, 0.4] would otherwise come out [0.408, 0.592].
 *   On the default chunk of 500 rows these 10 rows move the prior by 2 %.
 * - Probabilities below `floor` are raised to it first. A u8 row carries nothing below 1/510 (it rounds
 *   to 0), so a confident row arrives one-hot and, with zeros that no divisor changes, could not be
 *   discounted at all; the floor (u8: 1/1020, the middle of what rounds to 0) puts back a small mass.
 * A model trained on skewed labels
 * is confident in its own frequent classes on inputs it has never seen the like of; this takes the skew
 * out of its confidence, so that confidences of teachers with different label mixtures can be compared.
 * Power 1 is Bayes' rule for a balanced prior; a larger power also discounts what a teacher says about
 * its own frequent classes, where it is most often wrong about samples of classes it barely knows.
 */
export function priorCorrected(probs: Float32Array, samples: number, classes: number, power = 1, floor = 0): Float32Array {
  const at = (i: number) => Math.max(probs[i], floor);
  // `classes` uniform pseudo-rows add 1 to every class's total.
  const prior = new Float64Array(classes).fill(1);
  for (let s = 0; s < samples; s++) for (let c = 0; c < classes; c++) prior[c] += at(s * classes + c);
  const divisor = Array.from(prior, (p) => Math.pow(p / (samples + classes) + PRIOR_FLOOR, power));
  const out = new Float32Array(samples * classes);
  for (let s = 0; s < samples; s++) {
    let z = 0;
    for (let c = 0; c < classes; c++) z += out[s * classes + c] = at(s * classes + c) / divisor[c];
    for (let c = 0; c < classes; c++) out[s * classes + c] /= z;
  }
  return out;
}

function rowMax(a: Float32Array, row: number, classes: number): number {
  let m = -Infinity;
  for (let c = 0; c < classes; c++) if (a[row * classes + c] > m) m = a[row * classes + c];
  return m;
}

export function chooseTargets(opts: ChooseOptions): TargetChoice {
  const { candidates, samples: n, classes: k, rule, gateAgainst } = opts;
  if (candidates.length === 0) throw new Error('no teacher candidates');
  for (const c of candidates) if (c.length !== n * k) throw new Error(`a candidate has ${c.length} values, expected ${n} x ${k}`);
  // With the correction, the corrected rows are both what ranks the candidates and what the student
  // learns: a balanced posterior, which is what the shared (all-class) task asks of the heads.
  const power = opts.priorCorrection ?? 0;
  const floor = opts.probabilityFloor ?? 0;
  const source = power > 0 ? candidates.map((c) => priorCorrected(c, n, k, power, floor)) : candidates;
  // The gate compares like with like.
  const student = gateAgainst && power > 0 ? priorCorrected(gateAgainst, n, k, power, floor) : gateAgainst;
  const weights = opts.weights ?? candidates.map(() => 1);
  if (weights.length !== candidates.length) throw new Error(`${weights.length} weights for ${candidates.length} candidates`);
  const targets = new Float32Array(n * k);
  const mask = new Float32Array(n);
  let used = 0;
  for (let s = 0; s < n; s++) {
    const conf = source.map((c, j) => rowMax(c, s, k) * weights[j]);
    // The target's confidence as the gate sees it: weighted as the chosen teacher (or the mixture) is.
    let believed: number;
    if (rule === 'most-confident') {
      let chosen = 0;
      for (let j = 1; j < conf.length; j++) if (conf[j] > conf[chosen]) chosen = j;
      targets.set(source[chosen].subarray(s * k, (s + 1) * k), s * k);
      believed = weights[chosen];
    } else {
      const w = rule === 'mean' ? weights : conf;
      const total = w.reduce((a, b) => a + b, 0);
      let mixed = 0;
      for (let j = 0; j < source.length && total > 0; j++) {
        const f = w[j] / total;
        mixed += f * weights[j];
        for (let c = 0; c < k; c++) targets[s * k + c] += f * source[j][s * k + c];
      }
      // Every candidate weighted 0: nothing believed, and the row is no target (the mask below).
      if (total === 0) targets.fill(1 / k, s * k, (s + 1) * k);
      // Unweighted, the mixture is believed in full, not by the float sum of its fractions.
      believed = total === 0 ? 0 : opts.weights ? mixed : 1;
    }
    const targetConf = rowMax(targets, s, k) * believed;
    const keep = believed > 0 && (student === undefined || targetConf > rowMax(student, s, k));
    mask[s] = keep ? 1 : 0;
    if (keep) used++;
  }
  return { targets, mask, used, candidates: source };
}

export interface HeadPolicy {
  readonly rule: TeacherRule;
  readonly gateMain: boolean;
  readonly gateAux: boolean;
  readonly includeSelf: boolean;
  /** Auxiliary head k learns from the neighbours' head k-1 (`previous`, default) or head k (`same`). */
  readonly auxTeacher?: AuxTeacher;
  /** Choose teachers by their prior-corrected predictions with this power (`priorCorrected`); 0: raw. */
  readonly priorCorrection?: number;
  /** See ChooseOptions. */
  readonly probabilityFloor?: number;
}

export interface HeadTargets {
  readonly head: number;
  readonly choice: TargetChoice;
  /** Agents whose predictions were candidates (`self` for the agent's own previous head). */
  readonly teachers: readonly string[];
}

/**
 * Head chaining: head 0 learns from the neighbours' head 0; head k >= 1 from the neighbours' head k-1
 * (their head k with auxTeacher `same`), and from the agent's own head k-1 when includeSelf. A neighbour
 * with fewer heads lends its last head.
 * `own` is the agent's own predictions on the same chunk (for the gate and includeSelf); `weights`, by
 * agent, how much each neighbour's confidence counts (ChooseOptions.weights; absent: 1, and 1 for self).
 */
export function targetsForHeads(own: PredictionBatch, neighbours: readonly PredictionBatch[], policy: HeadPolicy, weights?: Readonly<Record<string, number>>): HeadTargets[] {
  if (neighbours.length === 0) return [];
  for (const nb of neighbours) {
    if (nb.chunkHash !== own.chunkHash || nb.samples !== own.samples || nb.classes !== own.classes) {
      throw new Error(`predictions of ${nb.agent} are for another chunk or shape than ${own.agent}'s own`);
    }
  }
  const out: HeadTargets[] = [];
  for (let k = 0; k < own.heads; k++) {
    const source = k === 0 || policy.auxTeacher === 'same' ? k : k - 1;
    const candidates = neighbours.map((nb) => headProbs(nb, Math.min(source, nb.heads - 1)));
    const teachers = neighbours.map((nb) => nb.agent);
    if (k >= 1 && policy.includeSelf) {
      candidates.push(headProbs(own, k - 1));
      teachers.push('self');
    }
    const gate = k === 0 ? policy.gateMain : policy.gateAux;
    const choice = chooseTargets({
      candidates,
      samples: own.samples,
      classes: own.classes,
      rule: policy.rule,
      gateAgainst: gate ? headProbs(own, k) : undefined,
      priorCorrection: policy.priorCorrection,
      probabilityFloor: policy.probabilityFloor,
      weights: weights ? teachers.map((t) => (t === 'self' ? 1 : (weights[t] ?? 1))) : undefined,
    });
    out.push({ head: k, choice, teachers });
  }
  return out;
}

/**
 * Mean of the neighbours' embeddings of equal width (for optional embedding distillation), each first
 * matched to the mean and spread of the agent's own on the chunk (evidence.ts, matchedEmbedding).
 */
export function meanEmbedding(own: PredictionBatch, neighbours: readonly PredictionBatch[]): Float32Array | undefined {
  const size = own.embedding?.size;
  const same = neighbours.filter((nb) => nb.embedding && nb.embedding.size === size);
  if (size === undefined || same.length === 0) return undefined;
  const out = new Float32Array(own.samples * size);
  for (const nb of same) {
    const v = matchedEmbedding(nb.embedding!.values, own.embedding!.values, size);
    for (let i = 0; i < out.length; i++) out[i] += v[i] / same.length;
  }
  return out;
}
