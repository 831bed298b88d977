// Choosing a setting honestly: every candidate and the fair isolated baseline run with the accuracy
// measured on the validation set (--eval-split val), the rule picks one per scenario, and only the
// chosen setting and the baseline are then run, on other seeds, with accuracy on the test split.
// The rule (README, "The default profile"): among the candidates whose mean private accuracy (main
// head) is at least their own fair isolated baseline's (the same profile, no targets) minus 0.5
// points, the highest mean shared accuracy of the best head; when none is, the one whose private
// accuracy falls least short of its baseline's.
import type { Summary } from '../src/report/summary.ts';

export const PRIVATE_TOLERANCE = 0.005;

export interface Scored {
  label: string;
  summary: Summary;
  /** The same profile in isolation, on the same split and seed. */
  isolated: Summary;
}

const privateMain = (s: Summary) => s.mean.privateAccuracy[0];
const margin = (c: Scored) => privateMain(c.summary) - privateMain(c.isolated);

/** The chosen candidate and one line per candidate saying why (pure). */
export function chooseOnVal(candidates: readonly Scored[]): { chosen: Scored; lines: string[] } {
  if (candidates.length === 0) throw new Error('no candidates to choose from');
  const eligible = candidates.filter((c) => margin(c) >= -PRIVATE_TOLERANCE);
  const chosen =
    eligible.length > 0
      ? eligible.reduce((a, b) => (b.summary.best.sharedAccuracy > a.summary.best.sharedAccuracy ? b : a))
      : candidates.reduce((a, b) => (margin(b) > margin(a) ? b : a));
  const pct = (x: number) => (100 * x).toFixed(2);
  const lines = candidates.map((c) => {
    const ok = margin(c) >= -PRIVATE_TOLERANCE;
    return `${c === chosen ? '*' : ' '} ${c.label}: private ${pct(privateMain(c.summary))} against isolated ${pct(privateMain(c.isolated))} (${ok ? 'within' : 'below'} -0.5), shared best ${pct(c.summary.best.sharedAccuracy)}`;
  });
  return { chosen, lines };
}
