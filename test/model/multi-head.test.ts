// A model's tensors are its variables: building one and disposing it leaves no tensor behind, and the
// variables hold the values they were built from (the initial tensors are released, not their data).
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, tf } from '../../src/model/backend.ts';
import { BACKBONES } from '../../src/model/backbones.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';

beforeAll(async () => {
  await selectBackend(TEST_BACKEND);
});

describe('MultiHeadModel', () => {
  it.each(BACKBONES)('%s: built and disposed, it leaves no tensor; built twice from one seed, the same weights', (backbone) => {
    const before = tf.memory().numTensors;
    const spec = { backbone, auxHeads: 3, classes: 10, inputShape: [28, 28, 1] as const, seed: 7 };
    const a = new MultiHeadModel(spec);
    expect(tf.memory().numTensors - before).toBe(a.trainableVariables().length);
    const b = new MultiHeadModel(spec);
    const [wa, wb] = [a.getWeights(), b.getWeights()];
    expect(wa.map((w) => Array.from(w.values))).toEqual(wb.map((w) => Array.from(w.values)));
    // the kernels are the seeded glorot values, not zeros: the data outlived the initial tensors
    expect(wa.filter((w) => w.name.endsWith('/kernel')).every((w) => w.values.some((v) => v !== 0))).toBe(true);
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
