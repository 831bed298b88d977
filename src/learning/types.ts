// Domain types shared by the learner, the wire protocol and the node runtime.
import type { AgentId } from '../topology/types.ts';

export type Round = number;

/**
 * One agent's predictions on one round's public chunk: every head's softmax, head-major
 * (`probs[(h * samples + s) * classes + c]`), optionally the embeddings (`samples x embeddingSize`).
 */
export interface PredictionBatch {
  readonly agent: AgentId;
  readonly round: Round;
  /** Identifies the public chunk (its sample rows), so that mismatched chunks are never mixed. */
  readonly chunkHash: string;
  readonly heads: number;
  readonly classes: number;
  readonly samples: number;
  readonly probs: Float32Array;
  readonly embedding?: { readonly size: number; readonly values: Float32Array };
}

/** Head `h` of a batch as a view (no copy). */
export function headProbs(b: PredictionBatch, h: number): Float32Array {
  const size = b.samples * b.classes;
  return b.probs.subarray(h * size, (h + 1) * size);
}
