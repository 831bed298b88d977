// Graph facts over the learning graph: degrees, connectivity, diameter. Pure functions, on bitsets so
// that a thousand agents, even fully connected, take well under a second.
import { adjacency, type Topology } from './types.ts';

export interface GraphFacts {
  readonly agents: number;
  readonly edges: number;
  /** Weakly connected: ignoring edge direction, every agent reaches every other. */
  readonly connected: boolean;
  /** Strongly connected: knowledge can flow from every agent to every other along learning edges. */
  readonly stronglyConnected: boolean;
  /** Longest shortest path along learning edges; Infinity when not strongly connected. */
  readonly diameter: number;
  /** In-degree (number of teachers) statistics. */
  readonly degree: { readonly min: number; readonly mean: number; readonly max: number };
  readonly components: number;
}

type Bits = Uint32Array;

function bitsets(n: number, lists: readonly (readonly number[])[]): Bits[] {
  const words = Math.ceil(n / 32);
  return lists.map((list) => {
    const b = new Uint32Array(words);
    for (const j of list) b[j >>> 5] |= 1 << (j & 31);
    return b;
  });
}

/** Hop count from `start` to every node (-1: unreachable), one frontier bitset per level. */
function hops(start: number, n: number, next: Bits[]): Int32Array {
  const words = Math.ceil(n / 32);
  const dist = new Int32Array(n).fill(-1);
  const seen = new Uint32Array(words);
  let frontier = new Uint32Array(words);
  frontier[start >>> 5] |= 1 << (start & 31);
  seen.set(frontier);
  dist[start] = 0;
  for (let level = 1; ; level++) {
    const grown = new Uint32Array(words);
    for (let w = 0; w < words; w++) {
      for (let bits = frontier[w]; bits !== 0; bits &= bits - 1) {
        const row = next[(w << 5) + (31 - Math.clz32(bits & -bits))];
        for (let k = 0; k < words; k++) grown[k] |= row[k];
      }
    }
    let any = false;
    for (let w = 0; w < words; w++) {
      const fresh = grown[w] & ~seen[w];
      grown[w] = fresh;
      if (fresh === 0) continue;
      any = true;
      seen[w] |= fresh;
      for (let bits = fresh; bits !== 0; bits &= bits - 1) dist[(w << 5) + (31 - Math.clz32(bits & -bits))] = level;
    }
    if (!any) return dist;
    frontier = grown;
  }
}

/** Hop counts by a plain queue: cheaper than bitsets when agents have few neighbours. */
function hopsSparse(start: number, n: number, next: readonly (readonly number[])[]): Int32Array {
  const dist = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  dist[start] = 0;
  queue[0] = start;
  for (let head = 0, tail = 1; head < tail; head++) {
    const a = queue[head];
    for (const b of next[a]) {
      if (dist[b] >= 0) continue;
      dist[b] = dist[a] + 1;
      queue[tail++] = b;
    }
  }
  return dist;
}

export function graphFacts(t: Topology): GraphFacts {
  const n = t.agents.length;
  const adj = adjacency(t);
  const bothLists = adj.ins.map((ins, i) => [...new Set([...ins, ...adj.outs[i]])]);
  // A queue visits every edge once per start; bitsets visit n/32 words per agent reached.
  const dense = t.edges.length > (n * n) / 64;
  const viaOuts = dense ? ((bits: Bits[]) => (a: number) => hops(a, n, bits))(bitsets(n, adj.outs)) : (a: number) => hopsSparse(a, n, adj.outs);
  const viaBoth = dense ? ((bits: Bits[]) => (a: number) => hops(a, n, bits))(bitsets(n, bothLists)) : (a: number) => hopsSparse(a, n, bothLists);
  let components = 0;
  const assigned = new Uint8Array(n);
  for (let a = 0; a < n; a++) {
    if (assigned[a]) continue;
    components++;
    viaBoth(a).forEach((d, b) => d >= 0 && (assigned[b] = 1));
  }
  let diameter = 0;
  for (let a = 0; a < n && Number.isFinite(diameter); a++) {
    for (const d of viaOuts(a)) diameter = d < 0 ? Number.POSITIVE_INFINITY : Math.max(diameter, d);
  }
  const degrees = adj.ins.map((ins) => ins.length);
  return {
    agents: n,
    edges: t.edges.length,
    connected: components === 1,
    stronglyConnected: Number.isFinite(diameter),
    diameter,
    degree: {
      min: Math.min(...degrees),
      mean: degrees.reduce((x, y) => x + y, 0) / n,
      max: Math.max(...degrees),
    },
    components,
  };
}
