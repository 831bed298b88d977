// The defence against lying neighbours (README, "Lying peers"): pure functions over row-major
// `samples x classes` arrays. Each round an agent scores every neighbour by how often its main-head
// argmax agrees with the agent's own where both are confident, class by class (so a liar that always
// names one class scores at most 1 / the classes judged); the score feeds a trust that is
// quick to lose and slow to earn; a neighbour whose trust is low is excluded from the teachers, and is
// readmitted once its trust has recovered for long enough. Nothing here knows who lies.
import type { AgentId } from '../topology/types.ts';

export interface TrustPolicy {
  /** Off: every neighbour that answers is a teacher (the method without a defence). */
  readonly enabled: boolean;
  /** Own samples count as a reference only when the own main head's max-probability reaches this. */
  readonly confidence: number;
  /** Samples both sure of needed to judge a neighbour in a round. */
  readonly minSamples: number;
  /** Excluded while trust is below this. */
  readonly threshold: number;
  /** Readmitted only once trust reaches threshold + margin ... */
  readonly margin: number;
  /** ... and at least this many rounds after the exclusion. */
  readonly minRoundsOut: number;
  /** Weight of the new score when it is below the trust (trust drops fast). */
  readonly drop: number;
  /** Weight of the new score when it is above the trust (trust recovers slowly). */
  readonly rise: number;
}

export const DEFAULT_TRUST: TrustPolicy = Object.freeze({
  enabled: true,
  confidence: 0.9,
  minSamples: 10,
  threshold: 0.5,
  margin: 0.1,
  minRoundsOut: 2,
  drop: 0.75,
  rise: 0.25,
});

export function argmaxRow(a: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (a[row * classes + c] > a[row * classes + best]) best = c;
  return best;
}

/**
 * Class-balanced agreement where both are sure: over the samples where the agent's own main head and
 * the candidate both reach `confidence`, grouped by the agent's own argmax class (classes with at least
 * 3 such samples), the mean over classes of the fraction where the candidate names the same class.
 * A confident contradiction is what a lie looks like; an honest neighbour with other data is mostly
 * unsure where it does not know, so it is judged on few samples rather than condemned. Undefined with
 * fewer than `minSamples` such samples (nothing to judge by).
 */
export function agreementScore(candidate: Float32Array, own: Float32Array, samples: number, classes: number, confidence: number, minSamples = 10): number | undefined {
  const hits = new Float64Array(classes);
  const seen = new Float64Array(classes);
  let total = 0;
  for (let s = 0; s < samples; s++) {
    const mine = argmaxRow(own, s, classes);
    if (own[s * classes + mine] < confidence) continue;
    const theirs = argmaxRow(candidate, s, classes);
    if (candidate[s * classes + theirs] < confidence) continue;
    seen[mine]++;
    total++;
    if (theirs === mine) hits[mine]++;
  }
  if (total < minSamples) return undefined;
  let sum = 0;
  let n = 0;
  for (let c = 0; c < classes; c++) {
    if (seen[c] < 3) continue;
    sum += hits[c] / seen[c];
    n++;
  }
  return n === 0 ? undefined : sum / n;
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
  const why = `agreement ${shown(score)} with own predictions where both are sure, trust ${shown(trust)}`;
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
