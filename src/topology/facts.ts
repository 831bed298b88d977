// Graph facts over the learning graph: degrees, connectivity, diameter. Pure functions.
import { inNeighbours, outNeighbours, type AgentId, type Topology } from './types.ts';

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

function bfs(start: AgentId, next: (a: AgentId) => AgentId[]): Map<AgentId, number> {
  const dist = new Map<AgentId, number>([[start, 0]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const a = queue[i];
    for (const b of next(a)) {
      if (!dist.has(b)) {
        dist.set(b, dist.get(a)! + 1);
        queue.push(b);
      }
    }
  }
  return dist;
}

export function graphFacts(t: Topology): GraphFacts {
  const ins = new Map(t.agents.map((a) => [a, inNeighbours(t, a)]));
  const outs = new Map(t.agents.map((a) => [a, outNeighbours(t, a)]));
  const undirected = (a: AgentId) => [...new Set([...ins.get(a)!, ...outs.get(a)!])];
  let components = 0;
  const seen = new Set<AgentId>();
  for (const a of t.agents) {
    if (seen.has(a)) continue;
    components++;
    for (const b of bfs(a, undirected).keys()) seen.add(b);
  }
  let diameter = 0;
  for (const a of t.agents) {
    const dist = bfs(a, (x) => outs.get(x)!);
    if (dist.size < t.agents.length) {
      diameter = Number.POSITIVE_INFINITY;
      break;
    }
    diameter = Math.max(diameter, ...dist.values());
  }
  const degrees = t.agents.map((a) => ins.get(a)!.length);
  return {
    agents: t.agents.length,
    edges: t.edges.length,
    connected: components === 1,
    stronglyConnected: Number.isFinite(diameter),
    diameter,
    degree: {
      min: Math.min(...degrees),
      mean: degrees.reduce((x, y) => x + y, 0) / degrees.length,
      max: Math.max(...degrees),
    },
    components,
  };
}
