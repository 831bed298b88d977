import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareExperimentData, type ExperimentData } from '../../src/data/experiment-data.ts';
import { evaluationRows } from '../../src/data/eval-sample.ts';
import { createRng, range, shuffleInPlace } from '../../src/data/random.ts';
import { Learner, type LearnerOptions, type RoundTargets } from '../../src/learning/learner.ts';
import { FlatOptimizer } from '../../src/learning/flat-optimizer.ts';
import { trainStep } from '../../src/learning/step.ts';
import { targetsForHeads } from '../../src/learning/teachers.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';
import { selectBackend, tf } from '../../src/model/backend.ts';
import { loadCheckpointInto, saveCheckpoint } from '../../src/model/checkpoint.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import { imageRows, imagesTensor } from '../../src/model/tensors.ts';
import { loadProfile, type Profile } from '../../src/learning/profile.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';

beforeAll(async () => {
  await selectBackend(TEST_BACKEND);
});

const small: Profile = { ...loadProfile('small'), auxHeads: 3, stepsPerRound: 30 };

const options = (data: ExperimentData, profile: Profile, i: number, seed = 100 + i): LearnerOptions => ({
  profile,
  classes: 10,
  inputShape: [28, 28, 1],
  privateSet: data.privateSet(i),
  publicSet: data.split.publicSet,
  seed,
});

function learners(data: ExperimentData, profile: Profile, count: number): Learner[] {
  return range(count).map((i) => new Learner(options(data, profile, i)));
}

/** Rounds of train -> predict on a chunk -> trade predictions with neighbours -> choose targets. */
async function runRounds(ls: Learner[], neighbours: (i: number) => number[], rounds: number, exchange: boolean): Promise<void> {
  let targets: (RoundTargets | undefined)[] = ls.map(() => undefined);
  for (let r = 0; r < rounds; r++) {
    for (const [i, l] of ls.entries()) await l.trainRound(targets[i]);
    if (!exchange) continue;
    const rows = shuffleInPlace(range(1000), createRng(r)).slice(0, 400);
    const preds: PredictionBatch[] = [];
    for (const [i, l] of ls.entries()) {
      preds.push({ agent: `a${i}`, round: r, chunkHash: `r${r}`, heads: l.heads, classes: 10, samples: rows.length, probs: (await l.predict(rows)).probs });
    }
    targets = ls.map((l, i) => ({
      chunkRows: rows,
      heads: targetsForHeads(preds[i], neighbours(i).map((j) => preds[j]), {
        rule: l.profile.teacher, gateMain: l.profile.gateMain, gateAux: l.profile.gateAux, includeSelf: l.profile.includeSelf,
      }),
    }));
  }
}

describe('training step', () => {
  it('returns every loss term and leaks no tensors (100 steps leave as many tensors as 1)', async () => {
    const data = prepareExperimentData({ dataset: 'mnist', partition: 'iid', agents: 1, privatePerAgent: 100, publicSize: 200, seed: 1 });
    const [l] = learners(data, { ...small, stepsPerRound: 1 }, 1);
    const rows = range(50);
    const own: PredictionBatch = { agent: 'a', round: 0, chunkHash: 'x', heads: l.heads, classes: 10, samples: 50, probs: (await l.predict(rows)).probs };
    const other: PredictionBatch = { ...own, agent: 'b', probs: own.probs.map((_, i) => (i % 10 === 3 ? 0.91 : 0.01)) };
    const targets: RoundTargets = { chunkRows: rows, heads: targetsForHeads(own, [other], { rule: 'mean', gateMain: false, gateAux: false, includeSelf: true }) };
    const terms = await l.trainRound(targets);
    expect(terms.ce).toBeGreaterThan(0);
    expect(terms.distill).toHaveLength(4);
    for (const d of terms.distill) expect(d).toBeGreaterThan(0);
    // nu0 = nuAux = 1 and no embedding term: the total is CE plus the distillation terms
    expect(terms.total).toBeCloseTo(terms.ce + terms.distill.reduce((a, b) => a + b, 0), 4);
    const afterOne = tf.memory().numTensors;
    for (let i = 0; i < 99; i++) await l.trainRound(targets);
    expect(tf.memory().numTensors).toBe(afterOne);
    l.dispose();
  });

  it('auxLabels: every head takes the cross-entropy on the private batch, not only the main head', async () => {
    const data = prepareExperimentData({ dataset: 'mnist', partition: 'iid', agents: 1, privatePerAgent: 200, publicSize: 100, seed: 5 });
    const ce = async (auxLabels: boolean) => {
      const [l] = learners(data, { ...small, auxHeads: 2, stepsPerRound: 1, auxLabels }, 1);
      const terms = await l.trainRound();
      l.dispose();
      return terms.ce;
    };
    // Same seed, same batch, same initial weights: three heads of an untrained model each cost about ln 10.
    const one = await ce(false);
    const three = await ce(true);
    expect(one).toBeGreaterThan(1.5);
    expect(three).toBeGreaterThan(2.5 * one);
  });

  it('a student distilling from a fixed teacher on unlabelled inputs agrees with it on > 90 % of them', async () => {
    const data = prepareExperimentData({ dataset: 'mnist', partition: 'iid', agents: 1, privatePerAgent: 1000, publicSize: 500, seed: 2 });
    const [teacher] = learners(data, { ...loadProfile('default'), auxHeads: 0, stepsPerRound: 150 }, 1);
    await teacher.trainRound();
    const rows = range(500);
    const soft = (await teacher.predict(rows)).probs;
    const student = new MultiHeadModel({ backbone: 'mlp-small', auxHeads: 0, classes: 10, inputShape: [28, 28, 1], seed: 9 });
    const opt = new FlatOptimizer('adam', 0.003, student.trainableVariables());
    const pixels = imageRows(data.split.publicSet.pixels, 784, rows);
    const x = imagesTensor(data.split.publicSet.pixels, [28, 28, 1], rows);
    const targets = tf.tensor2d(soft, [500, 10]);
    const rng = createRng(4);
    for (let s = 0; s < 300; s++) {
      const idx = range(64).map(() => rng.int(500));
      const batch = new Float32Array(64 * 784);
      const t = new Float32Array(64 * 10);
      idx.forEach((r, i) => {
        batch.set(pixels.subarray(r * 784, (r + 1) * 784), i * 784);
        t.set(soft.subarray(r * 10, (r + 1) * 10), i * 10);
      });
      trainStep(student, opt, { x: batch, labels: [], publicRows: 64, headTargets: [{ targets: t, mask: new Float32Array(64).fill(1) }] }, { nu0: 1, nuAux: 0, nuEmb: 0, temperature: 1 });
    }
    const agree = tf.tidy(() => {
      const s = tf.argMax(student.forward(x, false).logits[0], 1);
      const t = tf.argMax(targets, 1);
      return tf.mean(tf.cast(tf.equal(s, t), 'float32')).dataSync()[0];
    });
    expect(agree).toBeGreaterThan(0.9);
    tf.dispose([x, targets]);
    opt.dispose();
    teacher.dispose();
    student.dispose();
  });
});

describe('learning from neighbours', () => {
  it('two learners holding half the classes each both beat their isolated twins on shared accuracy', async () => {
    const data = prepareExperimentData({ dataset: 'mnist', partition: 'skew:1:5', agents: 2, privatePerAgent: 500, publicSize: 1000, seed: 3 });
    const profile = { ...small, auxHeads: 1 };
    const mhd = learners(data, profile, 2);
    const iso = learners(data, profile, 2);
    await runRounds(mhd, (i) => [1 - i], 5, true);
    await runRounds(iso, () => [], 5, false);
    for (let i = 0; i < 2; i++) {
      const m = await mhd[i].evaluate(data.dataset.test, data.partition.histograms[i], evaluationRows(data.dataset.test.labels, 10, 2000, 1));
      const s = await iso[i].evaluate(data.dataset.test, data.partition.histograms[i], evaluationRows(data.dataset.test.labels, 10, 2000, 1));
      const bestM = Math.max(...m.sharedAccuracy);
      expect(s.sharedAccuracy[0]).toBeLessThan(0.55);
      expect(bestM).toBeGreaterThan(s.sharedAccuracy[0] + 0.2);
    }
    [...mhd, ...iso].forEach((l) => l.dispose());
  });

  it('with nu_0 = 0 on a 6-agent ring, shared accuracy rises from the main head to the last auxiliary head', async () => {
    const data = prepareExperimentData({ dataset: 'mnist', partition: 'skew:1:2', agents: 6, privatePerAgent: 300, publicSize: 1000, seed: 1 });
    const ls = learners(data, { ...small, nu0: 0, auxHeads: 3 }, 6);
    await runRounds(ls, (i) => [(i + 5) % 6, (i + 1) % 6], 8, true);
    const evs = await Promise.all(ls.map((l, i) => l.evaluate(data.dataset.test, data.partition.histograms[i], evaluationRows(data.dataset.test.labels, 10, 2000, 1))));
    const mean = (h: number) => evs.reduce((a, e) => a + e.sharedAccuracy[h], 0) / evs.length;
    // each agent knows 2 of 10 classes: about 20 % on the main head, which keeps its private task
    expect(mean(0)).toBeLessThan(0.25);
    expect(mean(1)).toBeGreaterThan(mean(0) + 0.1);
    expect(mean(3)).toBeGreaterThan(mean(1) + 0.03);
    ls.forEach((l) => l.dispose());
    // 6 learners x 8 rounds of real training: about 25 s alone on 2 cores, past a minute on a loaded machine.
  }, 180_000);
});

describe('checkpoints', () => {
  it('save then load gives identical predictions', async () => {
    const data = prepareExperimentData({ dataset: 'mnist', partition: 'iid', agents: 1, privatePerAgent: 100, publicSize: 100, seed: 1 });
    const [a] = learners(data, { ...small, stepsPerRound: 5 }, 1);
    await a.trainRound();
    const file = join(mkdtempSync(join(tmpdir(), 'mhd-')), 'w.bin');
    saveCheckpoint(file, a.model, { round: 4 });
    const b = new Learner(options(data, { ...small, stepsPerRound: 5 }, 0, 12345));
    const rows = range(50);
    expect(Array.from((await b.predict(rows)).probs)).not.toEqual(Array.from((await a.predict(rows)).probs));
    const cp = loadCheckpointInto(file, b.model);
    expect(cp.meta).toEqual({ round: 4 });
    expect(Array.from((await b.predict(rows)).probs)).toEqual(Array.from((await a.predict(rows)).probs));
    const other = new MultiHeadModel({ backbone: 'mlp', auxHeads: 1, classes: 10, inputShape: [28, 28, 1], seed: 1 });
    expect(() => loadCheckpointInto(file, other)).toThrow(/different model/);
    [a, b].forEach((l) => l.dispose());
    other.dispose();
  });
});
