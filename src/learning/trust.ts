// The defence against lying neighbours (docs/DESIGN.md, "Lying peers"; figures in the README): pure
// functions over row-major `samples x classes` arrays. Each round an agent scores every head it learns
// from a neighbour (and its embeddings, when they are distilled) against its own main head: on the rows
// it is sure of, whether the head separates the classes (a per-class AUC: honest neighbours with other
// data are biased but informed; lies do not follow the input); on the rows it is unsure of, whether the
// head's claims follow what the agent half-knows (evidence.ts). The neighbour's score is its worst
// head's: a lie on one head costs its standing on all. The score feeds a trust that is quick to lose and
// slow to earn; a neighbour whose trust is low is excluded from the teachers, and is readmitted once its
// trust has recovered for long enough. Nothing here knows who lies.
import { z } from 'zod';
import type { AgentId } from '../topology/types.ts';
import { argmaxRow, aucVariance, claims, claimSupport, embeddingSeparation, sureRows, type Estimate } from './evidence.ts';

export { argmaxRow };

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
     * Rounds of warm-up: before the agent's main head and its neighbours have trained a round, every
     * score is near chance, honest or not. In these rounds the support is not judged, and a score counts
     * only when it is below `warmupBar` (a lie that a round of training cannot explain: a shift scores
     * about 0.25); otherwise it neither excludes nor sets the trust.
     */
    warmupRounds: count.default(1),
    /**
     * A statistic counts as its value plus this many standard errors: a neighbour is condemned on
     * evidence, not on the noise of a few rows (honest neighbours of a 3-step test ring scored 0.52 on
     * a handful of rows, round after round, and were never readmitted).
     */
    doubt: z.number().min(0).default(1),
    warmupBar: unit.default(0.45),
    /**
     * Trust from which a neighbour's confidence counts in full in the choice of targets (`standing`).
     * Honest neighbours of the default profile are trusted 0.9 and up from the second round on (95 %
     * of them, docs/DESIGN.md); an adaptive liar that keeps above the threshold, 0.55-0.77.
     */
    fullTrust: unit.default(0.9),
    /**
     * No longer read: a floor on a neighbour's mean confidence let a liar sure of part of the rows go
     * unjudged. A neighbour is now judged once it claims minSamples rows (evidence.ts, CLAIM): fewer
     * claims can win no more targets than that. Kept so that older config.json files still load.
     */
    minTeacherConfidence: unit.optional(),
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
  warmupRounds: 1,
  warmupBar: 0.45,
  doubt: 1,
  fullTrust: 0.9,
});

/**
 * Does the candidate tell apart what the agent knows? Over the samples where the agent's own main head
 * is sure (max-probability >= `confidence`), for each class c it is sure of on at least 3 samples: the
 * AUC of the candidate's probability of c, positives the samples the agent is sure are c, negatives the
 * samples it is sure are another class; the mean over those classes. An honest neighbour trained on
 * other classes is biased but still ranks c higher where c is (about 1); a liar whose probabilities do
 * not follow the input scores about 0.5 (constant, random, noise) or below (a permutation). Undefined
 * when fewer than `minSamples` sure samples or fewer than two such classes (nothing to judge by). The
 * standard error: each class's AUC by Hanley and McNeil's approximation, the classes independent.
 */
export function separation(candidate: Float32Array, own: Float32Array, samples: number, classes: number, confidence: number, minSamples = 10): Estimate | undefined {
  const { label, count, sure } = sureRows(own, samples, classes, confidence);
  if (sure < minSamples) return undefined;
  let sum = 0;
  let variance = 0;
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
    const pos = count[c];
    const neg = sure - count[c];
    const auc = wins / (pos * neg);
    variance += aucVariance(auc, pos, neg);
    sum += auc;
    judged++;
  }
  return judged < 2 ? undefined : { value: sum / judged, se: Math.sqrt(variance) / judged };
}

/** What the agent judges a neighbour by in one round: the heads it learns from it, and its embeddings. */
export interface Evidence {
  readonly samples: number;
  readonly classes: number;
  /** The agent's own main head on the chunk: the reference. */
  readonly own: Float32Array;
  /** Each head the agent learns from this neighbour, as served. */
  readonly heads: readonly Float32Array[];
  /**
   * The same heads as the teacher choice sees them (prior-corrected), where that differs: a head unsure
   * in its raw predictions but sure once corrected can win the choice, so its claims are counted on both.
   */
  readonly asChosen?: readonly Float32Array[];
  /** The neighbour's embeddings, when the agent distils them. */
  readonly embedding?: { readonly size: number; readonly values: Float32Array };
}

/** What a statistic counts as: its value plus `doubt` standard errors, at most 1. */
const doubted = (x: Estimate, p: TrustPolicy) => Math.min(1, x.value + p.doubt * x.se);

/** One head's score: the worse of its separation and its support (both 1/2 for chance, 1 for informed). */
function headScore(e: Evidence, h: number, round: number, p: TrustPolicy): number | undefined {
  const raw = e.heads[h];
  const chosen = e.asChosen?.[h] ?? raw;
  // Fewer claims than minSamples win no more targets than that, and an honest neighbour that has
  // barely trained claims nothing while it would score like a liar.
  if (Math.max(claims(raw, e.samples, e.classes), claims(chosen, e.samples, e.classes)) < p.minSamples) return undefined;
  const sep = separation(raw, e.own, e.samples, e.classes, p.confidence, p.minSamples);
  const support = round >= p.warmupRounds ? claimSupport(chosen, e.own, e.samples, e.classes, p.confidence, p.minSamples) : undefined;
  const parts = [sep, support].filter((x): x is Estimate => x !== undefined).map((x) => doubted(x, p));
  return parts.length === 0 ? undefined : Math.min(...parts);
}

/**
 * The round's score of a neighbour, or undefined: nothing to judge it by. The worst over the heads the
 * agent learns from it and its embeddings: a neighbour honest on one head and lying on another is
 * judged by the lie.
 */
export function scoreNeighbour(e: Evidence, round: number, p: TrustPolicy): number | undefined {
  const scores = e.heads.map((_, h) => headScore(e, h, round, p));
  if (e.embedding) {
    const x = embeddingSeparation(e.embedding.values, e.embedding.size, e.own, e.samples, e.classes, p.confidence, p.minSamples);
    scores.push(x === undefined ? undefined : doubted(x, p));
  }
  const judged = scores.filter((x): x is number => x !== undefined);
  return judged.length === 0 ? undefined : Math.min(...judged);
}

/** What a round's score counts for: in the warm-up rounds only a blatant lie counts (see warmupRounds). */
export function warmedUp(score: number | undefined, round: number, p: TrustPolicy): number | undefined {
  return score !== undefined && round < p.warmupRounds && score >= p.warmupBar ? undefined : score;
}

/**
 * How much a neighbour's confidence counts in the choice of targets (teachers.ts, ChooseOptions.weights):
 * 0 at the threshold, 1 from `fullTrust` on, linear in between; 1 while it is unjudged. Exclusion below
 * the threshold is the same rule's 0, so a neighbour's influence falls off continuously with its trust
 * rather than in one step at the threshold: an adaptive liar that keeps its score just above it
 * (camouflage scores 0.55-0.77) is admitted, but with a fraction of an honest teacher's say. Honest
 * teachers count in full, as the agent's own head does (includeSelf): discounting them too would have the
 * agent learn from itself instead (a clean ring-8 lost a point with a rule linear up to trust 1).
 */
export function standing(trust: number | undefined, p: TrustPolicy): number {
  if (trust === undefined || p.fullTrust <= p.threshold) return 1;
  return Math.max(0, Math.min(1, (trust - p.threshold) / (p.fullTrust - p.threshold)));
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
  const why = `score ${shown(score)} (its worst head against what this agent knows), trust ${shown(trust)}`;
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
 * Judges every neighbour that answered: `scores` from `scoreNeighbour` against own predictions on the
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
