// The rule that picks a setting on the validation set.
import { describe, expect, it } from 'vitest';
import { chooseOnVal } from '../../scripts/select-on-val.ts';
import type { Summary } from '../../src/report/summary.ts';

const s = (privateMain: number, sharedBest: number) => ({ mean: { privateAccuracy: [privateMain], sharedAccuracy: [0] }, best: { privateAccuracy: 0, sharedAccuracy: sharedBest } }) as unknown as Summary;

describe('choosing on the validation set', () => {
  it('the highest shared accuracy among candidates within 0.5 points of their own isolated baseline', () => {
    const { chosen, lines } = chooseOnVal([
      { label: 'a', summary: s(0.95, 0.9), isolated: s(0.951, 0.7) },
      // the best shared accuracy, but 0.6 points under its baseline's private accuracy
      { label: 'b', summary: s(0.944, 0.95), isolated: s(0.95, 0.7) },
      { label: 'c', summary: s(0.96, 0.92), isolated: s(0.962, 0.7) },
    ]);
    expect(chosen.label).toBe('c');
    expect(lines[1]).toMatch(/^ {2}b: private 94.40 against isolated 95.00 \(below -0.5\), shared best 95.00$/);
    expect(lines[2]).toMatch(/^\* c:/);
  });

  it('when none keeps its private accuracy, the one that falls least short', () => {
    const { chosen } = chooseOnVal([
      { label: 'a', summary: s(0.9, 0.9), isolated: s(0.95, 0.7) },
      { label: 'b', summary: s(0.93, 0.8), isolated: s(0.95, 0.7) },
    ]);
    expect(chosen.label).toBe('b');
    expect(() => chooseOnVal([])).toThrow(/no candidates/);
  });
});
