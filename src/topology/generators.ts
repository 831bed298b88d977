// Graph generators over agent indices 0..n-1. Pure: the random ones take a seeded Rng. Each returns
// undirected pairs [i, j] with i < j, without duplicates.
import { createRng, shuffleInPlace, range } from '../data/random.ts';

export type Pair = [number, number];

export interface GeneratorDef {
  /** Parameter names with defaults; a parameter without a default is required. */
  readonly params: Readonly<Record<string, number | undefined>>;
  /** Agent count implied by the parameters, for generators that fix it (grid, islands). */
  readonly agentsFrom?: (p: Record<string, number>) => number;
  readonly build: (n: number, p: Record<string, number>, seed: number) => Pair[];
}

export class GeneratorParamError extends Error {
  override name = 'GeneratorParamError';
  readonly param: string;
  constructor(param: string, message: string) {
    super(message);
    this.param = param;
  }
}

const pair = (a: number, b: number): Pair => (a < b ? [a, b] : [b, a]);

function requireInt(p: Record<string, number>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = p[name];
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new GeneratorParamError(name, `parameter ${name} must be an integer in ${min}..${max === Number.MAX_SAFE_INTEGER ? 'inf' : max}, got ${v}`);
  }
  return v;
}

function requireProb(p: Record<string, number>, name: string): number {
  const v = p[name];
  if (!(v >= 0 && v <= 1)) throw new GeneratorParamError(name, `parameter ${name} must be a probability in [0, 1], got ${v}`);
  return v;
}

function dedupe(pairs: Pair[]): Pair[] {
  const seen = new Set<string>();
  return pairs.filter(([a, b]) => {
    const key = `${a},${b}`;
    if (a === b || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function ringPairs(n: number, k: number): Pair[] {
  const out: Pair[] = [];
  for (let i = 0; i < n; i++) for (let d = 1; d <= k; d++) out.push(pair(i, (i + d) % n));
  return dedupe(out);
}

export const GENERATORS: Readonly<Record<string, GeneratorDef>> = {
  complete: {
    params: {},
    build: (n) => range(n).flatMap((i) => range(n).filter((j) => j > i).map((j): Pair => [i, j])),
  },
  ring: {
    params: { k: 1 },
    build: (n, p) => ringPairs(n, requireInt(p, 'k', 1, Math.max(1, Math.floor((n - 1) / 2)))),
  },
  line: {
    params: {},
    build: (n) => range(n - 1).map((i): Pair => [i, i + 1]),
  },
  star: {
    params: { center: 0 },
    build: (n, p) => {
      const c = requireInt(p, 'center', 0, n - 1);
      return range(n).filter((i) => i !== c).map((i) => pair(c, i));
    },
  },
  grid: {
    params: { rows: undefined, cols: undefined },
    agentsFrom: (p) => p.rows * p.cols,
    build: (n, p) => {
      const rows = requireInt(p, 'rows', 1);
      const cols = requireInt(p, 'cols', 1);
      if (rows * cols !== n) throw new GeneratorParamError('rows', `grid ${rows}x${cols} has ${rows * cols} cells but there are ${n} agents`);
      const out: Pair[] = [];
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          if (c + 1 < cols) out.push([i, i + 1]);
          if (r + 1 < rows) out.push([i, i + cols]);
        }
      }
      return out;
    },
  },
  islands: {
    params: { groups: undefined, size: undefined, bridges: 1 },
    agentsFrom: (p) => p.groups * p.size,
    build: (n, p) => {
      const g = requireInt(p, 'groups', 1);
      const size = requireInt(p, 'size', 1);
      const b = requireInt(p, 'bridges', 0, size);
      if (g * size !== n) throw new GeneratorParamError('groups', `islands ${g}x${size} make ${g * size} agents but there are ${n}`);
      const out: Pair[] = [];
      for (let k = 0; k < g; k++) {
        for (let i = 0; i < size; i++) for (let j = i + 1; j < size; j++) out.push([k * size + i, k * size + j]);
      }
      // Bridge j links member j of island k with member (size - 1 - j) of island k + 1, so that the
      // bridge ends are spread over the islands rather than all on one agent.
      for (let k = 0; k + 1 < g; k++) for (let j = 0; j < b; j++) out.push(pair(k * size + j, (k + 1) * size + (size - 1 - j)));
      return dedupe(out);
    },
  },
  'random-regular': {
    params: { d: 3 },
    build: (n, p, seed) => {
      const d = requireInt(p, 'd', 0, n - 1);
      if ((n * d) % 2 !== 0) throw new GeneratorParamError('d', `random-regular needs agents x d even, got ${n} x ${d}`);
      const rng = createRng(seed);
      // Pairing model with restarts: shuffle the stubs and pair them; retry on self-loops or repeats.
      // Its success rate falls like exp(-d^2/4), so past a few tries the stubs are paired one pair at
      // a time, each drawn among the pairs still allowed (which works for any n and d < n / 2).
      for (let attempt = 0; attempt < 100; attempt++) {
        const stubs = shuffleInPlace(range(n).flatMap((i) => new Array<number>(d).fill(i)), rng);
        const out: Pair[] = [];
        const seen = new Set<string>();
        let ok = true;
        for (let i = 0; i < stubs.length && ok; i += 2) {
          const [a, b] = pair(stubs[i], stubs[i + 1]);
          const key = `${a},${b}`;
          if (a === b || seen.has(key)) ok = false;
          seen.add(key);
          out.push([a, b]);
        }
        if (ok) return out;
      }
      for (let attempt = 0; attempt < 100; attempt++) {
        const out = pairStubsOneByOne(n, d, rng);
        if (out) return out;
      }
      throw new GeneratorParamError('d', `could not draw a simple ${d}-regular graph on ${n} agents`);
    },
  },
  'small-world': {
    params: { k: 4, p: 0.1 },
    build: (n, p, seed) => {
      const k = requireInt(p, 'k', 2, n - 1);
      if (k % 2 !== 0) throw new GeneratorParamError('k', `small-world k (neighbours per agent) must be even, got ${k}`);
      const beta = requireProb(p, 'p');
      const rng = createRng(seed);
      // Watts-Strogatz: a ring lattice with k/2 neighbours per side, each edge's far end rewired with
      // probability p to a uniformly chosen agent that is not already a neighbour.
      const edges = ringPairs(n, k / 2).map(([a, b]) => [a, b] as Pair);
      const key = (a: number, b: number) => `${Math.min(a, b)},${Math.max(a, b)}`;
      const present = new Set(edges.map(([a, b]) => key(a, b)));
      for (const e of edges) {
        if (rng.next() >= beta) continue;
        const [a, b] = e;
        const choices = range(n).filter((c) => c !== a && !present.has(key(a, c)));
        if (choices.length === 0) continue;
        const c = choices[rng.int(choices.length)];
        present.delete(key(a, b));
        present.add(key(a, c));
        e[1] = c;
      }
      return edges.map(([a, b]) => pair(a, b));
    },
  },
  'erdos-renyi': {
    params: { p: undefined },
    build: (n, p, seed) => {
      const prob = requireProb(p, 'p');
      const rng = createRng(seed);
      const out: Pair[] = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rng.next() < prob) out.push([i, j]);
      return out;
    },
  },
};

/** One random allowed pair at a time; undefined when the last stubs can only form a bad pair. */
function pairStubsOneByOne(n: number, d: number, rng: ReturnType<typeof createRng>): Pair[] | undefined {
  const stubs = range(n).flatMap((i) => new Array<number>(d).fill(i));
  const seen = new Set<string>();
  const out: Pair[] = [];
  while (stubs.length > 0) {
    let paired = false;
    for (let tries = 0; tries < 100 && !paired; tries++) {
      const i = rng.int(stubs.length);
      const j = rng.int(stubs.length);
      const [a, b] = pair(stubs[i], stubs[j]);
      if (i === j || a === b || seen.has(`${a},${b}`)) continue;
      seen.add(`${a},${b}`);
      out.push([a, b]);
      // Remove both stubs, the later index first so the earlier stays valid.
      for (const k of [Math.max(i, j), Math.min(i, j)]) {
        stubs[k] = stubs[stubs.length - 1];
        stubs.pop();
      }
      paired = true;
    }
    if (!paired) return undefined;
  }
  return out;
}

export function generatorNames(): string[] {
  return Object.keys(GENERATORS);
}
