// Messages between the cluster launcher and its worker processes (Node's IPC channel). A worker hosts
// one or more agents, so every message names the agent it is about.
import type { Peer } from '../network/round-service.ts';
import type { AgentOutcome } from './records.ts';

export type ToLauncher =
  | { type: 'ready'; agent: string; peerId: string; addrs: string[] }
  | { type: 'round'; agent: string; round: number; rounds: number; loss: number; shared?: number[]; seconds: number }
  | { type: 'done'; agent: string; outcome: AgentOutcome }
  /** The agent could not start (the worker's other agents go on). */
  | { type: 'failed'; agent: string; reason: string };

export type ToAgent =
  | { type: 'peers'; peers: Record<string, Peer> }
  /** Stop after the current round: one agent, or every agent of the worker. */
  | { type: 'stop'; agent?: string }
  /** An agent's process has died: stop waiting (lingering) for it. */
  | { type: 'gone'; agent: string };
