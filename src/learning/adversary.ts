// What a lying agent publishes (an experiment feature, src/topology/adversaries.ts): pure functions from
// its honest predictions to the ones it serves. Every row still sums to 1, so the lie is well-formed.
import { createRng, deriveSeed } from '../data/random.ts';
import type { Behaviour } from '../topology/adversaries.ts';
import type { PredictionBatch, Round } from './types.ts';

/** Every row's class axis moved by one: the probability of class c is served as class c+1. */
export function shiftClasses(probs: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(probs.length);
  for (let row = 0; row < probs.length / classes; row++) {
    for (let c = 0; c < classes; c++) out[row * classes + ((c + 1) % classes)] = probs[row * classes + c];
  }
  return out;
}

/** One-hot rows on class `cls`. */
export function constantRows(rows: number, classes: number, cls: number): Float32Array {
  const out = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) out[r * classes + (cls % classes)] = 1;
  return out;
}

/** Confident and random: one-hot rows on a class drawn per row. */
export function randomRows(rows: number, classes: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) out[r * classes + Math.min(classes - 1, Math.floor(rng.next() * classes))] = 1;
  return out;
}

/** Near uniform: 1/classes each, jittered by up to +-20 % and renormalised. */
export function noiseRows(rows: number, classes: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += out[r * classes + c] = 1 + 0.4 * (rng.next() - 0.5);
    for (let c = 0; c < classes; c++) out[r * classes + c] /= sum;
  }
  return out;
}

/** A confident lie about one row: one-hot on the class after the row's own most likely one. */
function lieInto(out: Float32Array, probs: Float32Array, row: number, classes: number): void {
  let best = 0;
  for (let c = 1; c < classes; c++) if (probs[row * classes + c] > probs[row * classes + best]) best = c;
  out.fill(0, row * classes, (row + 1) * classes);
  out[row * classes + ((best + 1) % classes)] = 1;
}

/** Heads 1 and up shifted, head 0 (the one a main-head defence would judge) left truthful. */
export function auxShifted(honest: PredictionBatch): Float32Array {
  const size = honest.samples * honest.classes;
  const out = shiftClasses(honest.probs, honest.classes);
  out.set(honest.probs.subarray(0, size), 0);
  return out;
}

/** Confident lies on `fraction` of the rows (drawn per round), uniform rows elsewhere: sure of a part only. */
export function partialLies(probs: Float32Array, classes: number, fraction: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(probs.length).fill(1 / classes);
  for (let row = 0; row < probs.length / classes; row++) if (rng.next() < fraction) lieInto(out, probs, row, classes);
  return out;
}

/** How far embedding-blowup scales its embeddings: finite in f32, but its square is not. */
export const BLOWUP = 1e20;

/**
 * What camouflage serves one reader: for every head, the reader's own row where the reader is sure of
 * it (max-probability >= threshold), so that any check against the reader's confident rows passes, and a
 * confident lie on every other row, where the reader learns. Without the reader's predictions (it was
 * not fetched) the lie is everywhere the liar's own head is unsure.
 */
export function camouflaged(liar: PredictionBatch, reader: PredictionBatch | undefined, threshold: number): PredictionBatch {
  const k = liar.classes;
  const fits = reader && reader.samples === liar.samples && reader.classes === k && reader.chunkHash === liar.chunkHash;
  const out = new Float32Array(liar.probs.length);
  for (let row = 0; row < liar.heads * liar.samples; row++) {
    const h = Math.floor(row / liar.samples);
    const ref = fits ? reader.probs : liar.probs;
    const refRow = fits ? Math.min(h, reader.heads - 1) * reader.samples + (row % liar.samples) : row;
    let max = 0;
    for (let c = 0; c < k; c++) max = Math.max(max, ref[refRow * k + c]);
    if (max >= threshold) out.set(ref.subarray(refRow * k, (refRow + 1) * k), row * k);
    else lieInto(out, liar.probs, row, k);
  }
  return { ...liar, probs: out };
}

/**
 * The batch a liar serves for `round` instead of its honest one (`echo`, `silent`, `stall` and
 * `camouflage` are not about these values alone: the liar's publisher handles them, and this returns the
 * honest batch).
 */
export function distortBatch(honest: PredictionBatch, behaviour: Behaviour, round: Round, seed: number): PredictionBatch {
  const rows = honest.heads * honest.samples;
  const k = honest.classes;
  const s = deriveSeed(seed, `lie-${round}`);
  let probs: Float32Array;
  switch (behaviour.kind) {
    case 'shift':
      probs = shiftClasses(honest.probs, k);
      break;
    case 'sleeper':
      probs = round < behaviour.from ? honest.probs : shiftClasses(honest.probs, k);
      break;
    case 'constant':
      probs = constantRows(rows, k, behaviour.cls);
      break;
    case 'random':
      probs = randomRows(rows, k, s);
      break;
    case 'noise':
      probs = noiseRows(rows, k, s);
      break;
    case 'aux-shift':
      probs = auxShifted(honest);
      break;
    case 'partial':
      probs = partialLies(honest.probs, k, behaviour.fraction, s);
      break;
    case 'embedding-blowup':
      return honest.embedding ? { ...honest, embedding: { size: honest.embedding.size, values: honest.embedding.values.map((v) => (v + 1) * BLOWUP) } } : honest;
    default:
      return honest;
  }
  return { ...honest, probs };
}
