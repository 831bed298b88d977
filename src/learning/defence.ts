// The defence as a wrapper around a strategy (trust.ts has the judgement): it scores every answer
// against the agent's own confident predictions on the same chunk, updates the trust it carries from
// round to round, and hands the wrapped strategy only the answers of neighbours not excluded. With the
// policy off, every answer goes through, and trust is still measured and recorded.
import type { AgentId } from '../topology/types.ts';
import type { Decline, Strategy, StrategyDecision, StrategyInput } from './strategy.ts';
import { priorCorrected } from './teachers.ts';
import { judgeRound, scoreNeighbour, type NeighbourTrust, type RoundJudgement, type TrustPolicy } from './trust.ts';
import { headProbs } from './types.ts';

export type TrustStates = Readonly<Record<AgentId, NeighbourTrust>>;

export interface DefendedDecision extends StrategyDecision {
  /** Trust in each neighbour that answered, after this round (3 decimals). */
  readonly trust: Record<AgentId, number>;
  /** Neighbours that answered but were no teachers (low trust), and why. */
  readonly excluded: readonly Decline[];
  readonly changes: RoundJudgement['changes'];
  /** What the next round's judgement starts from. */
  readonly states: TrustStates;
}

export type DefendedStrategy = (input: StrategyInput, states: TrustStates) => DefendedDecision;

/** How the teacher choice sees a neighbour's predictions, so that trust judges what would be learned. */
export interface AsChosen {
  readonly priorCorrection: number;
  readonly probabilityFloor: number;
}

export function defended(inner: Strategy, policy: TrustPolicy, asChosen: AsChosen): DefendedStrategy {
  return (input, states) => {
    const scores = new Map<AgentId, number | undefined>();
    for (const b of input.answers) {
      const own = input.ownFor(b.round);
      const head = headProbs(b, 0);
      const corrected = asChosen.priorCorrection > 0 ? priorCorrected(head, b.samples, b.classes, asChosen.priorCorrection, asChosen.probabilityFloor) : undefined;
      scores.set(b.agent, own ? scoreNeighbour(head, headProbs(own, 0), own.samples, own.classes, policy, corrected) : undefined);
    }
    const j = judgeRound(states, scores, input.round, policy);
    const trust = Object.fromEntries(Object.entries(j.trust).map(([a, t]) => [a, Math.round(t * 1000) / 1000]));
    const out = new Set(policy.enabled ? j.excluded : []);
    const excluded = [...out].map((agent) => ({ agent, reason: j.changes.find((c) => c.agent === agent)?.reason ?? `trust ${trust[agent] ?? 'none'} still low` }));
    const decision = inner({ ...input, answers: input.answers.filter((b) => !out.has(b.agent)) });
    return { ...decision, trust, excluded, changes: policy.enabled ? j.changes : [], states: j.states };
  };
}
