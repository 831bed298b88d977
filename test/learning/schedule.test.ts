import { beforeAll, describe, expect, it } from 'vitest';
import { prepareExperimentData } from '../../src/data/experiment-data.ts';
import { Learner } from '../../src/learning/learner.ts';
import { loadProfile, type Profile } from '../../src/learning/profile.ts';
import { learningRateAt } from '../../src/learning/schedule.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';

beforeAll(async () => {
  await selectBackend(TEST_BACKEND);
});

describe('learning-rate schedule', () => {
  it('constant keeps the base rate in every round', () => {
    expect([0, 7, 19].map((r) => learningRateAt(0.001, 'constant', r, 20))).toEqual([0.001, 0.001, 0.001]);
  });

  it('cosine starts at the base rate, halves at mid-run, falls monotonically and stays above 0 in the last round', () => {
    const rates = Array.from({ length: 20 }, (_, r) => learningRateAt(0.002, 'cosine', r, 20));
    expect(rates[0]).toBeCloseTo(0.002, 12);
    expect(rates[10]).toBeCloseTo(0.001, 12);
    for (let r = 1; r < 20; r++) expect(rates[r]).toBeLessThan(rates[r - 1]);
    expect(rates[19]).toBeGreaterThan(0);
    expect(rates[19]).toBeLessThan(0.0001);
  });

  it('cosine without a positive whole number of rounds is an error, not NaN', () => {
    expect(() => learningRateAt(0.001, 'cosine', 0, 0)).toThrow(/rounds/);
    expect(() => learningRateAt(0.001, 'cosine', 0, 2.5)).toThrow(/rounds/);
  });

  it.each(['adam', 'sgd'] as const)('a %s learner trains each round at the scheduled rate', async (optimizer) => {
    const data = prepareExperimentData({ dataset: 'mnist', partition: 'iid', agents: 1, privatePerAgent: 50, publicSize: 10, seed: 3 });
    const profile: Profile = { ...loadProfile('small'), optimizer, learningRate: 0.01, stepsPerRound: 1, lrSchedule: 'cosine' };
    const l = new Learner({ profile, classes: 10, inputShape: [28, 28, 1], privateSet: data.privateSet(0), publicSet: data.split.publicSet, seed: 1 });
    await l.trainRound(undefined, { round: 5, rounds: 10 });
    expect(l.learningRate).toBeCloseTo(0.005, 12);
    await l.trainRound(undefined, { round: 0, rounds: 10 });
    expect(l.learningRate).toBeCloseTo(0.01, 12);
    l.dispose();
  });
});
