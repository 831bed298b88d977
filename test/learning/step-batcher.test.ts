// When the batcher runs an update: once every agent inside its training has a step waiting, and never
// later than its gather window for agents that are elsewhere in their round (a batch must not wait on
// the network). Agents of other models, and backbones that cannot stack, stay apart; a stack holds at
// most maxStack agents.
import { describe, expect, it } from 'vitest';
import { StepBatcher } from '../../src/learning/step-batcher.ts';
import type { StepBatch } from '../../src/learning/step.ts';
import { selectBackend } from '../../src/model/backend.ts';
import type { MultiHeadSpec } from '../../src/model/multi-head.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';

await selectBackend(TEST_BACKEND);

const spec = (seed: number, auxHeads = 1): MultiHeadSpec => ({ backbone: 'mlp-small', auxHeads, classes: 3, inputShape: [2, 2, 1], seed });
const batch: StepBatch = { x: new Float32Array(2 * 4).fill(0.5), labels: [0, 2], publicRows: 0 };
const step = { batch, weights: { nu0: 0, nuAux: 0, nuEmb: 0, temperature: 1 }, learningRate: 0.01 };
const settled = async (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('step batcher', () => {
  it('waits for every agent in training, then runs one update for all', async () => {
    const b = new StepBatcher({ gatherMs: 5 });
    const [x, y] = [b.join(spec(1), 'adam')!, b.join(spec(2), 'adam')!];
    x.enterTraining();
    y.enterTraining();
    const first = x.step(step);
    expect(await settled(first, 50)).toBe(false);
    const second = y.step(step);
    const [rx, ry] = await Promise.all([first, second]);
    expect([rx.agents, ry.agents]).toEqual([2, 2]);
    expect(b.stats).toEqual({ updates: 1, slotSteps: 2, slotsComputed: 2, inference: { computations: 0, slots: 0 } });
    x.release();
    y.release();
    expect(b.groupSizes()).toEqual([]);
  });

  it('does not wait past its window for an agent outside training, nor for one that left it', async () => {
    const b = new StepBatcher({ gatherMs: 20 });
    const [x, y, z] = [b.join(spec(1), 'adam')!, b.join(spec(2), 'adam')!, b.join(spec(3), 'adam')!];
    x.enterTraining();
    y.enterTraining();
    const t0 = performance.now();
    const pending = x.step(step);
    // y leaves training without stepping (it had fewer steps): x's step goes on, after z's window
    y.leaveTraining();
    const r = await pending;
    expect(r.agents).toBe(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
    expect(b.stats.slotsComputed).toBe(3);
    [x, y, z].forEach((s) => s.release());
  });

  it('groups by model: other heads make another stack, a CNN trains alone', () => {
    const b = new StepBatcher();
    const slots = [b.join(spec(1), 'adam'), b.join(spec(2), 'adam'), b.join(spec(3, 2), 'adam'), b.join(spec(4), 'sgd')];
    expect(b.groupSizes()).toEqual([2, 1, 1]);
    expect(b.join({ ...spec(5), backbone: 'cnn', inputShape: [8, 8, 1] }, 'adam')).toBeUndefined();
    slots.forEach((s) => s!.release());
    expect(b.groupSizes()).toEqual([]);
  });

  it('starts another stack past maxStack agents', () => {
    const b = new StepBatcher({ maxStack: 2 });
    const slots = [1, 2, 3, 4, 5].map((seed) => b.join(spec(seed), 'adam')!);
    expect(b.groupSizes()).toEqual([2, 2, 1]);
    expect(slots.map((s) => s.slot)).toEqual([0, 1, 0, 1, 0]);
    slots.forEach((s) => s.release());
  });
});
