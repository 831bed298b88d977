// What an agent writes to its metrics.jsonl: one start record, one record per round, one end record.
// The report and the cluster read these types back; the round loop writes them.
import type { Evaluation } from '../learning/learner.ts';
import type { LossTerms } from '../learning/step.ts';
import type { Round } from '../learning/types.ts';
import type { AgentId } from '../topology/types.ts';
import type { Mode } from './config.ts';

/** A neighbour whose round was not used, and why. */
export interface Skip {
  agent: AgentId;
  reason: string;
}

export type AgentOutcome = 'finished' | 'stopped';

export interface StartRecord {
  type: 'start';
  agent: AgentId;
  peerId: string;
  mode: Mode;
  backend: string;
  heads: number;
  profile: string;
  startRound: Round;
  /** Class counts of the agent's private data. */
  histogram: number[];
  time: string;
}

export interface RoundRecord {
  type: 'round';
  agent: AgentId;
  round: Round;
  mode: Mode;
  backend: string;
  seconds: number;
  trainSeconds: number;
  /** Own predictions, fetching from neighbours (including waiting for them) and choosing targets. */
  exchangeSeconds: number;
  /** The network part of the exchange: fetching (and waiting for) the neighbours' rounds. */
  fetchSeconds: number;
  /** Of the fetch, the longest time a neighbour held the request waiting for its round to be ready. */
  waitSeconds: number;
  /**
   * Of the fetch, the time after half the teachers that could still answer had answered (the quorum)
   * until the fetch ended: what this round lost waiting for the later ones, whether they came in time
   * or were skipped as late (src/node/punctuality.ts). 0 when no teacher was still out at the quorum
   * (with one teacher, it is the quorum), when no teacher answered, and in a mode that fetches nothing.
   * Absent in runs from before it was recorded.
   */
  lateSeconds?: number;
  /**
   * Mean agents per update over this round's steps when the agent trained in a stack with co-located
   * agents (src/learning/step-batcher.ts): 1 is no batching at all. Absent when it trained alone.
   */
  stackedAgents?: number;
  evalSeconds: number;
  loss: LossTerms;
  /** The rate this round trained at (the profile's schedule). */
  learningRate: number;
  teachersUsed: AgentId[];
  skipped: Skip[];
  rejected: Skip[];
  /** The defence: trust in each in-neighbour that answered, after this round (absent in other modes). */
  trust?: Record<AgentId, number>;
  /** Neighbours that answered but were excluded as teachers this round (low trust), and why. */
  excluded?: Skip[];
  /** Public samples each head trained on after the gate, this round. */
  samplesUsed: number[];
  bytesSent: Record<AgentId, number>;
  bytesReceived: Record<AgentId, number>;
  eval?: Evaluation & { perAgentPrivate?: Record<AgentId, number[]> };
  /** Live tfjs tensors and the process's resident memory after the round: flat in a healthy long run. */
  memory: { tensors: number; rssMB: number };
}

export interface EndRecord {
  type: 'end';
  agent: AgentId;
  status: AgentOutcome;
  roundsCompleted: number;
  /** Bytes served after the last round record (to neighbours still catching up). */
  bytesSent: Record<AgentId, number>;
  time: string;
}

export type MetricsRecord = StartRecord | RoundRecord | EndRecord;
