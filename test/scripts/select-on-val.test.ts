// The rule that picks a setting on the validation set.
import { describe, expect, it } from 'vitest';
import { chooseOnVal } from '../../scripts/experiments/report/select-on-val.ts';
import type { Summary } from '../../src/report/summary.ts';

const s = (privateMain: number, sharedBest: number) => ({ mean: { privateAccuracy: [privateMain], sharedAccuracy: [0] }, best: { privateAccuracy: 0, sharedAccuracy: sharedBest } }) as unknown as Summary;
const cand = (label: string, ...scores: [number, number, number][]) => ({ label, scores: scores.map(([p, sh, iso], i) => ({ scenario: `d${i}`, summary: s(p, sh), isolated: s(iso, 0.7) })) });

describe('choosing on the validation set', () => {
  it('the highest mean shared accuracy among candidates within 0.5 points of their own baseline in every scenario', () => {
    const { chosen, lines } = chooseOnVal([
      cand('a', [0.95, 0.9, 0.951], [0.9, 0.8, 0.9]),
      // the best shared accuracy, but 0.6 points under its baseline in the second scenario
      cand('b', [0.95, 0.95, 0.95], [0.894, 0.85, 0.9]),
      cand('c', [0.96, 0.92, 0.962], [0.9, 0.8, 0.903]),
    ]);
    expect(chosen.label).toBe('c');
    expect(lines).toContain('  b: mean shared best 90.00, private below isolated - 0.5 everywhere');
    expect(lines).toContain('    d1: private 89.40 against isolated 90.00, shared best 85.00');
    expect(lines.find((l) => l.startsWith('*'))).toMatch(/^\* c:/);
  });

  it('when none keeps its private accuracy everywhere, the one whose worst shortfall is smallest', () => {
    const { chosen } = chooseOnVal([cand('a', [0.9, 0.9, 0.95]), cand('b', [0.93, 0.8, 0.95])]);
    expect(chosen.label).toBe('b');
    expect(() => chooseOnVal([])).toThrow(/no candidates/);
  });
});
