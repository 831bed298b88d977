// Neighbours may answer with different rounds (within the staleness bound); targets are chosen per
// chunk, then joined here into one set of training rows for the next round.
import type { RoundTargets } from './learner.ts';
import type { HeadTargets } from './teachers.ts';

export interface ChunkTargets {
  readonly rows: readonly number[];
  readonly heads: readonly HeadTargets[];
  readonly embedding?: Float32Array;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/** Concatenates per-chunk targets, head by head; embeddings only when every chunk has them. */
export function mergeTargets(parts: readonly ChunkTargets[]): RoundTargets | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return { chunkRows: parts[0].rows, heads: parts[0].heads, embedding: parts[0].embedding };
  const heads = parts[0].heads.map((h, k): HeadTargets => ({
    head: h.head,
    choice: {
      targets: concat(parts.map((p) => p.heads[k].choice.targets)),
      mask: concat(parts.map((p) => p.heads[k].choice.mask)),
      used: parts.reduce((a, p) => a + p.heads[k].choice.used, 0),
    },
    teachers: [...new Set(parts.flatMap((p) => p.heads[k].teachers))],
  }));
  const embedding = parts.every((p) => p.embedding) ? concat(parts.map((p) => p.embedding!)) : undefined;
  return { chunkRows: parts.flatMap((p) => p.rows), heads, embedding };
}
