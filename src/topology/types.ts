// The resolved topology: who learns from whom. A directed edge `from -> to` means `to` learns from
// `from` (it fetches `from`'s predictions); an undirected edge is both.
import { z } from 'zod';
import { BEHAVIOUR_HELP, behaviourSchema, parseBehaviour, type Behaviour } from './adversaries.ts';

export type AgentId = string;

export const edgeSchema = z.object({ from: z.string(), to: z.string() }).strict().readonly();
export type Edge = z.output<typeof edgeSchema>;

/** A behaviour, or (in run configs written before behaviours were stored parsed) its spec. */
const behaviourOrSpec = z.unknown().transform((v, ctx): Behaviour => {
  const problem = (message: string) => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  if (typeof v === 'string') {
    try {
      return parseBehaviour(v);
    } catch (err) {
      return problem((err as Error).message);
    }
  }
  const parsed = behaviourSchema.safeParse(v);
  return parsed.success ? parsed.data : problem(`not a behaviour (expected ${BEHAVIOUR_HELP})`);
});

/** The resolved topology, as loaded from a file (load.ts) and kept in a run's config.json. */
export const topologySchema = z
  .object({
    name: z.string(),
    /** Source file, for messages. */
    source: z.string(),
    agents: z.array(z.string().min(1)).min(1).readonly(),
    directed: z.boolean(),
    /** The edges as written or generated (for an undirected graph, each pair once). */
    edges: z.array(edgeSchema).readonly(),
    /** Per-agent profile names (from `nodes/`); absent means the run's default profile. */
    profiles: z.record(z.string(), z.string()).readonly(),
    /** The generator and its parameters, when the graph was generated. */
    generator: z.object({ graph: z.string(), params: z.record(z.string(), z.number()).readonly() }).strict().readonly().optional(),
    /** Agents that lie (an experiment feature, src/topology/adversaries.ts): agent -> behaviour. */
    adversaries: z.record(z.string(), behaviourOrSpec).readonly().optional(),
    /** Warnings that do not stop a run (a disconnected graph). */
    warnings: z.array(z.string()).readonly(),
  })
  .strict()
  .readonly();
export type Topology = z.output<typeof topologySchema>;

/** Every agent's in- and out-neighbours as agent indices, ascending. */
export interface Adjacency {
  readonly index: ReadonlyMap<AgentId, number>;
  readonly ins: readonly (readonly number[])[];
  readonly outs: readonly (readonly number[])[];
}

// Built once per topology object: graphs of a thousand agents ask for every agent's neighbours.
const adjacencyCache = new WeakMap<Topology, Adjacency>();

export function adjacency(t: Topology): Adjacency {
  let adj = adjacencyCache.get(t);
  if (adj) return adj;
  const index = new Map(t.agents.map((a, i) => [a, i]));
  const ins = t.agents.map(() => new Set<number>());
  const outs = t.agents.map(() => new Set<number>());
  for (const e of t.edges) {
    const from = index.get(e.from);
    const to = index.get(e.to);
    if (from === undefined || to === undefined) continue;
    ins[to].add(from);
    outs[from].add(to);
    if (!t.directed) {
      ins[from].add(to);
      outs[to].add(from);
    }
  }
  const sorted = (sets: Set<number>[]) => sets.map((s) => [...s].sort((x, y) => x - y));
  adj = { index, ins: sorted(ins), outs: sorted(outs) };
  adjacencyCache.set(t, adj);
  return adj;
}

function neighbours(t: Topology, agent: AgentId, direction: 'in' | 'out'): AgentId[] {
  const adj = adjacency(t);
  const i = adj.index.get(agent);
  if (i === undefined) return [];
  return (direction === 'in' ? adj.ins : adj.outs)[i].map((j) => t.agents[j]);
}

/** Agents `agent` learns from, in agent order. */
export function inNeighbours(t: Topology, agent: AgentId): AgentId[] {
  return neighbours(t, agent, 'in');
}

/** Agents that learn from `agent`, in agent order. */
export function outNeighbours(t: Topology, agent: AgentId): AgentId[] {
  return neighbours(t, agent, 'out');
}
