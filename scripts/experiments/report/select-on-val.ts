// Choosing a setting honestly: every candidate and its fair isolated baseline (the same profile, no
// targets) run in every scenario with the accuracy measured on the validation set (--eval-split val);
// the rule picks one candidate for all scenarios; only it and its baseline then run, on other seeds,
// with accuracy on the test split.
// The rule (docs/results.md, "The default profile"): among the candidates whose mean private accuracy (main
// head) is at least their baseline's minus 0.5 points in every scenario, the highest mean over the
// scenarios of the mean shared accuracy of the best head; when none is, the one whose private accuracy
// falls least short of its baseline's in its worst scenario.
import type { Summary } from '../../../src/report/summary.ts';
import { pct } from '../../../src/text/format.ts';

export const PRIVATE_TOLERANCE = 0.005;

export interface ScenarioScore {
  scenario: string;
  summary: Summary;
  /** The same profile in isolation, on the same split and seed. */
  isolated: Summary;
}

export interface Candidate {
  label: string;
  scores: ScenarioScore[];
}

const privateMain = (s: Summary) => s.mean.privateAccuracy[0];
const margin = (s: ScenarioScore) => privateMain(s.summary) - privateMain(s.isolated);
const worstMargin = (c: Candidate) => Math.min(...c.scores.map(margin));
const meanShared = (c: Candidate) => c.scores.reduce((a, s) => a + s.summary.best.sharedAccuracy, 0) / c.scores.length;

/** The chosen candidate and one line per candidate and scenario saying why (pure). */
export function chooseOnVal<C extends Candidate>(candidates: readonly C[]): { chosen: C; lines: string[] } {
  if (candidates.length === 0 || candidates.some((c) => c.scores.length === 0)) throw new Error('no candidates (or scenarios) to choose from');
  const eligible = candidates.filter((c) => worstMargin(c) >= -PRIVATE_TOLERANCE);
  const chosen = eligible.length > 0 ? eligible.reduce((a, b) => (meanShared(b) > meanShared(a) ? b : a)) : candidates.reduce((a, b) => (worstMargin(b) > worstMargin(a) ? b : a));
  const lines = candidates.flatMap((c) => [
    `${c === chosen ? '*' : ' '} ${c.label}: mean shared best ${pct(meanShared(c), 2)}, ${worstMargin(c) >= -PRIVATE_TOLERANCE ? 'private within' : 'private below'} isolated - 0.5 everywhere`,
    ...c.scores.map((s) => `    ${s.scenario}: private ${pct(privateMain(s.summary), 2)} against isolated ${pct(privateMain(s.isolated), 2)}, shared best ${pct(s.summary.best.sharedAccuracy, 2)}`),
  ]);
  return { chosen, lines };
}
