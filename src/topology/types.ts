// The resolved topology: who learns from whom. A directed edge `from -> to` means `to` learns from
// `from` (it fetches `from`'s predictions); an undirected edge is both.

export type AgentId = string;

export interface Edge {
  readonly from: AgentId;
  readonly to: AgentId;
}

export interface Topology {
  readonly name: string;
  /** Source file, for messages. */
  readonly source: string;
  readonly agents: readonly AgentId[];
  readonly directed: boolean;
  /** The edges as written or generated (for an undirected graph, each pair once). */
  readonly edges: readonly Edge[];
  /** Per-agent profile names (from `nodes/`); absent means the run's default profile. */
  readonly profiles: Readonly<Record<AgentId, string>>;
  /** The generator and its parameters, when the graph was generated. */
  readonly generator?: { readonly graph: string; readonly params: Readonly<Record<string, number>> };
  /** Agents that lie (an experiment feature, src/topology/adversaries.ts): agent -> behaviour spec. */
  readonly adversaries?: Readonly<Record<AgentId, string>>;
  /** Warnings that do not stop a run (a disconnected graph). */
  readonly warnings: readonly string[];
}

function neighbours(t: Topology, agent: AgentId, direction: 'in' | 'out'): AgentId[] {
  const set = new Set<AgentId>();
  for (const e of t.edges) {
    const [near, far] = direction === 'in' ? [e.to, e.from] : [e.from, e.to];
    if (near === agent) set.add(far);
    if (!t.directed && far === agent) set.add(near);
  }
  return t.agents.filter((a) => set.has(a));
}

/** Agents `agent` learns from, in agent order. */
export function inNeighbours(t: Topology, agent: AgentId): AgentId[] {
  return neighbours(t, agent, 'in');
}

/** Agents that learn from `agent`, in agent order. */
export function outNeighbours(t: Topology, agent: AgentId): AgentId[] {
  return neighbours(t, agent, 'out');
}
