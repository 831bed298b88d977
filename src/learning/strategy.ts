// What an agent makes of its teachers' answers (docs/DESIGN.md, "The method"), apart from how they were
// fetched: a strategy is a pure function from the answers and the agent's own predictions to the next
// round's targets and the decisions the round record keeps. The exchange mode does the I/O around it;
// the defence (defence.ts) wraps a strategy, as Flower's strategy wrappers do.
import type { AgentId } from '../topology/types.ts';
import type { RoundTargets } from './learner.ts';
import { mergeTargets, type ChunkTargets } from './merge-targets.ts';
import { meanEmbedding, targetsForHeads, type HeadPolicy } from './teachers.ts';
import type { PredictionBatch, Round } from './types.ts';

/** An answer that was not learned from, and why. */
export interface Decline {
  readonly agent: AgentId;
  readonly reason: string;
}

export interface StrategyInput {
  readonly round: Round;
  /** The teachers' answers, in the topology's order; some may be of older rounds (the staleness bound). */
  readonly answers: readonly PredictionBatch[];
  /** The agent's own predictions of a round, while it keeps them. */
  readonly ownFor: (round: Round) => PredictionBatch | undefined;
  /** The public rows of a round's chunk. */
  readonly rowsFor: (round: Round) => readonly number[];
  /** How much each teacher's confidence counts in the choice of targets, in [0, 1] (defence.ts); absent: 1. */
  readonly weights?: Readonly<Record<AgentId, number>>;
}

export interface StrategyDecision {
  /** What the next round distils from; undefined when there is nothing to distil. */
  readonly targets: RoundTargets | undefined;
  /** The teachers learned from, in the answers' order. */
  readonly used: readonly AgentId[];
  /** Answers not learned from for a reason of the strategy's own. */
  readonly declined: readonly Decline[];
}

export type Strategy = (input: StrategyInput) => StrategyDecision;

export interface DistillationPolicy extends HeadPolicy {
  /** Also distil the mean of the teachers' embeddings. */
  readonly embeddings: boolean;
}

/** The profile's fields that make up its distillation policy. */
export function distillationPolicy(
  p: { teacher: HeadPolicy['rule']; gateMain: boolean; gateAux: boolean; includeSelf: boolean; auxTeacher: HeadPolicy['auxTeacher']; priorCorrection: number },
  embeddings: boolean,
  probabilityFloor: number,
): DistillationPolicy {
  return { rule: p.teacher, gateMain: p.gateMain, gateAux: p.gateAux, includeSelf: p.includeSelf, auxTeacher: p.auxTeacher, priorCorrection: p.priorCorrection, probabilityFloor, embeddings };
}

/**
 * Multi-headed distillation: answers are grouped by round, and targets are chosen per chunk against the
 * agent's own predictions on that same chunk (head chaining, teachers.ts), then joined.
 */
export function distillation(policy: DistillationPolicy): Strategy {
  return ({ answers, ownFor, rowsFor, weights }) => {
    const byRound = new Map<Round, PredictionBatch[]>();
    for (const a of answers) byRound.set(a.round, [...(byRound.get(a.round) ?? []), a]);
    const parts: ChunkTargets[] = [];
    const usedSet = new Set<AgentId>();
    const declined: Decline[] = [];
    for (const [r, batches] of byRound) {
      const mine = ownFor(r);
      if (!mine) {
        for (const b of batches) declined.push({ agent: b.agent, reason: `answered round ${r}, whose own predictions are no longer kept` });
        continue;
      }
      for (const b of batches) usedSet.add(b.agent);
      parts.push({
        rows: rowsFor(r),
        heads: targetsForHeads(mine, batches, policy, weights),
        embedding: policy.embeddings ? meanEmbedding(mine, batches) : undefined,
      });
    }
    return { targets: mergeTargets(parts), used: answers.map((a) => a.agent).filter((a) => usedSet.has(a)), declined };
  };
}
