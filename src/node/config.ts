// The resolved configuration of a run: everything an agent needs, written to the run's config.json so
// that a run can be understood (and repeated) from its directory alone. One type for every mode and
// every launcher (simulate, cluster, node).
import type { Encoding } from '../network/codec.ts';
import type { Topology } from '../topology/types.ts';
import type { AgentId } from '../topology/types.ts';
import type { Profile } from '../learning/profile.ts';

export const MODES = ['mhd', 'isolated', 'gossip', 'central'] as const;
export type Mode = (typeof MODES)[number];

/** The single learner of the central baseline. */
export const CENTRAL_AGENT = 'central';

export interface RunConfig {
  name: string;
  mode: Mode;
  dataset: string;
  partition: string;
  privatePerAgent: number;
  publicSize: number;
  seed: number;
  rounds: number;
  /** Public samples per round's chunk. */
  chunkSize: number;
  evalEvery: number;
  /** Test samples per evaluation; 0 = the whole test split. */
  evalSamples: number;
  encoding: Encoding;
  /** Also exchange (and distil) embeddings. */
  embeddings: boolean;
  /** How long an agent waits for a neighbour's round before skipping it. */
  fetchTimeoutMs: number;
  /** Accept a neighbour's predictions up to this many rounds old. */
  staleness: number;
  checkpointEvery: number;
  /** After its last round, how long an agent keeps serving neighbours that are still behind. */
  lingerMs: number;
  backend?: string;
  topology: Topology;
  /** Profile of every agent (by name and resolved values). */
  profiles: Record<AgentId, { name: string; profile: Profile }>;
}

/** The agents that actually run: the topology's, or the one central learner. */
export function runningAgents(c: RunConfig): AgentId[] {
  return c.mode === 'central' ? [CENTRAL_AGENT] : [...c.topology.agents];
}
