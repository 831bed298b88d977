// The defence against lying neighbours (docs/DESIGN.md, "Lying peers"; figures in the README): pure
// functions over row-major `samples x classes` arrays. Each round an agent scores every neighbour by whether its main-head
// probabilities separate the classes the agent itself is sure of (a per-class AUC: honest neighbours
// with other data are biased but informed; lies do not follow the input); the score feeds a trust that is
// quick to lose and slow to earn; a neighbour whose trust is low is excluded from the teachers, and is
// readmitted once its trust has recovered for long enough. Nothing here knows who lies.
import { z } from 'zod';
import type { AgentId } from '../topology/types.ts';

const unit = z.number().min(0).max(1);
const count = z.number().int().min(0);

export const trustPolicySchema = z
  .object({
    /** Off: every neighbour that answers is a teacher (the method without a defence). */
    enabled: z.boolean(),
    /** Own samples count as a reference only when the own main head's max-probability reaches this. */
    confidence: unit,
    /** Samples both sure of needed to judge a neighbour in a round. */
    minSamples: count,
    /** Excluded while trust is below this. */
    threshold: unit,
    /** Readmitted only once trust reaches threshold + margin ... */
    margin: unit,
    /** ... and at least this many rounds after the exclusion. */
    minRoundsOut: count,
    /** Weight of the new score when it is below the trust (trust drops fast). */
    drop: unit,
    /** Weight of the new score when it is above the trust (trust recovers slowly). */
    rise: unit,
    /**
     * A neighbour whose mean max-probability on the chunk is below this is not judged this round: too
     * unsure to mislead a most-confident or gated choice, and an honest neighbour that has barely trained
     * scores near 0.5 like a liar (seen as a neighbour excluded by every agent of a 3-step test ring).
     * Configs written before this field judged every neighbour.
     */
    minTeacherConfidence: unit.default(0),
  })
  .strict();

export type TrustPolicy = Readonly<z.output<typeof trustPolicySchema>>;

export const DEFAULT_TRUST: TrustPolicy = Object.freeze({
  enabled: true,
  confidence: 0.9,
  minSamples: 10,
  threshold: 0.55,
  margin: 0.1,
  minRoundsOut: 2,
  drop: 0.75,
  rise: 0.25,
  minTeacherConfidence: 0.5,
});

export function argmaxRow(a: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (a[row * classes + c] > a[row * classes + best]) best = c;
  return best;
}

/**
 * Does the candidate tell apart what the agent knows? Over the samples where the agent's own main head
 * is sure (max-probability >= `confidence`), for each class c it is sure of on at least 3 samples: the
 * AUC of the candidate's probability of c, positives the samples the agent is sure are c, negatives the
 * samples it is sure are another class; the mean over those classes. An honest neighbour trained on
 * other classes is biased but still ranks c higher where c is (about 1); a liar whose probabilities do
 * not follow the input scores about 0.5 (constant, random, noise) or below (a permutation). Undefined
 * when fewer than `minSamples` sure samples or fewer than two such classes (nothing to judge by).
 */
export function agreementScore(candidate: Float32Array, own: Float32Array, samples: number, classes: number, confidence: number, minSamples = 10): number | undefined {
  const label = new Int32Array(samples).fill(-1);
  const count = new Int32Array(classes);
  let sure = 0;
  for (let s = 0; s < samples; s++) {
    const mine = argmaxRow(own, s, classes);
    if (own[s * classes + mine] < confidence) continue;
    label[s] = mine;
    count[mine]++;
    sure++;
  }
  if (sure < minSamples) return undefined;
  let sum = 0;
  let judged = 0;
  for (let c = 0; c < classes; c++) {
    if (count[c] < 3 || sure - count[c] < 3) continue;
    let wins = 0;
    for (let i = 0; i < samples; i++) {
      if (label[i] !== c) continue;
      const pi = candidate[i * classes + c];
      for (let j = 0; j < samples; j++) {
        if (label[j] < 0 || label[j] === c) continue;
        const pj = candidate[j * classes + c];
        wins += pi > pj ? 1 : pi === pj ? 0.5 : 0;
      }
    }
    sum += wins / (count[c] * (sure - count[c]));
    judged++;
  }
  return judged < 2 ? undefined : sum / judged;
}

/** Mean over rows of the row's max-probability: how sure a set of predictions is. */
export function meanConfidence(probs: Float32Array, samples: number, classes: number): number {
  let sum = 0;
  for (let s = 0; s < samples; s++) sum += probs[s * classes + argmaxRow(probs, s, classes)];
  return samples === 0 ? 0 : sum / samples;
}

/**
 * The round's score of a neighbour's main head against the agent's own, or undefined: not judged.
 * `asChosen` is the same head as the teacher choice sees it, where that differs (prior-corrected): a
 * neighbour unsure in its raw predictions but sure once corrected can win the choice, so it is judged
 * when either view is sure enough. The score itself is on the raw predictions.
 */
export function scoreNeighbour(candidate: Float32Array, own: Float32Array, samples: number, classes: number, p: TrustPolicy, asChosen?: Float32Array): number | undefined {
  const sure = Math.max(meanConfidence(candidate, samples, classes), asChosen ? meanConfidence(asChosen, samples, classes) : 0);
  if (sure < p.minTeacherConfidence) return undefined;
  return agreementScore(candidate, own, samples, classes, p.confidence, p.minSamples);
}

/** Trust after a new score: the first score is taken as is; later ones drop fast and rise slowly. */
export function updateTrust(prev: number | undefined, score: number | undefined, p: TrustPolicy): number | undefined {
  if (score === undefined) return prev;
  if (prev === undefined) return score;
  const w = score < prev ? p.drop : p.rise;
  return (1 - w) * prev + w * score;
}

export interface NeighbourTrust {
  /** Undefined until there was something to judge by. */
  readonly trust: number | undefined;
  /** Round of the exclusion in force, if any. */
  readonly excludedSince?: number;
}

export interface TrustDecision {
  readonly state: NeighbourTrust;
  readonly excluded: boolean;
  /** Set when the decision changed this round: why it was excluded or readmitted. */
  readonly change?: 'excluded' | 'readmitted';
  readonly reason?: string;
}

/** One neighbour, one round: new trust from the round's score, then exclude or readmit. */
export function judgeNeighbour(prev: NeighbourTrust | undefined, score: number | undefined, round: number, p: TrustPolicy): TrustDecision {
  const trust = updateTrust(prev?.trust, score, p);
  const shown = (x: number | undefined) => (x === undefined ? 'none' : x.toFixed(2));
  const why = `separation ${shown(score)} of the classes this agent is sure of, trust ${shown(trust)}`;
  const wasOut = prev?.excludedSince !== undefined;
  if (!wasOut) {
    if (trust !== undefined && trust < p.threshold) {
      return { state: { trust, excludedSince: round }, excluded: true, change: 'excluded', reason: `${why} < ${p.threshold}` };
    }
    return { state: { trust }, excluded: false };
  }
  const out = round - prev!.excludedSince!;
  if (trust !== undefined && trust >= p.threshold + p.margin && out >= p.minRoundsOut) {
    return { state: { trust }, excluded: false, change: 'readmitted', reason: `${why} >= ${(p.threshold + p.margin).toFixed(2)} after ${out} rounds out` };
  }
  return { state: { trust, excludedSince: prev!.excludedSince }, excluded: true };
}

export interface RoundJudgement {
  readonly states: Record<AgentId, NeighbourTrust>;
  /** Trust of each judged neighbour after this round (absent: nothing to judge by yet). */
  readonly trust: Record<AgentId, number>;
  readonly excluded: readonly AgentId[];
  /** Exclusions and readmissions made this round, with their reasons. */
  readonly changes: readonly { agent: AgentId; change: 'excluded' | 'readmitted'; reason: string }[];
}

/**
 * Judges every neighbour that answered: `scores` from `agreementScore` against own predictions on the
 * same chunk. Neighbours that did not answer keep their state.
 */
export function judgeRound(prev: Readonly<Record<AgentId, NeighbourTrust>>, scores: ReadonlyMap<AgentId, number | undefined>, round: number, p: TrustPolicy): RoundJudgement {
  const states: Record<AgentId, NeighbourTrust> = { ...prev };
  const trust: Record<AgentId, number> = {};
  const excluded: AgentId[] = [];
  const changes: { agent: AgentId; change: 'excluded' | 'readmitted'; reason: string }[] = [];
  for (const [agent, score] of scores) {
    const d = judgeNeighbour(prev[agent], score, round, p);
    states[agent] = d.state;
    if (d.state.trust !== undefined) trust[agent] = d.state.trust;
    if (d.excluded) excluded.push(agent);
    if (d.change) changes.push({ agent, change: d.change, reason: d.reason! });
  }
  return { states, trust, excluded, changes };
}
