// What the defence judges a neighbour by (docs/DESIGN.md, "Lying peers"): pure functions over row-major
// `samples x classes` arrays, against the agent's own main head (the reference). With the default
// nu0 = 0 the main head learns from the private labels only, so no teacher can bend the reference it
// is judged by; with nu0 > 0 it learns from the teachers too, and the reference is weaker.

export function argmaxRow(a: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (a[row * classes + c] > a[row * classes + best]) best = c;
  return best;
}

/** A row is a claim when its max-probability reaches this: the rows a teacher can teach by. */
export const CLAIM = 0.5;

/** Rows of `probs` that claim a class (max-probability >= CLAIM). */
export function claims(probs: Float32Array, samples: number, classes: number): number {
  let n = 0;
  for (let s = 0; s < samples; s++) if (probs[s * classes + argmaxRow(probs, s, classes)] >= CLAIM) n++;
  return n;
}

/** A class's rank in a row: 1 for the row's most likely class, 0 for its least, ties halved. */
function rankIn(own: Float32Array, s: number, classes: number, c: number): number {
  const v = own[s * classes + c];
  let below = 0;
  for (let k = 0; k < classes; k++) if (k !== c) below += own[s * classes + k] < v ? 1 : own[s * classes + k] === v ? 0.5 : 0;
  return below / (classes - 1);
}

/**
 * Do the candidate's claims where the agent is unsure follow what the agent half-knows? Over the rows
 * where the own main head is unsure (max-probability < `confidence`) and the candidate claims a class:
 * the mean rank of the claimed class in the own row (1: the agent's first guess, 1/2: claims that do not
 * follow the input), against the rank a truthful teacher would get if the agent's own probabilities
 * were right (each class's rank weighted by its probability). Mapped so that 1/2 is chance and 1 is as
 * expected (capped at 1): an honest teacher scores near 1, a liar that copies the agent's sure rows and
 * lies elsewhere (camouflage) near or below 1/2. Undefined with fewer than `minSamples` such rows, or
 * when the agent half-knows too little to tell (the expected rank under `minExpected`: an untrained
 * agent would otherwise condemn every teacher).
 */
export function claimSupport(candidate: Float32Array, own: Float32Array, samples: number, classes: number, confidence: number, minSamples: number, minExpected = 0.7): number | undefined {
  let observed = 0;
  let expected = 0;
  let n = 0;
  for (let s = 0; s < samples; s++) {
    if (own[s * classes + argmaxRow(own, s, classes)] >= confidence) continue;
    const claim = argmaxRow(candidate, s, classes);
    if (candidate[s * classes + claim] < CLAIM) continue;
    observed += rankIn(own, s, classes, claim);
    for (let c = 0; c < classes; c++) expected += own[s * classes + c] * rankIn(own, s, classes, c);
    n++;
  }
  if (n < minSamples || classes < 2 || expected / n < minExpected) return undefined;
  return Math.min(1, 0.5 + (0.5 * (observed / n - 0.5)) / (expected / n - 0.5));
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
export function embeddingSeparation(values: Float32Array, size: number, own: Float32Array, samples: number, classes: number, confidence: number, minSamples: number): number | undefined {
  const scale = rms(values);
  if (!(scale > 0) || !Number.isFinite(scale)) return scale === 0 ? undefined : 0;
  const label = new Int32Array(samples).fill(-1);
  const count = new Int32Array(classes);
  const sum = new Float64Array(classes * size);
  let sure = 0;
  for (let s = 0; s < samples; s++) {
    const c = argmaxRow(own, s, classes);
    if (own[s * classes + c] < confidence) continue;
    label[s] = c;
    count[c]++;
    sure++;
    for (let d = 0; d < size; d++) sum[c * size + d] += values[s * size + d] / scale;
  }
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
  return Math.max(0, Math.min(1, 0.5 + (0.5 * (acc - chance)) / (1 - chance)));
}
