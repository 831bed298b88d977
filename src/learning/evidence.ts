// What the defence judges a neighbour by (docs/DESIGN.md, "Lying peers"): pure functions over row-major
// `samples x classes` arrays, against the agent's own main head (the reference). With the default
// nu0 = 0 the main head learns from the private labels only, so no teacher can bend the reference it
// is judged by; with nu0 > 0 it learns from the teachers too, and the reference is weaker.

export function argmaxRow(a: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (a[row * classes + c] > a[row * classes + best]) best = c;
  return best;
}

/** A statistic of the defence and its standard error. */
export interface Estimate {
  readonly value: number;
  readonly se: number;
}

/** The rows the agent's own main head is sure of (max-probability >= `confidence`), by class: -1 elsewhere. */
export interface SureRows {
  readonly label: Int32Array;
  readonly count: Int32Array;
  readonly sure: number;
}

export function sureRows(own: Float32Array, samples: number, classes: number, confidence: number): SureRows {
  const label = new Int32Array(samples).fill(-1);
  const count = new Int32Array(classes);
  let sure = 0;
  for (let s = 0; s < samples; s++) {
    const mine = argmaxRow(own, s, classes);
    if (own[s * classes + mine] < confidence) continue;
    label[s] = mine;
    count[mine]++;
    sure++;
  }
  return { label, count, sure };
}

/** A row is a claim when its max-probability reaches this: the rows a teacher can teach by. */
export const CLAIM = 0.5;

/** Rows of `probs` that claim a class (max-probability >= CLAIM). */
export function claims(probs: Float32Array, samples: number, classes: number): number {
  let n = 0;
  for (let s = 0; s < samples; s++) if (probs[s * classes + argmaxRow(probs, s, classes)] >= CLAIM) n++;
  return n;
}

/** Hanley and McNeil's variance of an AUC of `pos` positives against `neg` negatives. */
export function aucVariance(auc: number, pos: number, neg: number): number {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  return Math.max(0, auc * (1 - auc) + (pos - 1) * (q1 - auc * auc) + (neg - 1) * (q2 - auc * auc)) / (pos * neg);
}

/**
 * Do the candidate's claims where the agent is unsure follow what the agent half-knows? Over the rows
 * where the own main head is unsure (max-probability < `confidence`) and the candidate claims a class,
 * for each class the agent is sure of elsewhere in the chunk (on at least 3 rows: one it can check):
 * the AUC of the agent's own probability of that class, the rows claimed to be it against the rows
 * claimed to be another; the mean over classes, weighted by their claims. 1/2 for claims that do not
 * follow what the agent knows, about 1 for an honest teacher; a liar that copies the agent's sure rows
 * and lies elsewhere (camouflage) scores near or below 1/2. Claims of classes the agent is never sure
 * of are not judged: about those, a lie and the truth look alike to it, and an agent that has not seen
 * a class ranks it low everywhere, so a rank-based check would condemn the very teachers it needs.
 * Undefined with fewer than `minSamples` judged claims.
 */
export function claimSupport(candidate: Float32Array, own: Float32Array, samples: number, classes: number, confidence: number, minSamples: number): Estimate | undefined {
  const { label, count: known } = sureRows(own, samples, classes, confidence);
  const claim = new Int32Array(samples).fill(-1);
  for (let s = 0; s < samples; s++) {
    if (label[s] >= 0) continue;
    const c = argmaxRow(candidate, s, classes);
    if (candidate[s * classes + c] >= CLAIM) claim[s] = c;
  }
  let sum = 0;
  let variance = 0;
  let weight = 0;
  for (let c = 0; c < classes; c++) {
    if (known[c] < 3) continue;
    const pos: number[] = [];
    const neg: number[] = [];
    for (let s = 0; s < samples; s++) if (claim[s] >= 0) (claim[s] === c ? pos : neg).push(own[s * classes + c]);
    if (pos.length < 3 || neg.length < 3) continue;
    let wins = 0;
    for (const p of pos) for (const q of neg) wins += p > q ? 1 : p === q ? 0.5 : 0;
    const auc = wins / (pos.length * neg.length);
    sum += auc * pos.length;
    variance += aucVariance(auc, pos.length, neg.length) * pos.length * pos.length;
    weight += pos.length;
  }
  return weight < minSamples ? undefined : { value: sum / weight, se: Math.sqrt(variance) / weight };
}

/** Root mean square of a vector, in f64: a value of 1e20 squares to 1e40, past f32's range. */
export function rms(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v * v;
  return values.length === 0 ? 0 : Math.sqrt(sum / values.length);
}

/**
 * A neighbour's embeddings with the mean of each dimension and the overall spread of the agent's own on
 * the same rows, their structure kept. Embeddings of different models differ in scale and offset
 * anyway; unmatched, one that is scaled up (or shifted, as embedding-blowup's (v + 1) * 1e20 is) would
 * dominate, or overflow, the mean the agent distils from. In f64: 1e20 squared is past f32's range.
 */
export function matchedEmbedding(values: Float32Array, own: Float32Array, size: number): Float32Array {
  const rows = values.length / size;
  if (own.length !== values.length || rows === 0) return values;
  const meanOf = (a: Float32Array) => {
    const m = new Float64Array(size);
    for (let i = 0; i < a.length; i++) m[i % size] += a[i] / rows;
    return m;
  };
  const theirs = meanOf(values);
  const mine = meanOf(own);
  let theirSpread = 0;
  let mySpread = 0;
  let theirSquares = 0;
  for (let i = 0; i < values.length; i++) {
    theirSpread += (values[i] - theirs[i % size]) ** 2;
    mySpread += (own[i] - mine[i % size]) ** 2;
    theirSquares += values[i] ** 2;
  }
  // A spread within rounding of the values' own size is no spread: a constant embedding carries nothing.
  const f = theirSpread > 1e-12 * theirSquares ? Math.sqrt(mySpread / theirSpread) : 0;
  return values.map((v, i) => mine[i % size] + (v - theirs[i % size]) * f);
}

/**
 * Do the neighbour's embeddings tell apart the classes the agent is sure of? Over the rows where the own
 * main head is sure, nearest class centroid in the neighbour's embedding space (scaled to unit RMS, a
 * row's own contribution left out of its centroid); the accuracy mapped onto the scale of the other
 * scores: 1/2 for chance, 1 for all right. Embeddings that do not follow the input score about 1/2.
 * Undefined with fewer than `minSamples` sure rows or fewer than two classes among them.
 */
export function embeddingSeparation(values: Float32Array, size: number, own: Float32Array, samples: number, classes: number, confidence: number, minSamples: number): Estimate | undefined {
  const scale = rms(values);
  if (!(scale > 0) || !Number.isFinite(scale)) return scale === 0 ? undefined : { value: 0, se: 0 };
  const { label, count, sure } = sureRows(own, samples, classes, confidence);
  const sum = new Float64Array(classes * size);
  for (let s = 0; s < samples; s++) if (label[s] >= 0) for (let d = 0; d < size; d++) sum[label[s] * size + d] += values[s * size + d] / scale;
  const present = [...count].filter((n) => n >= 2).length;
  if (sure < minSamples || present < 2) return undefined;
  let right = 0;
  for (let s = 0; s < samples; s++) {
    const own = label[s];
    if (own < 0 || count[own] < 2) continue;
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < classes; c++) {
      const n = count[c] - (c === own ? 1 : 0);
      if (n < 1) continue;
      let d2 = 0;
      for (let d = 0; d < size; d++) {
        const centroid = (sum[c * size + d] - (c === own ? values[s * size + d] / scale : 0)) / n;
        const x = values[s * size + d] / scale - centroid;
        d2 += x * x;
      }
      if (d2 < bestD) [bestD, best] = [d2, c];
    }
    if (best === own) right++;
  }
  const judged = [...label].filter((l) => l >= 0 && count[l] >= 2).length;
  const chance = 1 / present;
  const acc = right / judged;
  const f = 0.5 / (1 - chance);
  return { value: Math.max(0, Math.min(1, 0.5 + f * (acc - chance))), se: f * Math.sqrt((acc * (1 - acc)) / judged) };
}
