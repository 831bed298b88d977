// Acceptance of `--dataset cifar10:DIR`: four cnn-cifar agents on a ring train on the generated
// CIFAR-10 fixture for two rounds, exchanging predictions, and every one is evaluated after each round.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/cluster/simulate.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { writeCifarFixture } from '../helpers/cifar-fixture.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

describe('simulate on CIFAR-10', () => {
  it('4 cnn-cifar agents on a ring finish 2 rounds on the fixture, each with an evaluation per round', async () => {
    const data = writeCifarFixture({ perBatch: 100, test: 100 });
    const config = tinyConfig({
      dataset: `cifar10:${data}`,
      nodes: 'cnn-cifar',
      topology: topologyFile('name: ring-4\nagents: 4\ngraph: ring\nparams: { k: 1 }\n'),
      rounds: 2,
      // the fixture's 500 train rows: 100 public, 40 validation, 4 x 40 private of a pool of 360
      public: 100,
      val: 40,
      private: 40,
      chunk: 50,
      evalSamples: 50,
      steps: 3,
    });
    expect(Object.values(config.profiles).map((p) => p.profile.backbone)).toEqual(['cnn', 'cnn', 'cnn', 'cnn']);
    const dir = tempDir();
    const summary = await simulate(config, dir);
    expect(summary.agents.map((a) => [a.id, a.status, a.roundsCompleted])).toEqual(['a0', 'a1', 'a2', 'a3'].map((id) => [id, 'finished', 2]));
    const run = readRun(dir);
    expect(run.config.dataset).toBe(`cifar10:${data}`);
    for (const agent of run.agents) {
      expect(agent.rounds.map((r) => r.round)).toEqual([0, 1]);
      for (const r of agent.rounds) {
        // the main head and the three auxiliary heads, each scored on the test sample
        expect(r.eval?.sharedAccuracy).toHaveLength(4);
        for (const acc of r.eval!.sharedAccuracy) expect(acc).toBeGreaterThanOrEqual(0);
      }
      // from round 0 on, each agent learns from its two ring neighbours
      expect(agent.rounds[1].teachersUsed).toHaveLength(2);
    }
  }, 120_000);
});
