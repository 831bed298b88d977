import { describe, expect, it } from 'vitest';
import { classAccuracy, privateAccuracy, sharedAccuracy } from '../../src/learning/metrics.ts';

describe('accuracy maths', () => {
  // labels:    0 0 0 0 1 1 2 2 2 2
  // predicted: 0 0 0 1 1 0 2 2 0 0  -> class 0: 3/4, class 1: 1/2, class 2: 2/4
  const labels = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
  const predicted = [0, 0, 0, 1, 1, 0, 2, 2, 0, 0];
  const acc = classAccuracy(predicted, labels, 3);

  it('counts per class', () => {
    expect(acc.correct).toEqual([3, 1, 2]);
    expect(acc.total).toEqual([4, 2, 4]);
  });

  it('shared accuracy is plain accuracy on the whole test split', () => {
    expect(sharedAccuracy(acc)).toBeCloseTo(6 / 10, 10);
  });

  it('private accuracy weights per-class accuracy by the private label distribution', () => {
    // pi = (0.5, 0.5, 0): 0.5 * 0.75 + 0.5 * 0.5 = 0.625
    expect(privateAccuracy(acc, [50, 50, 0])).toBeCloseTo(0.625, 10);
    // pi = (0.1, 0, 0.9): 0.1 * 0.75 + 0.9 * 0.5 = 0.525
    expect(privateAccuracy(acc, [1, 0, 9])).toBeCloseTo(0.525, 10);
    // a uniform pi is the class-balanced accuracy
    expect(privateAccuracy(acc, [1, 1, 1])).toBeCloseTo((0.75 + 0.5 + 0.5) / 3, 10);
  });

  it('rejects mismatched lengths', () => {
    expect(() => classAccuracy([1], [1, 2], 3)).toThrow(/1 predictions for 2 labels/);
  });
});
