import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../src/cluster/simulate.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

const ring = topologyFile('name: ring-6\nagents: 6\ngraph: ring\nadversaries: { a2: shift }\n');

describe('a lying neighbour (end to end)', () => {
  it('is excluded by the honest agents that learn from it, who stay within reach of a clean run', async () => {
    const over = { topology: ring, rounds: 4, steps: 30, private: 200, auxHeads: 0, evalSamples: 0, fetchTimeout: 30 };
    // the reference: the same topology and seed with a2 silent (it teaches nobody), so that both runs
    // average the same five honest agents, who lose a2 as a teacher either way
    const clean = await simulate(tinyConfig({ ...over, topology: topologyFile('name: ring-6\nagents: 6\ngraph: ring\nadversaries: { a2: silent }\n') }), tempDir());
    const dir = tempDir();
    const lied = await simulate(tinyConfig(over), dir);
    expect(lied.adversaries).toEqual({ a2: 'shift' });
    expect(lied.agents.find((a) => a.id === 'a2')!.adversary).toBe('shift');
    const run = readRun(dir);
    for (const [id, honest] of [['a1', 'a0'], ['a3', 'a4']]) {
      const rounds = run.agents.find((a) => a.id === id)!.rounds;
      const last = rounds[rounds.length - 1];
      // the liar's trust is below the honest neighbour's, and it is no teacher in the last rounds
      expect(last.trust!.a2).toBeLessThan(last.trust![honest]);
      expect(last.excluded!.map((s) => s.agent)).toContain('a2');
      expect(last.teachersUsed).not.toContain('a2');
      expect(readFileSync(join(dir, 'agents', id, 'log'), 'utf8')).toMatch(/excluded a2 as a teacher: score/);
    }
    // honest agents: mean over the honest five only, not poisoned (a loose bound: tiny models, loaded machine)
    expect(lied.mean.sharedAccuracy[0], `lied ${lied.mean.sharedAccuracy[0]} clean ${clean.mean.sharedAccuracy[0]}`).toBeGreaterThan(clean.mean.sharedAccuracy[0] - 0.08);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/Trust in neighbours[\s\S]*liar: shift/);
  }, 600_000);
});
