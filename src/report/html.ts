// report.html: self-contained (inline SVG and CSS, no scripts or network), opens from disk.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTopologySvg } from '../topology/render-svg.ts';
import { CENTRAL_AGENT } from '../node/config.ts';
import { bandLegend, legend, lineChart, PAGE_CHART, quantile, type Series } from './charts.ts';
import type { RunData } from './run-dir.ts';
import { headsTable, summaryTable, type Summary } from './summary.ts';
import { escapeXml } from '../text/xml.ts';
import { trustSection } from './trust.ts';
import { htmlTable, TABLE_CSS } from '../text/html-table.ts';
import { adversarySpecs } from '../topology/adversaries.ts';

/** Past this many agents, a chart shows the spread over agents as bands instead of one line each. */
export const MAX_AGENT_LINES = 16;

const BANDS = [
  { label: 'min to max', colour: '#9ecae1', low: 0, high: 1 },
  { label: '10th to 90th percentile', colour: '#3182bd', low: 0.1, high: 0.9 },
];

/** Every agent's line (or the bands), and the mean over the agents that did not fail, as in the summary. */
function accuracySeries(run: RunData, key: 'privateAccuracy' | 'sharedAccuracy', head: number, failed: ReadonlySet<string>): Series[] {
  const series: Series[] = run.agents.map((a) => ({
    label: a.id,
    points: a.rounds.filter((r) => r.eval && r.eval[key].length > head).map((r): [number, number] => [r.round + 1, r.eval![key][head]]),
  }));
  const rounds = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const valuesAt = rounds.map((r) => [r, series.flatMap((s) => s.points.filter((p) => p[0] === r).map((p) => p[1]))] as const);
  const counted = series.filter((s) => !failed.has(s.label));
  const meanAt = (r: number) => {
    const vals = counted.flatMap((s) => s.points.filter((p) => p[0] === r).map((p) => p[1]));
    return vals.reduce((a, b) => a + b, 0) / vals.length;
  };
  const mean: Series = { label: 'mean', points: rounds.map((r): [number, number] => [r, meanAt(r)]).filter(([, v]) => Number.isFinite(v)), emphasis: true };
  if (series.length <= MAX_AGENT_LINES) return [...series, mean];
  const bands = BANDS.map((b): Series => ({
    label: b.label,
    points: [],
    colour: b.colour,
    band: valuesAt.map(([r, vals]) => [r, quantile(vals, b.low), quantile(vals, b.high)]),
  }));
  return [...bands, mean];
}

const table = (t: { header: string[]; rows: string[][] }) => htmlTable(t.header, t.rows, ['mean', 'min']);

export function renderReport(run: RunData, summary: Summary): string {
  const heads = Math.max(0, ...run.agents.flatMap((a) => a.rounds.map((r) => r.eval?.sharedAccuracy.length ?? 0)));
  const charts: string[] = [];
  // The mean curve is over the agents the summary's mean is over: honest ones that did not fail.
  const failed = new Set([...summary.failed, ...Object.keys(summary.adversaries)]);
  for (let h = 0; h < heads; h++) {
    const name = h === 0 ? 'main head' : `auxiliary head ${h}`;
    const chart = (key: 'privateAccuracy' | 'sharedAccuracy', what: string) => lineChart(`${what} accuracy, ${name}`, accuracySeries(run, key, h, failed), PAGE_CHART);
    charts.push(`<div class="pair"><h3>${name}</h3><div class="row">${chart('privateAccuracy', 'private')}${chart('sharedAccuracy', 'shared')}</div></div>`);
  }
  const values = Object.fromEntries(summary.agents.filter((a) => a.sharedAccuracy.length).map((a) => [a.id, a.sharedAccuracy[a.bestHead]]));
  const c = run.config;
  const config = {
    mode: c.mode, dataset: c.dataset, partition: c.partition, private: c.privatePerAgent, public: c.publicSize, chunk: c.chunkSize,
    rounds: c.rounds, seed: c.seed, encoding: c.encoding, staleness: c.staleness, defence: c.defence, adversaries: adversarySpecs(c.topology.adversaries),
    profiles: Object.fromEntries(Object.entries(c.profiles).map(([a, p]) => [a, p.name])),
    profile: c.profiles[c.mode === 'central' ? CENTRAL_AGENT : c.topology.agents[0]]?.profile,
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mhd run ${escapeXml(c.name)}</title>
<style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px;font-size:15px}
pre{background:#f6f6f6;padding:10px;overflow-x:auto;font-size:13px}
.pair{margin:0 0 16px 0}
.pair h3{margin:4px 0;font-size:16px}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
table.trust{border-collapse:collapse;font-size:12px}table.trust td,table.trust th{border:1px solid #ddd;padding:2px 6px;text-align:right}
svg{max-width:100%;height:auto}
${TABLE_CSS}
</style></head><body>
<h1>mhd run: ${escapeXml(c.name)}</h1>
<p>${escapeXml(summary.mode)} on <b>${escapeXml(summary.topology)}</b>, ${escapeXml(summary.dataset)} (${escapeXml(summary.partition)}), ${summary.rounds} rounds,
backend ${escapeXml(summary.backend)}, wall time ${summary.wallSeconds.toFixed(1)} s. Shared accuracy: on the whole test split;
private accuracy: per-class test accuracy weighted by the agent's own label distribution.</p>
<div class="row"><div><h2>Summary</h2>${table(summaryTable(summary))}<h2>Every head</h2>${table(headsTable(summary))}</div>
<div><h2>Topology</h2><p>agents coloured by the final shared accuracy of their best head (red: lowest, green: highest)</p>${renderTopologySvg(c.topology, { values })}</div></div>
<h2>Accuracy per round</h2><p>${run.agents.length <= MAX_AGENT_LINES ? legend(run.agents.map((a) => a.id)) : `${run.agents.length} agents: ${bandLegend(BANDS)}`}</p>
${charts.join('\n')}
${trustSection(run)}
<h2>Configuration</h2><pre>${escapeXml(JSON.stringify(config, null, 2))}</pre>
</body></html>
`;
}

export function writeReport(run: RunData, summary: Summary): string {
  const file = join(run.dir, 'report.html');
  writeFileSync(file, renderReport(run, summary));
  return file;
}
