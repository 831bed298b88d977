import { describe, expect, it } from 'vitest';
import { mergeTargets, type ChunkTargets } from '../../src/learning/merge-targets.ts';

const part = (rows: number[], fill: number, used: number, teachers: string[], embedding?: number): ChunkTargets => ({
  rows,
  heads: [0, 1].map((head) => ({
    head,
    choice: { targets: new Float32Array(rows.length * 2).fill(fill + head), mask: new Float32Array(rows.length).fill(head), used: used + head },
    teachers: head === 0 ? teachers : [...teachers, 'self'],
  })),
  embedding: embedding === undefined ? undefined : new Float32Array(rows.length).fill(embedding),
});

describe('mergeTargets: targets chosen per chunk, joined into one round', () => {
  it('nothing to merge is no targets; one chunk is passed through', () => {
    expect(mergeTargets([])).toBeUndefined();
    const one = part([4, 5], 0.5, 2, ['a'], 1);
    expect(mergeTargets([one])).toEqual({ chunkRows: [4, 5], heads: one.heads, embedding: one.embedding });
  });

  it('several chunks: rows, targets and masks concatenated head by head, counts summed, teachers once each', () => {
    const merged = mergeTargets([part([4, 5], 0.25, 2, ['a'], 1), part([7, 8, 9], 0.5, 3, ['b', 'a'], 2)])!;
    expect(merged.chunkRows).toEqual([4, 5, 7, 8, 9]);
    expect(merged.heads.map((h) => h.head)).toEqual([0, 1]);
    expect([...merged.heads[0].choice.targets]).toEqual([...new Array(4).fill(0.25), ...new Array(6).fill(0.5)]);
    expect([...merged.heads[1].choice.targets]).toEqual([...new Array(4).fill(1.25), ...new Array(6).fill(1.5)]);
    expect([...merged.heads[1].choice.mask]).toEqual([1, 1, 1, 1, 1]);
    expect(merged.heads.map((h) => h.choice.used)).toEqual([5, 7]);
    expect(merged.heads[0].teachers).toEqual(['a', 'b']);
    expect(merged.heads[1].teachers).toEqual(['a', 'self', 'b']);
    expect([...merged.embedding!]).toEqual([1, 1, 2, 2, 2]);
  });

  it('embeddings only when every chunk has them', () => {
    expect(mergeTargets([part([1], 0, 0, ['a'], 1), part([2], 0, 0, ['b'])])!.embedding).toBeUndefined();
  });
});
