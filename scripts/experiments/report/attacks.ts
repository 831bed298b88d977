// The table of the attacks experiment (README, "Lying peers"): per topology and teacher rule, each
// behaviour with the defence off and on, against the clean and liar-absent runs of the same seed.
import type { RunConfig } from '../../../src/node/config.ts';
import type { Summary } from '../../../src/report/summary.ts';
import { pct } from '../../../src/text/format.ts';
import { outNeighbours } from '../../../src/topology/types.ts';

export interface AttackRow {
  label: string;
  summary: Summary;
  kbPerRound: number;
  config: RunConfig;
  absent: string[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Mean main-head shared accuracy of the honest agents that learn from a liar (or from an absent agent). */
function liarNeighbours(r: AttackRow): number {
  const liars = [...Object.keys(r.summary.adversaries), ...r.absent];
  const near = new Set(liars.flatMap((l) => outNeighbours(r.config.topology, l)).filter((a) => !liars.includes(a)));
  return mean(r.summary.agents.filter((a) => near.has(a.id) && a.sharedAccuracy.length).map((a) => a.sharedAccuracy[0]));
}

export function attacksTable(rows: readonly AttackRow[], backend: string): string {
  const find = (label: string) => rows.find((r) => r.label === label);
  const groups = [...new Set(rows.map((r) => r.label.split(' ').slice(0, 2).join(' ')).filter((g) => !g.endsWith('isolated')))];
  const lines = [
    `Backend: ${backend}; ${new Date().toISOString().slice(0, 10)}. Mean over the honest agents of the main head's final accuracy (%), shared (whole test distribution, 2000 test samples) and private; "near" = the honest agents that learn from a liar. Bound: defence-on shared >= liar-absent shared - 2 points.`,
    '',
    '| topology, teacher | liars | shared off | shared on | near off | near on | private off | private on | absent shared | on - absent | bound |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const g of groups) {
    const topology = g.split(' ')[0];
    const absent = find(`${g} absent`);
    const iso = find(`${topology} isolated`);
    const behaviours = [...new Set(rows.filter((r) => r.label.startsWith(`${g} `) && / defence-(on|off)$/.test(r.label)).map((r) => r.label.slice(g.length + 1).replace(/ defence-(on|off)$/, '')))];
    if (absent) lines.push(`| ${g} | absent | ${pct(absent.summary.mean.sharedAccuracy[0])} | | ${pct(liarNeighbours(absent))} | | ${pct(absent.summary.mean.privateAccuracy[0])} | | | | |`);
    if (iso) lines.push(`| ${g} | (isolated, all 8) | ${pct(iso.summary.mean.sharedAccuracy[0])} | | | | ${pct(iso.summary.mean.privateAccuracy[0])} | | | | |`);
    for (const b of behaviours) {
      const off = find(`${g} ${b} defence-off`);
      const on = find(`${g} ${b} defence-on`);
      const s = (r: AttackRow | undefined, k: 'sharedAccuracy' | 'privateAccuracy') => r?.summary.mean[k][0];
      const ref = absent ? s(absent, 'sharedAccuracy') : undefined;
      const diff = on && ref !== undefined ? 100 * (s(on, 'sharedAccuracy')! - ref) : undefined;
      const bound = b === 'clean' || diff === undefined ? '' : diff >= -2 ? 'ok' : 'MISSED';
      const nearOff = off && b !== 'clean' ? pct(liarNeighbours(off)) : '';
      const nearOn = on && b !== 'clean' ? pct(liarNeighbours(on)) : '';
      lines.push(
        `| ${g} | ${b} | ${pct(s(off, 'sharedAccuracy'))} | ${pct(s(on, 'sharedAccuracy'))} | ${nearOff} | ${nearOn} | ${pct(s(off, 'privateAccuracy'))} | ${pct(s(on, 'privateAccuracy'))} | ${pct(ref)} | ${diff === undefined ? '-' : diff.toFixed(1)} | ${bound} |`,
      );
    }
  }
  return lines.join('\n');
}
