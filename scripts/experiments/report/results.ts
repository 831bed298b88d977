// What every experiment writes once its runs are done: results.md (the common table, then the sections
// its suite adds), results.json and compare.html (every run overlaid, src/report/compare.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../../src/report/summary.ts';
import { pct } from '../../../src/text/format.ts';
import type { RunRow } from './types.ts';

const minBest = (s: Summary, k: 'privateAccuracy' | 'sharedAccuracy') => Math.min(...s.agents.filter((a) => a[k].length).map((a) => a[k][a.bestHead]));

export function resultsTable(backend: string, rows: RunRow[]): string {
  return [
    `Backend: ${backend}. Accuracy in %, of the last round, on the whole MNIST/Fashion-MNIST test split; "best" is each agent's head with the best shared accuracy. KB: prediction or weight bytes received per agent per round.`,
    '',
    '| run | private main (mean / min) | shared main (mean / min) | private best (mean / min) | shared best (mean / min) | KB / agent / round |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(({ spec, summary: s, kbPerRound }) =>
      `| ${spec.label} | ${pct(s.mean.privateAccuracy[0])} / ${pct(s.min.privateAccuracy[0])} | ${pct(s.mean.sharedAccuracy[0])} / ${pct(s.min.sharedAccuracy[0])} | ${pct(s.best.privateAccuracy)} / ${pct(minBest(s, 'privateAccuracy'))} | ${pct(s.best.sharedAccuracy)} / ${pct(minBest(s, 'sharedAccuracy'))} | ${kbPerRound.toFixed(0)} |`,
    ),
    '',
    'Mean shared accuracy per head (h0 = main head):',
    '',
    '| run | ' + ['h0', 'h1', 'h2', 'h3'].join(' | ') + ' |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(({ spec, summary: s }) => `| ${spec.label} | ${[0, 1, 2, 3].map((h) => pct(s.mean.sharedAccuracy[h])).join(' | ')} |`),
  ].join('\n');
}

/** Writes the three files; returns results.md's tables (the common one, then `sections`). */
export async function writeOutputs(outDir: string, name: string, about: string, backend: string, rows: RunRow[], sections: readonly string[]): Promise<string> {
  const table = [resultsTable(backend, rows), ...sections].join('\n\n');
  writeFileSync(join(outDir, 'results.md'), `# ${name}\n\n${about}\n\n${table}\n`);
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(rows.map(({ spec, kbPerRound, summary }) => ({ label: spec.label, group: spec.group, setting: spec.setting, kbPerRound, summary })), null, 2) + '\n');
  // Loaded here, when the runs are done, so that a long experiment writes the page as it is by then.
  const { writeComparison } = await import('../../../src/report/compare.ts');
  writeComparison(join(outDir, 'compare.html'), rows.map((r) => ({ dir: r.dir, label: r.spec.label })));
  return table;
}
