// The seam between the round loop and what an agent trades with its neighbours. The loop trains,
// calls `exchange` once per round, and trains the next round on the targets it returns; each mode
// (prediction distillation, weight gossip, none) is a module of its own behind this interface.
import type { Learner, RoundTargets } from '../learning/learner.ts';
import type { Round } from '../learning/types.ts';
import type { RoundServiceComponents } from '../network/round-service.ts';
import type { AgentId } from '../topology/types.ts';
import type { Neighbours } from './neighbours.ts';
import type { Skip } from './records.ts';
import type { AgentLog } from './run-log.ts';

export interface ExchangeResult {
  /** What the next round distils from; undefined when there is nothing to distil. */
  targets: RoundTargets | undefined;
  /** Neighbours whose answer was used. */
  used: AgentId[];
  skipped: Skip[];
  rejected: Skip[];
  received: Record<AgentId, number>;
  /** The defence: trust in each neighbour that answered, after this round (prediction modes only). */
  trust?: Record<AgentId, number>;
  /** Neighbours that answered but were not used as teachers (low trust), and why. */
  excluded?: Skip[];
  /** Public samples each head kept after the gate. */
  samplesUsed: number[];
  fetchSeconds: number;
  waitSeconds: number;
}

export const NOTHING_EXCHANGED: ExchangeResult = Object.freeze({
  targets: undefined,
  used: [],
  skipped: [],
  rejected: [],
  received: {},
  samplesUsed: [],
  fetchSeconds: 0,
  waitSeconds: 0,
}) as ExchangeResult;

/** What a mode may use of its agent; its configuration comes apart, each mode's own slice (modes/index.ts). */
export interface ModeContext {
  readonly node: RoundServiceComponents;
  readonly learner: Learner;
  readonly neighbours: Neighbours;
  readonly classes: number;
  readonly log: AgentLog;
}

export interface ExchangeMode {
  /** Whether neighbours read from this agent: it then keeps serving after its last round until they have. */
  readonly serves: boolean;
  /** Registers the protocol the mode serves, if any. */
  start(): Promise<void>;
  /**
   * After training `round`: publish this agent's part, fetch the neighbours', derive the next targets.
   * Rejects with an AbortError when `signal` (the agent's stop) aborts, at once.
   */
  exchange(round: Round, signal: AbortSignal): Promise<ExchangeResult>;
  /** On resume after `round`: the targets the interrupted run would have trained on next. */
  resume(round: Round, signal: AbortSignal): Promise<RoundTargets | undefined>;
  /** Unregisters the protocol and wakes readers waiting on this agent (it is stopping). */
  stop(): Promise<void>;
}
