// --eval-samples takes a seeded, class-stratified sample, the same for every agent of a run.
import { describe, expect, it } from 'vitest';
import { describeEvaluation, evaluationRows } from '../../src/data/eval-sample.ts';

// Like Fashion-MNIST's test split: sorted by class, 1,000 rows each.
const sorted = Uint8Array.from({ length: 10_000 }, (_, i) => Math.floor(i / 1000));
const histogram = (labels: Uint8Array, rows: number[]) => rows.reduce((h, r) => (h[labels[r]]++, h), new Array(10).fill(0));

describe('evaluation rows', () => {
  it('1,000 rows of a class-sorted split cover every class equally, not the first class only', () => {
    const rows = evaluationRows(sorted, 10, 1000, 1);
    expect(rows).toHaveLength(1000);
    expect(histogram(sorted, rows)).toEqual(new Array(10).fill(100));
    expect(new Set(rows).size).toBe(1000);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
  });

  it('the same seed gives the same rows (every agent of a run), another seed other rows', () => {
    expect(evaluationRows(sorted, 10, 300, 4)).toEqual(evaluationRows(sorted, 10, 300, 4));
    expect(evaluationRows(sorted, 10, 300, 5)).not.toEqual(evaluationRows(sorted, 10, 300, 4));
  });

  it('unequal classes get their share by largest remainders; 0 or more than the split means all rows', () => {
    const labels = Uint8Array.from([...new Array(6).fill(0), ...new Array(3).fill(1), 2]);
    expect(histogram(labels, evaluationRows(labels, 3, 5, 1))).toEqual([3, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(evaluationRows(labels, 3, 0, 1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(evaluationRows(labels, 3, 50, 1)).toHaveLength(10);
    expect(describeEvaluation(0, 1)).toBe('the whole test split');
    expect(describeEvaluation(500, 3)).toMatch(/class-stratified sample of 500 rows of the test split, seed 3/);
    expect(describeEvaluation(0, 3, 'val')).toBe('the whole validation set');
  });
});
