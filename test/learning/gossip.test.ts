import { describe, expect, it } from 'vitest';
import { metropolisAverage } from '../../src/learning/gossip.ts';

const w = (...v: number[]) => [{ name: 'k', shape: [v.length], values: Float32Array.from(v) }];

describe('gossip averaging', () => {
  it('uses Metropolis weights 1 / (1 + max degree)', () => {
    // own degree 2, peers of degree 1 and 3: weights 1/3 and 1/4, self 1 - 7/12 = 5/12
    const out = metropolisAverage(w(12), 2, [
      { agent: 'a', degree: 1, weights: w(0) },
      { agent: 'b', degree: 3, weights: w(24) },
    ]);
    expect(out[0].values[0]).toBeCloseTo((5 / 12) * 12 + (1 / 4) * 24, 5);
  });

  it('on a ring every agent moves toward the mean and the mean is preserved', () => {
    const xs = [0, 4, 8, 12];
    const next = xs.map((x, i) =>
      metropolisAverage(w(x), 2, [
        { agent: 'l', degree: 2, weights: w(xs[(i + 3) % 4]) },
        { agent: 'r', degree: 2, weights: w(xs[(i + 1) % 4]) },
      ])[0].values[0],
    );
    expect(next.reduce((a, b) => a + b, 0) / 4).toBeCloseTo(6, 5);
    expect(Math.max(...next) - Math.min(...next)).toBeLessThan(12);
  });

  it('refuses different architectures with a clear error', () => {
    expect(() => metropolisAverage(w(1, 2), 1, [{ agent: 'cnn-agent', degree: 1, weights: w(1, 2, 3) }])).toThrow(
      /gossip needs equal backbones and heads: cnn-agent's tensor 0 is 3, this agent's k is 2/,
    );
  });
});
