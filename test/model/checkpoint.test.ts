import { describe, expect, it } from 'vitest';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../src/model/backend.ts';
import { loadCheckpointInto, readCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import { tempDir } from '../helpers/config.ts';

const spec = { backbone: 'mlp-small', auxHeads: 1, classes: 3, inputShape: [4, 4, 1], seed: 5 } as const;

async function saved(poison?: number): Promise<{ file: string; model: MultiHeadModel }> {
  await selectBackend('wasm');
  const model = new MultiHeadModel({ ...spec, inputShape: [...spec.inputShape] });
  if (poison !== undefined) {
    const w = model.getWeights();
    w[0].values[3] = poison;
    model.setWeights(w);
  }
  const file = join(tempDir('mhd-cp-'), 'checkpoint.bin');
  saveCheckpoint(file, model, { round: 2 });
  return { file, model };
}

describe('checkpoints', () => {
  it('round-trips the weights and the meta', async () => {
    const { file, model } = await saved();
    const cp = loadCheckpointInto(file, model);
    expect(cp.meta.round).toBe(2);
    expect(cp.weights.map((w) => w.name)).toEqual(model.getWeights().map((w) => w.name));
  });

  it('a file cut to an odd length is a CheckpointError that names the file', async () => {
    const { file } = await saved();
    truncateSync(file, readFileSync(file).length - 3);
    expect(() => readCheckpoint(file)).toThrow(expect.objectContaining({ name: 'CheckpointError', message: expect.stringContaining(file) }));
  });

  it('a flipped byte fails the checksum', async () => {
    const { file } = await saved();
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(file, bytes);
    expect(() => readCheckpoint(file)).toThrow(/checksum/);
  });

  it('a checkpoint holding NaN is refused on load, naming the file and the tensor', async () => {
    const { file, model } = await saved(Number.NaN);
    expect(() => loadCheckpointInto(file, model)).toThrow(expect.objectContaining({ name: 'CheckpointError', message: expect.stringMatching(/non-finite/) }));
    expect(() => readCheckpoint(file)).toThrow(file);
  });
});
