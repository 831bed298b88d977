// The pareto suite's outputs: per scenario, every setting's private and shared accuracy (main head and
// best head) with the front marked, the choice of the default by the rule of docs/results.md "The default
// profile", and pareto.html with one scatter chart of private against shared per scenario.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scatterChart, PAGE_CHART } from '../../../src/report/charts.ts';
import { paretoFront } from '../../../src/report/pareto.ts';
import { escapeXml } from '../../../src/text/xml.ts';
import { pct } from '../../../src/text/format.ts';
import { PRIVATE_TOLERANCE } from './select-on-val.ts';
import type { RunRow } from './types.ts';

/** The scenarios the default is chosen on. */
export const RULE_SCENARIOS = ['mnist ring-8', 'fashion ring-8'];

const privateMain = (r: RunRow) => r.summary.mean.privateAccuracy[0] ?? Number.NaN;
const sharedBest = (r: RunRow) => r.summary.best.sharedAccuracy;

interface Scored {
  row: RunRow;
  front: boolean;
  /** Private main minus isolated's (NaN without an isolated run). */
  deltaPrivate: number;
}

function score(rows: readonly RunRow[]): { isolated?: RunRow; scored: Scored[] } {
  const isolated = rows.find((r) => r.spec.setting === 'isolated');
  const front = paretoFront(rows, privateMain, sharedBest);
  return { isolated, scored: rows.map((row, i) => ({ row, front: front[i], deltaPrivate: isolated ? privateMain(row) - privateMain(isolated) : Number.NaN })) };
}

/** The rule: private main >= isolated - 0.5 on every rule scenario; then the highest mean shared (best head) over them. */
export function chooseDefault(rows: readonly RunRow[]): { lines: string[]; chosen?: string } {
  const groups = RULE_SCENARIOS.map((g) => score(rows.filter((r) => r.spec.group === g)));
  if (groups.some((g) => !g.isolated)) return { lines: ['The rule needs isolated runs on ' + RULE_SCENARIOS.join(' and ') + '.'] };
  const settings = [...new Set(rows.filter((r) => r.spec.group === RULE_SCENARIOS[0] && r.spec.setting !== 'isolated').map((r) => r.spec.setting!))];
  const candidates = settings.flatMap((setting) => {
    const per = groups.map((g) => g.scored.find((s) => s.row.spec.setting === setting));
    if (per.some((p) => !p)) return [];
    const ok = per.every((p) => p!.deltaPrivate >= -PRIVATE_TOLERANCE - 1e-9);
    return [{ setting, ok, shared: per.reduce((t, p) => t + sharedBest(p!.row), 0) / per.length, per: per as Scored[] }];
  });
  candidates.sort((a, b) => Number(b.ok) - Number(a.ok) || b.shared - a.shared);
  const fmt = (c: (typeof candidates)[number]) =>
    `${c.setting}: ${c.per.map((p, i) => `${RULE_SCENARIOS[i]} private ${pct(privateMain(p.row))} (${p.deltaPrivate >= 0 ? '+' : ''}${(100 * p.deltaPrivate).toFixed(2)} vs isolated), shared best ${pct(sharedBest(p.row))}`).join('; ')}; mean shared ${pct(c.shared)}`;
  const ok = candidates.filter((c) => c.ok);
  const lines = [
    `Rule: private accuracy (main head) at least isolated's minus ${100 * PRIVATE_TOLERANCE} on ${RULE_SCENARIOS.join(' and ')}; then the highest mean shared accuracy (best head).`,
    '',
    ok.length ? `Chosen: **${ok[0].setting}**.` : 'No setting keeps private accuracy within the tolerance on both: none is chosen by the rule.',
    '',
    ...candidates.map((c) => `- ${c.ok ? 'passes' : 'fails'}: ${fmt(c)}`),
  ];
  return { lines, chosen: ok[0]?.setting };
}

export function paretoSection(outDir: string, rows: readonly RunRow[]): string {
  const groups = [...new Set(rows.map((r) => r.spec.group).filter((g): g is string => !!g))];
  const md: string[] = [];
  const html: string[] = [];
  for (const g of groups) {
    const { isolated, scored } = score(rows.filter((r) => r.spec.group === g));
    md.push(
      `### ${g}`,
      '',
      '| setting | private main | shared main | private best | shared best | private vs isolated | KB / agent / round | front |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...scored.map(({ row: r, front, deltaPrivate }) =>
        `| ${r.spec.setting} | ${pct(privateMain(r))} | ${pct(r.summary.mean.sharedAccuracy[0])} | ${pct(r.summary.best.privateAccuracy)} | ${pct(sharedBest(r))} | ${Number.isNaN(deltaPrivate) ? '-' : `${deltaPrivate >= 0 ? '+' : ''}${(100 * deltaPrivate).toFixed(2)}`} | ${r.kbPerRound.toFixed(0)} | ${front ? '**front**' : ''} |`,
      ),
      '',
    );
    const points = scored.map(({ row: r, front }, i) => ({ x: privateMain(r), y: sharedBest(r), label: r.spec.setting!, front, reference: r === isolated, tag: String(i + 1) }));
    html.push(`<h2>${escapeXml(g)}</h2>${scatterChart(`${g}: private (main head) against shared (best head)`, points, { ...PAGE_CHART, height: 420, xLabel: 'private accuracy, main head (mean over agents)', yLabel: 'shared accuracy, best head' })}`);
    html.push(`<ol>${scored.map((s) => `<li>${s.front ? '<b>front</b> ' : ''}${escapeXml(s.row.spec.setting!)}: private ${pct(privateMain(s.row))}, shared ${pct(sharedBest(s.row))}</li>`).join('')}</ol>`);
  }
  const rule = chooseDefault(rows);
  md.push('### The default by the rule', '', ...rule.lines);
  writeFileSync(
    join(outDir, 'pareto.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mhd: Pareto front</title><style>body{font-family:sans-serif;margin:24px;max-width:1200px;font-size:15px}svg{max-width:100%;height:auto}</style></head><body>
<h1>Private against shared accuracy</h1><p>One point per setting (mean over agents of the last evaluation); red: on the Pareto front (no other setting is at least as good on both and better on one), joined left to right; black square: isolated training. Hover a point for its setting.</p>
${html.join('\n')}
<h2>The default by the rule</h2><p>${rule.lines.map((l) => escapeXml(l.replace(/\*\*/g, ''))).join('<br>')}</p>
</body></html>
`,
  );
  return ['## Pareto front', '', ...md].join('\n');
}
