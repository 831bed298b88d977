// The table of the attacks experiment (README, "Lying peers"): per setting and seed, every behaviour
// with the defence off and on, every head, against the liar-absent and clean runs of the same seed,
// with the bounds checked: with the defence on, every head's shared accuracy within 2 points of
// the liar-absent run and private accuracy within 1; a clean run with the defence on within 0.5 points
// of the defence off on every head.
import type { RunConfig } from '../../../src/node/config.ts';
import type { Summary } from '../../../src/report/summary.ts';
import { readRun } from '../../../src/report/run-dir.ts';
import { pct } from '../../../src/text/format.ts';

export interface AttackRow {
  label: string;
  /** Setting and seed (and `emb` for the runs that distil embeddings). */
  group: string;
  /** `absent`, `clean defence-on`, `shift defence-off`, ... */
  setting: string;
  summary: Summary;
  config: RunConfig;
  absent: string[];
  /** Mean seconds of an honest agent's round. */
  roundSeconds: number;
}

/** Mean over the honest agents' round records of their seconds (the run directory's metrics). */
export function honestRoundSeconds(dir: string, summary: Summary): number {
  const liars = new Set(Object.keys(summary.adversaries));
  const times = readRun(dir).agents.filter((a) => !liars.has(a.id)).flatMap((a) => a.rounds.map((r) => r.seconds));
  return times.length ? times.reduce((a, b) => a + b, 0) / times.length : NaN;
}

export const SHARED_BOUND = 2;
export const PRIVATE_BOUND = 1;
export const CLEAN_BOUND = 0.5;
/**
 * Stalling liars may stretch honest rounds to at most this times those of the clean run with the
 * defence on: the same agents sharing the machine (a liar-absent run has fewer, and its rounds are
 * faster for that alone).
 */
export const STALL_BOUND = 1.5;

const heads = (r: AttackRow) => r.summary.mean.sharedAccuracy;
const privateMain = (r: AttackRow) => r.summary.mean.privateAccuracy[0];

/** The worst head's shortfall (points) of `run` against `ref`, and the private shortfall. */
export function shortfall(run: AttackRow, ref: AttackRow): { shared: number; private: number } {
  const h = heads(run).map((x, k) => 100 * ((heads(ref)[k] ?? x) - x));
  return { shared: Math.max(...h), private: 100 * (privateMain(ref) - privateMain(run)) };
}

export function attacksTable(rows: readonly AttackRow[], backend: string): string {
  const lines = [
    `Backend: ${backend}; ${new Date().toISOString().slice(0, 10)}. Mean over the honest agents of each head's final shared accuracy (%, whole test distribution, 2000 test samples) and the main head's private accuracy. "worst vs absent": the largest drop of any head against the liar-absent run (points), and the private drop; bounds: defence on, every head within ${SHARED_BOUND} and private within ${PRIVATE_BOUND}; clean defence on within ${CLEAN_BOUND} of off on every head.`,
    '',
    '| setting | run | shared h0 | h1 | h2 | h3 | private | worst vs absent (shared / private) | s per round | bound |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  let held = 0;
  let missed = 0;
  for (const g of [...new Set(rows.map((r) => r.group))]) {
    const mine = rows.filter((r) => r.group === g);
    const absent = mine.find((r) => r.setting === 'absent');
    const cleanOff = mine.find((r) => r.setting === 'clean defence-off');
    for (const r of mine) {
      let verdict = '';
      let vs = '';
      if (absent && r !== absent) {
        const s = shortfall(r, absent);
        vs = `${s.shared.toFixed(1)} / ${s.private.toFixed(1)}`;
        if (r.setting.endsWith('defence-on') && !r.setting.startsWith('clean')) {
          const clean = mine.find((x) => x.setting === 'clean defence-on');
          const slow = /^(stall|echo) /.test(r.setting) && clean !== undefined && r.roundSeconds > STALL_BOUND * clean.roundSeconds;
          verdict = s.shared <= SHARED_BOUND && s.private <= PRIVATE_BOUND && !slow ? 'ok' : `MISSED${slow ? ' (slow)' : ''}`;
        }
      }
      if (r.setting === 'clean defence-on' && cleanOff) verdict = shortfall(r, cleanOff).shared <= CLEAN_BOUND ? 'ok (vs off)' : `MISSED (vs off: ${shortfall(r, cleanOff).shared.toFixed(1)})`;
      if (verdict.startsWith('ok')) held++;
      if (verdict.startsWith('MISSED')) missed++;
      const h = heads(r);
      lines.push(`| ${g} | ${r.setting} | ${[0, 1, 2, 3].map((k) => (h[k] === undefined ? '' : pct(h[k]))).join(' | ')} | ${pct(privateMain(r))} | ${vs} | ${r.roundSeconds.toFixed(1)} | ${verdict} |`);
    }
  }
  lines.push('', `Bounds held: ${held}; missed: ${missed}.`);
  return lines.join('\n');
}
