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

  it('on a ring the mean is preserved, no agent moves away from it, and repeated averaging brings every agent to it', () => {
    const xs = [0, 4, 8, 12];
    const mean = 6;
    const step = (v: number[]) =>
      v.map((x, i) =>
        metropolisAverage(w(x), 2, [
          { agent: 'l', degree: 2, weights: w(v[(i + 3) % 4]) },
          { agent: 'r', degree: 2, weights: w(v[(i + 1) % 4]) },
        ])[0].values[0],
      );
    const next = step(xs);
    expect(next.reduce((a, b) => a + b, 0) / 4).toBeCloseTo(mean, 5);
    // every agent, not just the spread: none ends farther from the mean (agents 0 and 3 get strictly
    // closer; 1 and 2, whose neighbours' mean is their own mirror image, stay as far), none overshoots it
    next.forEach((x, i) => {
      expect(Math.abs(x - mean)).toBeLessThanOrEqual(Math.abs(xs[i] - mean) + 1e-6);
      expect(Math.sign(x - mean)).toBe(Math.sign(xs[i] - mean));
    });
    expect(Math.abs(next[0] - mean)).toBeLessThan(Math.abs(xs[0] - mean));
    expect(Math.abs(next[3] - mean)).toBeLessThan(Math.abs(xs[3] - mean));
    // repeated, every agent converges to the mean
    let v = xs;
    for (let k = 0; k < 60; k++) v = step(v);
    for (const x of v) expect(x).toBeCloseTo(mean, 3);
  });

  it('refuses different architectures with a clear error', () => {
    expect(() => metropolisAverage(w(1, 2), 1, [{ agent: 'cnn-agent', degree: 1, weights: w(1, 2, 3) }])).toThrow(
      /gossip needs equal backbones and heads: cnn-agent's tensor 0 is 3, this agent's k is 2/,
    );
  });
});
