// The defence as a wrapper around a strategy (trust.ts has the judgement): it scores every answer
// against the agent's own predictions on the same chunk, on every head the agent learns from it and on
// its embeddings when they are distilled, updates the trust it carries from round to round, and hands
// the wrapped strategy only the answers of neighbours not excluded, each with its standing (how much its
// confidence counts in the choice of targets, trust.ts). With the policy off, every answer goes through
// at full weight, and trust is still measured and recorded.
import type { AgentId } from '../topology/types.ts';
import type { Decline, Strategy, StrategyDecision, StrategyInput } from './strategy.ts';
import { priorCorrected, type AuxTeacher } from './teachers.ts';
import { judgeRound, scoreNeighbour, standing, warmedUp, type Evidence, type NeighbourTrust, type RoundJudgement, type TrustPolicy } from './trust.ts';
import { headProbs, type PredictionBatch } from './types.ts';

/** A neighbour's trust, and the evidence of rounds too small to judge it by, kept until there is enough. */
export interface DefendedTrust extends NeighbourTrust {
  readonly pending?: Evidence;
}

export type TrustStates = Readonly<Record<AgentId, DefendedTrust>>;

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

/** How the strategy learns from a neighbour, so that trust judges what would be learned. */
export interface AsChosen {
  readonly priorCorrection: number;
  readonly probabilityFloor: number;
  /** Which of a neighbour's heads the auxiliary heads learn from (teachers.ts); default `previous`. */
  readonly auxTeacher?: AuxTeacher;
  /** Whether the neighbours' embeddings are distilled (and so judged). */
  readonly embeddings?: boolean;
}

/** Rows of evidence kept at most while a neighbour cannot be judged yet (small chunks). */
export const MAX_PENDING_ROWS = 1000;

/** The neighbour's heads that the agent's heads learn from (head chaining, teachers.ts). */
export function sourceHeads(ownHeads: number, theirHeads: number, auxTeacher: AuxTeacher = 'previous'): number[] {
  const out = new Set<number>();
  for (let k = 0; k < ownHeads; k++) out.add(Math.min(k === 0 || auxTeacher === 'same' ? k : k - 1, theirHeads - 1));
  return [...out].sort((a, b) => a - b);
}

function evidenceOf(b: PredictionBatch, own: PredictionBatch, how: AsChosen): Evidence {
  const heads = sourceHeads(own.heads, b.heads, how.auxTeacher).map((h) => headProbs(b, h));
  const corrected = how.priorCorrection > 0 ? heads.map((x) => priorCorrected(x, b.samples, b.classes, how.priorCorrection, how.probabilityFloor)) : undefined;
  const embedding = how.embeddings && b.embedding && own.embedding && b.embedding.size === own.embedding.size ? b.embedding : undefined;
  return { samples: own.samples, classes: own.classes, own: headProbs(own, 0), heads, asChosen: corrected, embedding };
}

const tail = (a: Float32Array, width: number, rows: number) => a.subarray(Math.max(0, a.length - rows * width));
function join(a: Float32Array, b: Float32Array, width: number, rows: number): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return tail(out, width, rows);
}

/** Evidence of an earlier round followed by this round's, the newest MAX_PENDING_ROWS rows; undefined when they do not fit together. */
export function pooled(before: Evidence | undefined, now: Evidence): Evidence | undefined {
  if (!before) return now;
  if (before.classes !== now.classes || before.heads.length !== now.heads.length || !!before.asChosen !== !!now.asChosen || before.embedding?.size !== now.embedding?.size) return undefined;
  const rows = Math.min(MAX_PENDING_ROWS, before.samples + now.samples);
  const k = now.classes;
  return {
    samples: rows,
    classes: k,
    own: join(before.own, now.own, k, rows),
    heads: now.heads.map((h, i) => join(before.heads[i], h, k, rows)),
    asChosen: now.asChosen?.map((h, i) => join(before.asChosen![i], h, k, rows)),
    embedding: now.embedding ? { size: now.embedding.size, values: join(before.embedding!.values, now.embedding.values, now.embedding.size, rows) } : undefined,
  };
}

export function defended(inner: Strategy, policy: TrustPolicy, how: AsChosen): DefendedStrategy {
  return (input, states) => {
    const scores = new Map<AgentId, number | undefined>();
    const pending = new Map<AgentId, Evidence>();
    for (const b of input.answers) {
      const own = input.ownFor(b.round);
      if (!own) {
        scores.set(b.agent, undefined);
        continue;
      }
      const now = evidenceOf(b, own, how);
      // A chunk too small to judge by is judged together with the rounds before it.
      const e = pooled(states[b.agent]?.pending, now) ?? now;
      const score = scoreNeighbour(e, input.round, policy);
      scores.set(b.agent, warmedUp(score, input.round, policy));
      if (score === undefined) pending.set(b.agent, e);
    }
    const j = judgeRound(states, scores, input.round, policy);
    const next: Record<AgentId, DefendedTrust> = {};
    for (const [a, s] of Object.entries(j.states)) {
      const keep = pending.get(a) ?? (scores.has(a) ? undefined : (states[a]?.pending));
      next[a] = keep ? { ...s, pending: keep } : { trust: s.trust, ...(s.excludedSince !== undefined ? { excludedSince: s.excludedSince } : {}) };
    }
    const trust = Object.fromEntries(Object.entries(j.trust).map(([a, t]) => [a, Math.round(t * 1000) / 1000]));
    const out = new Set(policy.enabled ? j.excluded : []);
    const excluded = [...out].map((agent) => ({ agent, reason: j.changes.find((c) => c.agent === agent)?.reason ?? `trust ${trust[agent] ?? 'none'} still low` }));
    const admitted = input.answers.filter((b) => !out.has(b.agent));
    const weights = policy.enabled ? Object.fromEntries(admitted.map((b) => [b.agent, standing(j.states[b.agent]?.trust, policy)])) : undefined;
    const decision = inner({ ...input, answers: admitted, weights });
    return { ...decision, trust, excluded, changes: policy.enabled ? j.changes : [], states: next };
  };
}
