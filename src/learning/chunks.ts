// The public chunk of a round: a deterministic function of (seed, round), so that every agent picks the
// same public samples without talking; its hash travels in every prediction header.
import { createRng, deriveSeed, range, shuffleInPlace } from '../data/random.ts';
import type { Round } from './types.ts';

export function publicChunk(seed: number, round: Round, chunkSize: number, publicSize: number): number[] {
  if (chunkSize > publicSize) throw new Error(`public chunk of ${chunkSize} samples is larger than the public set (${publicSize})`);
  return shuffleInPlace(range(publicSize), createRng(deriveSeed(seed, 'chunk', round))).slice(0, chunkSize);
}

export function chunkHash(rows: readonly number[]): string {
  let h = 2166136261;
  for (const r of rows) {
    h ^= r;
    h = Math.imul(h, 16777619);
    h ^= r >>> 16;
    h = Math.imul(h, 16777619);
  }
  return `${rows.length}-${(h >>> 0).toString(16)}`;
}
