// Wire format of the predictions protocol (docs/DESIGN.md, "Wire protocol"): a JSON header frame
// (messages.ts) and a binary payload frame of every head's probabilities, then optionally embeddings.
// Pure functions, so every validation rule is testable without a network. Its sibling for the gossip
// baseline is weights-codec.ts.
import type { PredictionBatch, Round } from '../learning/types.ts';
import type { AgentId } from '../topology/types.ts';
import { WireError } from './errors.ts';
import { fromHalf, toHalf } from './float16.ts';
import { type Encoding, type PredictionHeader } from './messages.ts';

const BYTES: Record<Encoding, number> = { f32: 4, f16: 2, u8: 1 };

/**
 * What a probability of 0 on the wire may have been: u8 rounds everything under 1/510 to 0, and the
 * middle of that range stands in for it in the prior correction (src/learning/teachers.ts). f16 keeps
 * probabilities down to 6e-8 and f32 further, so they need none.
 */
export const PROBABILITY_FLOOR: Record<Encoding, number> = { f32: 0, f16: 0, u8: 1 / 1020 };

export function payloadBytes(h: Pick<PredictionHeader, 'heads' | 'classes' | 'samples' | 'encoding' | 'embeddingSize'>): number {
  return h.heads * h.samples * h.classes * BYTES[h.encoding] + h.samples * h.embeddingSize * 4;
}

export function encodePredictions(b: PredictionBatch, encoding: Encoding, withEmbedding: boolean): { header: PredictionHeader; payload: Uint8Array } {
  const embeddingSize = withEmbedding && b.embedding ? b.embedding.size : 0;
  const header: PredictionHeader = {
    status: 'ok',
    agent: b.agent,
    round: b.round,
    chunkHash: b.chunkHash,
    heads: b.heads,
    classes: b.classes,
    samples: b.samples,
    encoding,
    embeddingSize,
  };
  const payload = new Uint8Array(payloadBytes(header));
  const view = new DataView(payload.buffer);
  const n = b.probs.length;
  if (encoding === 'f32') for (let i = 0; i < n; i++) view.setFloat32(4 * i, b.probs[i], true);
  else if (encoding === 'f16') for (let i = 0; i < n; i++) view.setUint16(2 * i, toHalf(b.probs[i]), true);
  else for (let i = 0; i < n; i++) payload[i] = Math.round(Math.min(1, Math.max(0, b.probs[i])) * 255);
  if (embeddingSize > 0) {
    const offset = n * BYTES[encoding];
    b.embedding!.values.forEach((v, i) => view.setFloat32(offset + 4 * i, v, true));
  }
  return { header, payload };
}

export interface Expectation {
  agent: AgentId;
  /** Oldest and newest acceptable rounds (the staleness bound). */
  minRound: Round;
  maxRound: Round;
  /** The chunk hash every agent computes for a round from the shared seed. */
  chunkHash: (round: Round) => string;
  classes: number;
  samples: number;
  maxHeads: number;
  /** Embedding width this agent can use (its own); 0 when it asked for none. */
  embeddingSize: number;
}

/** Tolerance on row sums: float rounding for f32, half precision for f16, 1/255 steps for u8. */
function rowSumTolerance(encoding: Encoding, classes: number): number {
  if (encoding === 'u8') return (classes * 0.5) / 255 + 1e-3;
  if (encoding === 'f16') return classes * 1e-3 + 1e-3;
  return 1e-3;
}

/** Validates every field against what this agent expects, then decodes. Throws WireError. */
export function decodePredictions(h: PredictionHeader, payload: Uint8Array, exp: Expectation): PredictionBatch {
  if (h.agent !== exp.agent) throw new WireError('wrong-agent', `response claims to be from ${h.agent}, expected ${exp.agent}`);
  if (h.round < exp.minRound || h.round > exp.maxRound) {
    throw new WireError('stale-round', `round ${h.round} is outside the accepted ${exp.minRound}..${exp.maxRound}`);
  }
  if (h.chunkHash !== exp.chunkHash(h.round)) throw new WireError('wrong-chunk', `chunk hash ${h.chunkHash} does not match round ${h.round}'s public chunk`);
  if (h.classes !== exp.classes) throw new WireError('wrong-classes', `${h.classes} classes, expected ${exp.classes}`);
  if (h.samples !== exp.samples || h.heads < 1 || h.heads > exp.maxHeads) {
    throw new WireError('wrong-shape', `shape ${h.heads} heads x ${h.samples} samples, expected 1..${exp.maxHeads} heads x ${exp.samples} samples`);
  }
  if (h.embeddingSize !== 0 && h.embeddingSize !== exp.embeddingSize) {
    throw new WireError('wrong-shape', `embeddings of width ${h.embeddingSize}, expected ${exp.embeddingSize || 'none'}`);
  }
  const expected = payloadBytes(h);
  if (payload.length < expected) throw new WireError('truncated', `payload of ${payload.length} bytes, the header promises ${expected}`);
  if (payload.length > expected) throw new WireError('wrong-shape', `payload of ${payload.length} bytes, the header promises ${expected}`);
  const n = h.heads * h.samples * h.classes;
  const probs = new Float32Array(n);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (h.encoding === 'f32') for (let i = 0; i < n; i++) probs[i] = view.getFloat32(4 * i, true);
  else if (h.encoding === 'f16') for (let i = 0; i < n; i++) probs[i] = fromHalf(view.getUint16(2 * i, true));
  else for (let i = 0; i < n; i++) probs[i] = payload[i] / 255;
  const tol = rowSumTolerance(h.encoding, h.classes);
  for (let row = 0; row < h.heads * h.samples; row++) {
    let sum = 0;
    for (let c = 0; c < h.classes; c++) {
      const v = probs[row * h.classes + c];
      if (!Number.isFinite(v)) throw new WireError('non-finite', `non-finite probability in row ${row}`);
      if (v < 0) throw new WireError('bad-row-sum', `negative probability in row ${row}`);
      sum += v;
    }
    if (Math.abs(sum - 1) > tol) throw new WireError('bad-row-sum', `row ${row} sums to ${sum.toFixed(4)}, not 1`);
    // Quantized rows are renormalised so that every target is an exact distribution.
    if (h.encoding !== 'f32') for (let c = 0; c < h.classes; c++) probs[row * h.classes + c] /= sum;
  }
  let embedding: PredictionBatch['embedding'];
  if (h.embeddingSize > 0) {
    const offset = n * BYTES[h.encoding];
    const values = new Float32Array(h.samples * h.embeddingSize);
    for (let i = 0; i < values.length; i++) {
      values[i] = view.getFloat32(offset + 4 * i, true);
      if (!Number.isFinite(values[i])) throw new WireError('non-finite', 'non-finite embedding value');
    }
    embedding = { size: h.embeddingSize, values };
  }
  return { agent: h.agent, round: h.round, chunkHash: h.chunkHash, heads: h.heads, classes: h.classes, samples: h.samples, probs, embedding };
}
