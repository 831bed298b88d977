// Non-iid partitioners: pure functions of (labels, classes, agents, samples per agent, seed). Each agent
// gets disjoint rows of the private pool; every partition also reports per-agent class histograms.
import { createRng, deriveSeed, range, shuffleInPlace, type Rng } from './random.ts';

export type PartitionSpec =
  | { kind: 'iid' }
  | { kind: 'skew'; fraction: number; dominant: number }
  | { kind: 'dirichlet'; alpha: number }
  | { kind: 'shards'; perAgent: number };

export interface Partition {
  /** Row numbers into the pool, one list per agent. */
  readonly indices: number[][];
  /** `histograms[agent][class]`: sample counts. */
  readonly histograms: number[][];
}

export interface PartitionRequest {
  labels: ArrayLike<number>;
  classes: number;
  agents: number;
  samplesPerAgent: number;
  seed: number;
}

const USAGE = 'expected iid, skew:S:C (fraction S in [0,1] from C dominant classes), dirichlet:ALPHA (> 0) or shards:K (K >= 1)';

function num(raw: string | undefined, spec: string, what: string): number {
  const v = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(v)) throw new Error(`bad partition "${spec}": ${what} "${raw ?? ''}" is not a number`);
  return v;
}

export function parsePartitionSpec(spec: string): PartitionSpec {
  const [kind, ...args] = spec.trim().split(':');
  const arity = (n: number) => {
    if (args.length !== n) throw new Error(`bad partition "${spec}": ${kind} takes ${n} parameter(s), got ${args.length}; ${USAGE}`);
  };
  switch (kind) {
    case 'iid':
      arity(0);
      return { kind: 'iid' };
    case 'skew': {
      arity(2);
      const fraction = num(args[0], spec, 'fraction');
      const dominant = num(args[1], spec, 'dominant class count');
      if (fraction < 0 || fraction > 1) throw new Error(`bad partition "${spec}": fraction ${fraction} is outside [0, 1]`);
      if (!Number.isInteger(dominant) || dominant < 1) throw new Error(`bad partition "${spec}": dominant class count must be an integer >= 1`);
      return { kind: 'skew', fraction, dominant };
    }
    case 'dirichlet': {
      arity(1);
      const alpha = num(args[0], spec, 'alpha');
      if (alpha <= 0) throw new Error(`bad partition "${spec}": alpha must be > 0, got ${alpha}`);
      return { kind: 'dirichlet', alpha };
    }
    case 'shards': {
      arity(1);
      const perAgent = num(args[0], spec, 'shards per agent');
      if (!Number.isInteger(perAgent) || perAgent < 1) throw new Error(`bad partition "${spec}": shards per agent must be an integer >= 1`);
      return { kind: 'shards', perAgent };
    }
    default:
      throw new Error(`unknown partitioner "${kind}" in "${spec}": ${USAGE}`);
  }
}

export function formatPartitionSpec(p: PartitionSpec): string {
  switch (p.kind) {
    case 'iid': return 'iid';
    case 'skew': return `skew:${p.fraction}:${p.dominant}`;
    case 'dirichlet': return `dirichlet:${p.alpha}`;
    case 'shards': return `shards:${p.perAgent}`;
  }
}

/** Class pools, shuffled, consumed front to back so that agents never share a row. */
class ClassPools {
  private readonly pools: number[][];
  private readonly next: number[];
  constructor(labels: ArrayLike<number>, classes: number, rng: Rng) {
    this.pools = Array.from({ length: classes }, () => [] as number[]);
    for (let i = 0; i < labels.length; i++) {
      const c = labels[i];
      if (!Number.isInteger(c) || c < 0 || c >= classes) throw new Error(`label ${c} at row ${i} is outside 0..${classes - 1}`);
      this.pools[c].push(i);
    }
    for (const pool of this.pools) shuffleInPlace(pool, rng);
    this.next = this.pools.map(() => 0);
  }
  left(c: number): number {
    return this.pools[c].length - this.next[c];
  }
  take(c: number, k: number): number[] {
    if (k > this.left(c)) {
      throw new Error(`more samples asked for than exist: class ${c} has ${this.left(c)} unused samples left in the private pool, ${k} needed`);
    }
    const out = this.pools[c].slice(this.next[c], this.next[c] + k);
    this.next[c] += k;
    return out;
  }
}

/** Splits `total` into `parts` near-equal integers, the first ones larger. */
function evenSplit(total: number, parts: number): number[] {
  return range(parts).map((i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** Largest-remainder rounding of `weights * total` to integers summing to `total`. */
function apportion(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (sum > 0 ? (w / sum) * total : total / weights.length));
  const counts = exact.map(Math.floor);
  let missing = total - counts.reduce((a, b) => a + b, 0);
  const order = range(weights.length).sort((a, b) => exact[b] - counts[b] - (exact[a] - counts[a]));
  for (let i = 0; missing > 0; i = (i + 1) % order.length, missing--) counts[order[i]]++;
  return counts;
}

export function classHistogram(labels: ArrayLike<number>, rows: readonly number[], classes: number): number[] {
  const h = new Array<number>(classes).fill(0);
  for (const r of rows) h[labels[r]]++;
  return h;
}

export function partition(spec: PartitionSpec, req: PartitionRequest): Partition {
  const { labels, classes, agents, samplesPerAgent: n, seed } = req;
  if (!Number.isInteger(agents) || agents < 1) throw new Error(`agent count must be an integer >= 1, got ${agents}`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`private samples per agent must be an integer >= 1, got ${n}`);
  if (agents * n > labels.length) {
    throw new Error(`more samples asked for than exist: ${agents} agents x ${n} private samples = ${agents * n}, but the private pool has ${labels.length}`);
  }
  const rng = createRng(deriveSeed(seed, 'partition', formatPartitionSpec(spec)));
  const pools = new ClassPools(labels, classes, rng);
  const fromCounts = (counts: number[]) => counts.flatMap((k, c) => pools.take(c, k));
  let indices: number[][];
  switch (spec.kind) {
    case 'iid': {
      const all = shuffleInPlace(range(labels.length), rng);
      indices = range(agents).map((a) => all.slice(a * n, (a + 1) * n));
      break;
    }
    case 'skew': {
      if (spec.dominant > classes) throw new Error(`bad partition: ${spec.dominant} dominant classes but the dataset has ${classes}`);
      indices = range(agents).map((a) => {
        const dominant = range(spec.dominant).map((j) => (a * spec.dominant + j) % classes);
        const others = range(classes).filter((c) => !dominant.includes(c));
        const nDominant = others.length === 0 ? n : Math.round(spec.fraction * n);
        const counts = new Array<number>(classes).fill(0);
        evenSplit(nDominant, dominant.length).forEach((k, j) => (counts[dominant[j]] += k));
        if (others.length > 0) evenSplit(n - nDominant, others.length).forEach((k, j) => (counts[others[j]] += k));
        return fromCounts(counts);
      });
      break;
    }
    case 'dirichlet': {
      indices = range(agents).map(() => {
        const weights = range(classes).map(() => rng.gamma(spec.alpha));
        const counts = apportion(weights, n);
        // A class that ran dry hands its deficit to the classes with the most samples left.
        for (let c = 0; c < classes; c++) {
          let deficit = counts[c] - pools.left(c);
          while (deficit > 0) {
            const donor = range(classes)
              .filter((d) => d !== c)
              .sort((x, y) => pools.left(y) - counts[y] - (pools.left(x) - counts[x]))[0];
            if (pools.left(donor) - counts[donor] <= 0) throw new Error('more samples asked for than exist: the private pool ran out of samples');
            counts[c]--;
            counts[donor]++;
            deficit--;
          }
        }
        return fromCounts(counts);
      });
      break;
    }
    case 'shards': {
      const shardSizes = evenSplit(n, spec.perAgent);
      const byLabel = shuffleInPlace(range(labels.length), rng).sort((a, b) => labels[a] - labels[b]);
      const shardCount = agents * spec.perAgent;
      const stride = Math.floor(labels.length / shardCount);
      if (stride < shardSizes[0]) throw new Error(`more samples asked for than exist: ${shardCount} shards of ${shardSizes[0]} do not fit in a pool of ${labels.length}`);
      // Shards are cut at evenly spaced points of the label-sorted pool so that they cover all classes.
      const order = shuffleInPlace(range(shardCount), rng);
      indices = range(agents).map((a) =>
        shardSizes.flatMap((size, j) => {
          const start = order[a * spec.perAgent + j] * stride;
          return byLabel.slice(start, start + size);
        }),
      );
      break;
    }
  }
  return { indices, histograms: indices.map((rows) => classHistogram(labels, rows, classes)) };
}
