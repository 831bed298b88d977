// The attacks table checks the bounds per head: crafted rows, one per kind of verdict.
import { describe, expect, it } from 'vitest';
import { attacksTable, shortfall, type AttackRow } from '../../scripts/experiments/report/attacks.ts';
import type { RunConfig } from '../../src/node/config.ts';
import type { Summary } from '../../src/report/summary.ts';

const row = (setting: string, shared: number[], privateMain: number, roundSeconds = 4): AttackRow => ({
  label: `ring-8 1-liar s1 ${setting}`,
  group: 'ring-8 1-liar s1',
  setting,
  summary: { mean: { sharedAccuracy: shared, privateAccuracy: [privateMain] }, adversaries: {} } as unknown as Summary,
  config: {} as RunConfig,
  absent: setting === 'absent' ? ['a3'] : [],
  roundSeconds,
});

describe('the attacks table', () => {
  const absent = row('absent', [0.75, 0.8, 0.83, 0.84], 0.95);
  it('the shortfall is the worst head\'s, not the best head\'s', () => {
    const s = shortfall(row('camouflage defence-on', [0.75, 0.8, 0.8, 0.86], 0.945), absent);
    expect(s.shared).toBeCloseTo(3, 6);
    expect(s.private).toBeCloseTo(0.5, 6);
  });

  it('marks each defended run ok or MISSED, the clean run against the defence off, and stalling by its round time', () => {
    const lines = attacksTable(
      [
        absent,
        row('clean defence-off', [0.76, 0.81, 0.84, 0.85], 0.95),
        row('clean defence-on', [0.76, 0.81, 0.83, 0.85], 0.95, 4),
        row('aux-shift defence-on', [0.75, 0.79, 0.82, 0.83], 0.95),
        row('camouflage defence-on', [0.75, 0.8, 0.8, 0.86], 0.95),
        row('partial:0.4 defence-on', [0.75, 0.8, 0.83, 0.84], 0.935),
        row('stall defence-on', [0.75, 0.8, 0.83, 0.84], 0.95, 7),
        row('echo defence-on', [0.75, 0.8, 0.83, 0.84], 0.95, 5.5),
        row('shift defence-off', [0.6, 0.6, 0.6, 0.6], 0.9),
      ],
      'wasm',
    ).split('\n');
    const verdict = (setting: string) => lines.find((l) => l.includes(`| ${setting} |`))!.split('|').at(-2)!.trim();
    expect(verdict('clean defence-on')).toBe('MISSED (vs off: 1.0)');
    expect(verdict('aux-shift defence-on')).toBe('ok');
    expect(verdict('camouflage defence-on')).toBe('MISSED');
    expect(verdict('partial:0.4 defence-on')).toBe('MISSED');
    // 7 s against the clean run's 4 is too slow; 5.5 s is within 1.5x
    expect(verdict('stall defence-on')).toBe('MISSED (slow)');
    expect(verdict('echo defence-on')).toBe('ok');
    expect(verdict('shift defence-off')).toBe('');
    expect(lines.at(-1)).toBe('Bounds held: 2; missed: 4.');
  });
});
