import { describe, expect, it, vi } from 'vitest';
import { clusterLine, createProgress } from '../../src/cluster/progress.ts';

describe('progress', () => {
  it('many agents: one line of counts for the whole cluster', () => {
    const states = [
      { round: 3, rounds: 5, status: 'running', shared: 0.5 },
      { round: 5, rounds: 5, status: 'finished', shared: 0.7 },
      { round: 1, rounds: 5, status: 'FAILED' },
    ];
    expect(clusterLine(states)).toBe('3 agents: rounds 1..5 of 5 | 1 running, 1 finished, 1 FAILED | mean shared (best head) 60.0%');
  });

  it('without a terminal, 256 agents print one short line, 3 agents one entry each', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const many = createProgress(Array.from({ length: 256 }, (_, i) => `a${i}`), 4, false, 60_000);
      many.update({ type: 'round', agent: 'a7', round: 1, rounds: 4, loss: 1, shared: [0.4], seconds: 1 });
      many.stop();
      const line = String(log.mock.calls.at(-1)?.[0]);
      expect(line).toMatch(/256 agents: rounds 0\.\.2 of 4 \| 256 starting \| mean shared \(best head\) 40\.0%$/);
      expect(line.length).toBeLessThan(120);
      const few = createProgress(['a0', 'a1', 'a2'], 4, false, 60_000);
      few.update({ type: 'round', agent: 'a1', round: 0, rounds: 4, loss: 1, shared: [0.4], seconds: 1 });
      few.stop();
      expect(String(log.mock.calls.at(-1)?.[0])).toMatch(/a0 0\/4 starting, a1 1\/4 40\.0% starting, a2 0\/4 starting$/);
    } finally {
      log.mockRestore();
    }
  });
});
