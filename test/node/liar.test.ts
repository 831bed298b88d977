// The adaptive liars of the experiments, apart from any network: what each serves, to whom and when.
import { describe, expect, it } from 'vitest';
import { BLOWUP, distortBatch } from '../../src/learning/adversary.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';
import { HONEST, lying, STALL_MARGIN_MS } from '../../src/node/modes/liar.ts';
import { CAMOUFLAGE_THRESHOLD, formatBehaviour, parseBehaviour } from '../../src/topology/adversaries.ts';

const K = 3;
/** Two heads over three rows: row s sure (0.9) of class s on head 0, unsure (0.5) on head 1. */
function batch(agent: string, probs?: number[], embedding?: PredictionBatch['embedding']): PredictionBatch {
  const own = [0.9, 0.05, 0.05, 0.05, 0.9, 0.05, 0.05, 0.05, 0.9, 0.5, 0.3, 0.2, 0.2, 0.5, 0.3, 0.3, 0.2, 0.5];
  return { agent, round: 4, chunkHash: 'h', heads: 2, classes: K, samples: 3, probs: Float32Array.from(probs ?? own), embedding };
}

describe('the adaptive liars', () => {
  it('parse with their arguments, and bad arguments say what is expected', () => {
    expect(parseBehaviour('camouflage')).toEqual({ kind: 'camouflage', threshold: CAMOUFLAGE_THRESHOLD });
    expect(parseBehaviour('camouflage:0.7')).toEqual({ kind: 'camouflage', threshold: 0.7 });
    expect(parseBehaviour('partial:0.4')).toEqual({ kind: 'partial', fraction: 0.4 });
    for (const b of ['aux-shift', 'stall', 'embedding-blowup']) expect(formatBehaviour(parseBehaviour(b))).toBe(b);
    expect(formatBehaviour(parseBehaviour('partial:0.25'))).toBe('partial:0.25');
    expect(() => parseBehaviour('partial')).toThrow(/partial needs a fraction of rows in \(0, 1\]/);
    expect(() => parseBehaviour('partial:2')).toThrow(/partial needs a fraction/);
    expect(() => parseBehaviour('camouflage:0')).toThrow(/camouflage needs a threshold/);
    expect(() => parseBehaviour('stall:3')).toThrow(/stall takes no argument/);
  });

  it('aux-shift tells the truth on head 0 only; partial is sure of a part and uniform elsewhere; embedding-blowup lies in the embeddings only', () => {
    const honest = batch('me', undefined, { size: 2, values: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    const aux = distortBatch(honest, { kind: 'aux-shift' }, 4, 1);
    expect(Array.from(aux.probs.subarray(0, 9))).toEqual(Array.from(honest.probs.subarray(0, 9)));
    expect(Array.from(aux.probs.subarray(9, 12))).toEqual([0.2, 0.5, 0.3].map(Math.fround));
    const partial = distortBatch(honest, { kind: 'partial', fraction: 0.5 }, 4, 1).probs;
    const rows = Array.from({ length: 6 }, (_, r) => Array.from(partial.subarray(r * K, r * K + K)));
    for (const row of rows) expect(row.some((v) => v === 1) || row.every((v) => Math.abs(v - 1 / K) < 1e-6)).toBe(true);
    // a lie is one-hot on the class after the row's own most likely one
    const lied = rows.findIndex((row) => row.includes(1));
    expect(lied).toBeGreaterThanOrEqual(0);
    const blown = distortBatch(honest, { kind: 'embedding-blowup' }, 4, 1);
    expect(blown.probs).toBe(honest.probs);
    expect(blown.embedding!.values[0]).toBe(Math.fround(2 * BLOWUP));
  });

  it('stall serves the truth, held until just before the reader stops waiting', () => {
    const p = lying(HONEST, { kind: 'stall' }, 1);
    expect(p.early(batch('me'), 4)).toEqual(batch('me'));
    expect(p.holdMs!(60_000)).toBe(60_000 - STALL_MARGIN_MS);
    expect(p.holdMs!(100)).toBe(0);
    expect(HONEST.holdMs).toBeUndefined();
  });

  it('camouflage waits for its readers\' predictions, then serves each reader its own sure rows and lies elsewhere', () => {
    const p = lying(HONEST, { kind: 'camouflage', threshold: 0.8 }, 1);
    expect(p.early(batch('liar'), 4)).toBeUndefined();
    const served = p.late(batch('liar'), 4, [batch('reader')])!;
    const toReader = p.forReader!(served, 'reader').probs;
    // head 0: the reader is sure of every row, so it gets its own rows back
    expect(Array.from(toReader.subarray(0, 9))).toEqual(Array.from(batch('reader').probs.subarray(0, 9)));
    // head 1: the reader is unsure everywhere, so every row is a confident lie (one-hot on the class after the liar's own guess)
    expect(Array.from(toReader.subarray(9, 18))).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0]);
    // a reader it did not fetch gets lies wherever the liar itself is unsure
    const stranger = p.forReader!(served, 'stranger').probs;
    expect(Array.from(stranger.subarray(0, 9))).toEqual(Array.from(batch('liar').probs.subarray(0, 9)));
  });
});
