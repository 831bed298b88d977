import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CIFAR_RECORD, loadCifar10Folder, parseCifarBatch } from '../../src/data/cifar.ts';
import { assertDatasetName, knownDatasets, loadDataset } from '../../src/data/datasets.ts';
import { prepareExperimentData } from '../../src/data/experiment-data.ts';
import { Learner } from '../../src/learning/learner.ts';
import { loadProfile } from '../../src/learning/profile.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { BACKBONES } from '../../src/model/backbones.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { tempDir } from '../helpers/config.ts';
import { cifarRecords, writeCifarFixture } from '../helpers/cifar-fixture.ts';
import { runCli } from '../helpers/node-bin.ts';

beforeAll(async () => {
  await selectBackend(TEST_BACKEND);
});

/** The error `fn` throws, checked to be one line. */
function oneLine(fn: () => unknown): string {
  let message = '';
  try {
    fn();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message).not.toBe('');
  expect(message).not.toContain('\n');
  return message;
}

describe('CIFAR-10 binary batches', () => {
  it('loads the five train batches and the test batch as 32x32x3 images with the standard class names', () => {
    const dir = writeCifarFixture({ perBatch: 60, test: 100 });
    const ds = loadDataset(`cifar10:${dir}`);
    expect(ds.name).toBe(`cifar10:${dir}`);
    expect([ds.train.n, ds.test.n, ds.classes]).toEqual([300, 100, 10]);
    expect(ds.inputShape).toEqual([32, 32, 3]);
    expect(ds.train.pixels.length).toBe(300 * 3072);
    expect(ds.classNames).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    // batches in order: batch b's records start at label b (the fixture's cycle), every class present
    expect([0, 60, 120].map((r) => ds.train.labels[r])).toEqual([0, 1, 2]);
    expect(new Set(ds.train.labels).size).toBe(10);
    // loaded once per process
    expect(loadDataset(`cifar10:${dir}`)).toBe(ds);
  });

  it('turns the red, green and blue planes into interleaved pixels, row-major', () => {
    const record = new Uint8Array(CIFAR_RECORD);
    record[0] = 7;
    // red = column, green = row, blue = 200 + channel marker at one pixel
    for (let p = 0; p < 1024; p++) {
      record[1 + p] = p % 32;
      record[1 + 1024 + p] = Math.floor(p / 32);
      record[1 + 2048 + p] = 200;
    }
    record[1 + 2048 + 5 * 32 + 9] = 99;
    const set = parseCifarBatch(record, 'one.bin');
    expect([set.n, set.labels[0]]).toEqual([1, 7]);
    const at = (y: number, x: number) => Array.from(set.pixels.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
    expect(at(0, 0)).toEqual([0, 0, 200]);
    expect(at(5, 9)).toEqual([9, 5, 99]);
    expect(at(31, 30)).toEqual([30, 31, 200]);
  });

  it('takes the class names from batches.meta.txt when the folder has one', () => {
    const names = ['a0', 'b1', 'c2', 'd3', 'e4', 'f5', 'g6', 'h7', 'i8', 'j9'];
    const dir = writeCifarFixture({ perBatch: 10, test: 10, classNames: names });
    expect(loadCifar10Folder(dir, 'x').classNames).toEqual(names);
    writeFileSync(join(dir, 'batches.meta.txt'), 'cat\ndog\n');
    expect(oneLine(() => loadCifar10Folder(dir, 'x'))).toBe(`${join(dir, 'batches.meta.txt')}: 2 class names, expected 10 (one a line)`);
  });

  it('a missing folder or batch, a truncated file, a wrong record size and a bad label: one line naming the file', () => {
    expect(oneLine(() => loadDataset('cifar10:/nonexistent/cifar'))).toMatch(/^cifar10:\/nonexistent\/cifar: no folder \/nonexistent\/cifar /);
    const dir = writeCifarFixture({ perBatch: 10, test: 10 });
    const file = (f: string) => join(dir, f);
    const good = readFileSync(file('data_batch_3.bin'));

    rmSync(file('data_batch_4.bin'));
    expect(oneLine(() => loadCifar10Folder(dir, 'c'))).toBe(`c: missing file ${file('data_batch_4.bin')}`);
    rmSync(file('test_batch.bin'));
    expect(oneLine(() => loadCifar10Folder(dir, 'c'))).toBe(`c: missing files ${file('data_batch_4.bin')}, ${file('test_batch.bin')}`);
    // pointing at the folder the archive unpacks into gets a hint
    const parent = tempDir();
    mkdirSync(join(parent, 'cifar-10-batches-bin'));
    expect(oneLine(() => loadCifar10Folder(parent, 'c'))).toMatch(/did you mean cifar10:.*cifar-10-batches-bin\?\)$/);
    writeFileSync(file('data_batch_4.bin'), good);
    writeFileSync(file('test_batch.bin'), good);

    writeFileSync(file('data_batch_3.bin'), good.subarray(0, good.length - 100));
    expect(oneLine(() => loadCifar10Folder(dir, 'c'))).toBe(
      `${file('data_batch_3.bin')}: 30630 bytes is not a whole number of 3073-byte CIFAR-10 records (truncated or not CIFAR-10: 9 whole records and 2973 bytes over)`,
    );
    // CIFAR-100's records (a coarse and a fine label) are one byte longer
    writeFileSync(file('data_batch_3.bin'), new Uint8Array(3074 * 4));
    expect(oneLine(() => loadCifar10Folder(dir, 'c'))).toMatch(/data_batch_3\.bin: 12296 bytes .*CIFAR-100's binary version, not CIFAR-10's\)$/);
    writeFileSync(file('data_batch_3.bin'), new Uint8Array(0));
    expect(oneLine(() => loadCifar10Folder(dir, 'c'))).toBe(`${file('data_batch_3.bin')}: empty file, expected 3073-byte CIFAR-10 records`);

    const bad = Uint8Array.from(good);
    bad[2 * CIFAR_RECORD] = 10;
    writeFileSync(file('data_batch_3.bin'), bad);
    expect(oneLine(() => loadCifar10Folder(dir, 'c'))).toBe(`${file('data_batch_3.bin')}: record 2 (byte 6146) has label 10, expected 0..9`);
    writeFileSync(file('data_batch_3.bin'), good);
    expect(loadCifar10Folder(dir, 'c').train.n).toBe(50);
  });

  it('cifar10:DIR is a known dataset name; the bare prefix is not', () => {
    expect(knownDatasets()).toEqual(expect.arrayContaining(['mnist', 'fashion-mnist', 'idx:DIR', 'cifar10:DIR']));
    expect(() => assertDatasetName('cifar10:/anywhere')).not.toThrow();
    expect(oneLine(() => assertDatasetName('cifar10:'))).toBe('dataset "cifar10:" names no folder: write cifar10:DIR');
    expect(oneLine(() => assertDatasetName('cifar10'))).toMatch(/^unknown dataset "cifar10": known datasets are .*cifar10:DIR/);
  });

  it('the CLI prints one line and creates no run directory for a bad folder or a truncated batch', async () => {
    const dir = writeCifarFixture({ perBatch: 10, test: 10 });
    writeFileSync(join(dir, 'test_batch.bin'), cifarRecords(3, 1).subarray(0, 3 * CIFAR_RECORD - 1));
    const cases = [
      ['cifar10:/nonexistent', /^mhd: cifar10:\/nonexistent: no folder \/nonexistent /],
      [`cifar10:${dir}`, /^mhd: .*test_batch\.bin: 9218 bytes is not a whole number of 3073-byte CIFAR-10 records/],
    ] as const;
    for (const [dataset, line] of cases) {
      const out = join(tempDir(), 'run');
      const r = await runCli(['simulate', '--dataset', dataset, '--topology', 'topologies/ring-4.yaml', '--out', out], 60_000);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(line);
      expect(existsSync(out)).toBe(false);
    }
  }, 120_000);
});

describe('32x32x3 through the data and model layers', () => {
  const dir = writeCifarFixture({ perBatch: 100, test: 100 });
  const data = (partition: string, privatePerAgent = 40) =>
    prepareExperimentData({ dataset: `cifar10:${dir}`, partition, agents: 4, privatePerAgent, publicSize: 100, valSize: 40, seed: 3 });

  it('every partitioner deals the small pool: public set, validation set and 4 x 40 private rows', () => {
    for (const spec of ['iid', 'skew:0.9:2', 'dirichlet:0.3', 'shards:2']) {
      const d = data(spec);
      expect([d.split.publicSet.n, d.split.valSet.n, d.split.privatePool.n]).toEqual([100, 40, 360]);
      expect(d.split.publicSet.pixels.length).toBe(100 * 3072);
      for (let i = 0; i < 4; i++) {
        expect(d.privateSet(i).n, spec).toBe(40);
        expect(d.privateSet(i).pixels.length).toBe(40 * 3072);
      }
      expect(new Set(d.partition.indices.flat()).size, spec).toBe(160);
    }
    // With so few rows a skewed partition runs out of a dominant class before the pool runs out:
    // 4 x 80 fits the pool of 360, but agent 1's classes 2 and 3 need 36 each of about 36.
    expect(() => data('skew:0.9:2', 80)).toThrow(/^more samples asked for than exist: class \d has \d+ unused samples left in the private pool, \d+ needed$/);
  });

  it('every backbone builds for 32x32x3 and trains a step', async () => {
    const d = data('iid');
    for (const backbone of BACKBONES) {
      const profile = { ...loadProfile('cnn-cifar'), backbone, auxHeads: 1, stepsPerRound: 1 };
      const l = new Learner({ profile, classes: 10, inputShape: d.dataset.inputShape, privateSet: d.pooledSet(), publicSet: d.split.publicSet, seed: 1 });
      const terms = await l.trainRound();
      expect(terms.ce, backbone).toBeGreaterThan(0);
      expect((await l.predict([0, 1, 2])).probs).toHaveLength(3 * 2 * 10);
      l.dispose();
    }
  }, 120_000);

  it('the fixture is learnable: cnn-cifar beats chance on its test batch after a few steps', async () => {
    const d = data('iid');
    const profile = { ...loadProfile('cnn-cifar'), auxHeads: 0, stepsPerRound: 20, learningRate: 0.003 };
    const l = new Learner({ profile, classes: 10, inputShape: d.dataset.inputShape, privateSet: d.pooledSet(), publicSet: d.split.publicSet, seed: 2 });
    await l.trainRound();
    const { sharedAccuracy } = await l.evaluate(d.dataset.test, d.pooledHistogram());
    expect(sharedAccuracy[0]).toBeGreaterThan(0.3);
    l.dispose();
  }, 120_000);
});
