import { describe, expect, it } from 'vitest';
import { formatPartitionSpec, parsePartitionSpec, partition, type PartitionSpec } from '../../src/data/partition.ts';
import { createRng } from '../../src/data/random.ts';

// A synthetic label column: 10 classes, 600 rows each, in shuffled order.
const CLASSES = 10;
const labels = (() => {
  const rng = createRng(5);
  const out = Array.from({ length: CLASSES * 600 }, (_, i) => i % CLASSES);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return Uint8Array.from(out);
})();

const run = (spec: string, agents = 6, n = 300, seed = 1) =>
  partition(parsePartitionSpec(spec), { labels, classes: CLASSES, agents, samplesPerAgent: n, seed });

describe('partitioners', () => {
  for (const spec of ['iid', 'skew:0.8:2', 'dirichlet:0.5', 'shards:2']) {
    it(`${spec}: deterministic by seed, disjoint, of the asked size, histograms match`, () => {
      const a = run(spec);
      expect(run(spec)).toEqual(a);
      expect(run(spec, 6, 300, 2).indices).not.toEqual(a.indices);
      const all = a.indices.flat();
      expect(new Set(all).size).toBe(all.length);
      for (const [i, rows] of a.indices.entries()) {
        expect(rows.length).toBe(300);
        const h = new Array(CLASSES).fill(0);
        for (const r of rows) h[labels[r]]++;
        expect(a.histograms[i]).toEqual(h);
      }
    });
  }

  it('skew:s:c puts a fraction s of each agent on its c dominant classes', () => {
    const { histograms } = run('skew:0.9:2', 5, 400);
    histograms.forEach((h, a) => {
      const dom = [(2 * a) % 10, (2 * a + 1) % 10];
      const frac = (h[dom[0]] + h[dom[1]]) / 400;
      expect(Math.abs(frac - 0.9)).toBeLessThan(0.01);
      // the rest is spread over all the other classes
      for (let c = 0; c < 10; c++) if (!dom.includes(c)) expect(h[c]).toBeGreaterThanOrEqual(5);
    });
  });

  it('small Dirichlet alpha concentrates the histograms, large alpha flattens them', () => {
    const top = (spec: string) => {
      const { histograms } = run(spec, 6, 300);
      return histograms.map((h) => Math.max(...h) / 300).reduce((a, b) => a + b, 0) / histograms.length;
    };
    expect(top('dirichlet:0.05')).toBeGreaterThan(0.6);
    expect(top('dirichlet:100')).toBeLessThan(0.2);
  });

  it('shards:k gives each agent at most k label runs', () => {
    const k = 2;
    const { indices, histograms } = run(`shards:${k}`, 6, 300);
    for (const [a, rows] of indices.entries()) {
      // each shard is a slice of the label-sorted pool: the agent's labels, in order, are k sorted runs
      // (at most k - 1 places where the label goes down)
      const labelsOf = rows.map((r) => labels[r]);
      const descents = labelsOf.filter((l, i) => i > 0 && l < labelsOf[i - 1]).length;
      expect(descents, `agent ${a}`).toBeLessThanOrEqual(k - 1);
      // and a run of 150 rows of a pool of 600 per class spans at most 2 classes: at most 2k classes
      expect(histograms[a].filter((c) => c > 0).length).toBeLessThanOrEqual(2 * k);
    }
    // iid, by contrast, is far from sorted runs
    const iid = run('iid', 6, 300).indices[0].map((r) => labels[r]);
    expect(iid.filter((l, i) => i > 0 && l < iid[i - 1]).length).toBeGreaterThan(50);
  });

  it('rejects a bad request with the reason', () => {
    expect(() => run('iid', 0)).toThrow(/agent count must be an integer >= 1, got 0/);
    expect(() => run('iid', 2, 0)).toThrow(/private samples per agent must be an integer >= 1, got 0/);
    expect(() => partition({ kind: 'iid' }, { labels: Uint8Array.from([0, 1, 12]), classes: 10, agents: 1, samplesPerAgent: 1, seed: 1 })).toThrow(/label 12 at row 2 is outside 0..9/);
    expect(() => run('skew:0.5:11')).toThrow(/11 dominant classes but the dataset has 10/);
    expect(() => run('shards:2', 7, 857)).toThrow(/14 shards of 429 do not fit in a pool of 6000/);
  });

  it('skew with every class dominant puts all samples on them; formatPartitionSpec round-trips', () => {
    const { histograms } = run('skew:0.5:10', 2, 100);
    for (const h of histograms) expect(h).toEqual(new Array(10).fill(10));
    for (const spec of ['iid', 'skew:0.8:2', 'dirichlet:0.5', 'shards:3']) expect(formatPartitionSpec(parsePartitionSpec(spec))).toBe(spec);
    expect(() => parsePartitionSpec('iid:3')).toThrow(/iid takes 0 parameter/);
    expect(() => parsePartitionSpec('shards:1.5')).toThrow(/shards per agent must be an integer >= 1/);
    expect(() => parsePartitionSpec('skew:0.5:0')).toThrow(/dominant class count must be an integer >= 1/);
    expect(() => parsePartitionSpec('dirichlet:')).toThrow(/alpha "" is not a number/);
  });

  it.each([
    ['nope', /unknown partitioner "nope"/],
    ['skew:1.5:2', /fraction 1.5 is outside \[0, 1\]/],
    ['skew:0.5', /skew takes 2 parameter/],
    ['skew:0.5:x', /dominant class count "x" is not a number/],
    ['dirichlet:0', /alpha must be > 0/],
    ['shards:0', /shards per agent must be an integer >= 1/],
  ])('rejects %s with a message naming the problem', (spec, message) => {
    expect(() => parsePartitionSpec(spec)).toThrow(message);
  });

  it('says so when more samples are asked for than exist', () => {
    expect(() => run('iid', 30, 300)).toThrow(/more samples asked for than exist: 30 agents x 300/);
    // agent 0 takes 450 of class 0 (600 exist), agents 1-4 take 13 each as a minority class, and
    // agent 5, whose dominant classes wrap round to 0 and 1, needs 450 of the 98 left
    expect(() =>
      partition({ kind: 'skew', fraction: 0.9, dominant: 2 } satisfies PartitionSpec, { labels, classes: 10, agents: 6, samplesPerAgent: 1000, seed: 1 }),
    ).toThrow(/class 0 has 98 unused samples left in the private pool, 450 needed/);
  });
});
