// Messages between the cluster launcher and its agent processes (Node's IPC channel).
import type { Peer } from '../network/round-protocol.ts';
import type { AgentOutcome } from './records.ts';

export type ToLauncher =
  | { type: 'ready'; agent: string; peerId: string; addrs: string[] }
  | { type: 'round'; agent: string; round: number; rounds: number; loss: number; shared?: number[]; seconds: number }
  | { type: 'done'; agent: string; outcome: AgentOutcome };

export type ToAgent =
  | { type: 'peers'; peers: Record<string, Peer> }
  | { type: 'stop' }
  /** An agent's process has died: stop waiting (lingering) for it. */
  | { type: 'gone'; agent: string };
