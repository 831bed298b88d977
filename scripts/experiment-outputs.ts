// What an experiment writes once its runs are done: results.md, results.json, compare.html (every run
// overlaid, src/report/compare.ts) and, for the pareto suite, the front and its chart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentOptions } from '../src/cluster/run-options.ts';
import type { Summary } from '../src/report/summary.ts';
import type { RunConfig } from '../src/node/config.ts';

export interface RunSpec {
  label: string;
  options: Partial<ExperimentOptions>;
  /** Pareto suite: the scenario (data and graph) and the setting. */
  group?: string;
  setting?: string;
  /** Agents that never start (the liar-absent references of the attacks suite). */
  absent?: string[];
}

export interface RunRow {
  spec: RunSpec;
  dir: string;
  summary: Summary;
  kbPerRound: number;
  config: RunConfig;
}

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : (100 * x).toFixed(1));
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

export async function writeOutputs(outDir: string, name: string, about: string, backend: string, rows: RunRow[], extra?: string): Promise<string> {
  let table = resultsTable(backend, rows);
  if (extra) table += '\n\n' + extra;
  if (rows.some((r) => r.spec.group)) {
    // Loaded here so that an experiment started before these modules changed still writes them.
    const { paretoSection } = await import('./pareto-report.ts');
    table += '\n\n' + paretoSection(outDir, rows);
  }
  writeFileSync(join(outDir, 'results.md'), `# ${name}\n\n${about}\n\n${table}\n`);
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(rows.map(({ spec, kbPerRound, summary }) => ({ label: spec.label, group: spec.group, setting: spec.setting, kbPerRound, summary })), null, 2) + '\n');
  const { writeComparison } = await import('../src/report/compare.ts');
  writeComparison(join(outDir, 'compare.html'), rows.map((r) => ({ dir: r.dir, label: r.spec.label })));
  return table;
}
