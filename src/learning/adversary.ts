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

/**
 * The batch a liar serves for `round` instead of its honest one (`echo` and `silent` are not about
 * the values: the exchange mode handles them, and this returns the honest batch).
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
    default:
      return honest;
  }
  return { ...honest, probs };
}
