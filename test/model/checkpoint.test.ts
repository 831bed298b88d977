import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBackend, parseBackendName, selectBackend } from '../../src/model/backend.ts';
import { loadCheckpointInto, readCheckpoint, saveCheckpoint } from '../../src/model/checkpoint.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import { imageRows, imagesTensor } from '../../src/model/tensors.ts';
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

  /** Rewrites the file's header line with `edit`, and its body with `body` (the checksum made to match). */
  function rewrite(file: string, edit: (h: Record<string, unknown>) => Record<string, unknown>, body?: (b: Buffer) => Buffer): void {
    const bytes = readFileSync(file);
    const nl = bytes.indexOf(0x0a);
    const data = body ? body(bytes.subarray(nl + 1)) : bytes.subarray(nl + 1);
    const header = edit({ ...JSON.parse(bytes.subarray(0, nl).toString('utf8')), sha256: createHash('sha256').update(data).digest('hex') });
    writeFileSync(file, Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), data]));
  }

  it.each([
    ['no header line', (file: string) => writeFileSync(file, 'no newline here'), /not an mhd checkpoint \(bad header\)/],
    ['a header that is not JSON', (file: string) => writeFileSync(file, 'weights\n1234'), /not an mhd checkpoint/],
    ['the older format', (file: string) => rewrite(file, (h) => ({ ...h, format: 'mhd-weights-1' })), /older mhd, without a checksum/],
    ['an unknown format', (file: string) => rewrite(file, (h) => ({ ...h, format: 'mhd-weights-9' })), /unknown checkpoint format mhd-weights-9/],
    ['a header promising more values', (file: string) => rewrite(file, (h) => ({ ...h, tensors: [...(h.tensors as object[]), { name: 'extra', shape: [2] }] })), /holds \d+ values, its header promises \d+/],
    ['a body of odd length with a matching checksum', (file: string) => rewrite(file, (h) => h, (b) => b.subarray(0, b.length - 1)), /not a whole number of float32 values/],
  ])('%s is a CheckpointError naming the file', async (_what, damage, message) => {
    const { file } = await saved();
    damage(file);
    expect(() => readCheckpoint(file)).toThrow(expect.objectContaining({ name: 'CheckpointError', message: expect.stringContaining(file) }));
    expect(() => readCheckpoint(file)).toThrow(message);
  });

  it('a checkpoint of another model is refused, and the model is left as it was', async () => {
    const { file } = await saved();
    const other = new MultiHeadModel({ ...spec, inputShape: [...spec.inputShape], auxHeads: 2 });
    const before = other.getWeights().map((w) => [...w.values]);
    expect(() => loadCheckpointInto(file, other)).toThrow(/checkpoint is of a different model/);
    expect(other.getWeights().map((w) => [...w.values])).toEqual(before);
    other.dispose();
  });
});

describe('backends', () => {
  it('names: native, node, tfjs-node and tensorflow are the native backend; others are refused', () => {
    expect(['native', 'node', 'TFJS-NODE', ' tensorflow '].map(parseBackendName)).toEqual(['native', 'native', 'native', 'native']);
    expect(parseBackendName('wasm')).toBe('wasm');
    expect(parseBackendName('cpu')).toBe('cpu');
    expect(() => parseBackendName('webgl')).toThrow(/unknown backend "webgl": expected one of native \(or node: tfjs-node\), wasm, cpu/);
  });

  it('the same backend asked again is the one already running', async () => {
    const a = await selectBackend('wasm');
    const b = await selectBackend('wasm');
    expect(b).toBe(a);
    expect(formatBackend(a)).toMatch(/^wasm/);
    await expect(selectBackend('webgl')).rejects.toThrow(/unknown backend/);
  });

  it('switches between backends on request; auto keeps the one running; native either loads or says why', async () => {
    expect(await selectBackend('cpu')).toEqual({ name: 'cpu', detail: '' });
    expect(formatBackend(await selectBackend('auto'))).toBe('cpu');
    const native = await selectBackend('node').then(
      (info) => info.name,
      (err: Error) => err.message,
    );
    expect(native).toMatch(/^native$|^cannot use the forced backend "node": @tensorflow\/tfjs-node is not installed or failed to load/);
    // `--backend native` and `--backend node` are one backend, and output names it the same way.
    const asNative = await selectBackend('native').then(formatBackend, (err: Error) => err.message);
    expect(asNative).toMatch(/^native \(tfjs-node\)$|^cannot use the forced backend "native"/);
    expect((await selectBackend('wasm')).name).toBe('wasm');
  });
});

describe('the model and its tensors', () => {
  it('refuses an impossible head count and weights of another shape or count', async () => {
    await selectBackend('wasm');
    expect(() => new MultiHeadModel({ ...spec, inputShape: [...spec.inputShape], auxHeads: 17 })).toThrow(/auxiliary heads must be an integer in 0..16, got 17/);
    expect(() => new MultiHeadModel({ ...spec, inputShape: [...spec.inputShape], auxHeads: 1.5 })).toThrow(/got 1.5/);
    const model = new MultiHeadModel({ ...spec, inputShape: [...spec.inputShape] });
    const w = model.getWeights();
    expect(() => model.setWeights(w.slice(1))).toThrow(/weights have \d+ tensors, the model \d+/);
    expect(() => model.setWeights([{ ...w[0], shape: [1, ...w[0].shape] }, ...w.slice(1)])).toThrow(/weight 0 \(.*\) has shape 1x/);
    model.dispose();
  });

  it('images as floats in [0, 1], of every row or of the rows asked for', async () => {
    await selectBackend('wasm');
    const pixels = Uint8Array.from([0, 255, 51, 102, 0, 0, 255, 255]);
    const all = imagesTensor(pixels, [2, 2, 1]);
    expect(all.shape).toEqual([2, 2, 2, 1]);
    const second = imagesTensor(pixels, [2, 2, 1], [1]);
    expect([...second.dataSync()]).toEqual([0, 0, 1, 1]);
    expect([...imageRows(pixels, 4, [1, 0])].map((v) => Math.round(v * 255))).toEqual([0, 0, 255, 255, 0, 255, 51, 102]);
    for (const t of [all, second]) t.dispose();
  });
});
