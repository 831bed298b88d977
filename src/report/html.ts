// report.html: self-contained (inline SVG and CSS, no scripts or network), opens from disk. Every chart
// and table numbers rounds from 0, as the logs and the round records do; axes are fitted to the data.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderTopologySvg } from '../topology/render-svg.ts';
import { CENTRAL_AGENT } from '../node/config.ts';
import { lineChart, lineSwatch, PAGE_CHART, type Series } from './charts.ts';
import type { RunData } from './run-dir.ts';
import { headsTable, summaryTable, type Summary } from './summary.ts';
import { escapeXml } from '../text/xml.ts';
import { trustSection } from './trust.ts';
import { htmlTable, TABLE_CSS } from '../text/html-table.ts';
import { percent } from '../text/table.ts';
import { adversarySpecs } from '../topology/adversaries.ts';
import { agentSeries, curve, meanOf, type RoundValue } from './series.ts';
import { agentLegend, bytesCharts, lossChart, timeChart } from './run-charts.ts';
import { teachersSection } from './teachers-table.ts';

export { MAX_AGENT_LINES } from './series.ts';

export interface Baseline {
  run: RunData;
  summary: Summary;
}

type Key = 'privateAccuracy' | 'sharedAccuracy';

/** A head's accuracy in a round record; in central mode, private accuracy is the mean over the agents' own. */
function accuracy(key: Key, head: number): RoundValue {
  return (r) => {
    const per = key === 'privateAccuracy' ? r.eval?.perAgentPrivate : undefined;
    if (per) {
      const vs = Object.values(per).map((v) => v[head]).filter((v) => v !== undefined);
      return vs.length ? meanOf(vs) : undefined;
    }
    return r.eval?.[key]?.[head];
  };
}

/** The agents a run's mean is over, as in its summary: honest ones that did not fail. */
const countedIn = (s: Summary) => {
  const out = new Set([...s.failed, ...Object.keys(s.adversaries)]);
  return (id: string) => !out.has(id);
};

const BASELINE_STYLE = { colour: '#555', dash: '7,4' };

/** The baseline run's mean per round, a labelled dashed line. */
function baselineSeries(b: Baseline, key: Key, head: number): Series[] {
  const counted = countedIn(b.summary);
  const points = curve(b.run.agents.filter((a) => counted(a.id)), accuracy(key, head));
  return points.length ? [{ label: `baseline (${b.run.config.name}): mean`, points, ...BASELINE_STYLE, endLabel: 'baseline' }] : [];
}

const headName = (h: number) => (h === 0 ? 'main head' : `auxiliary head ${h}`);

function accuracyCharts(run: RunData, summary: Summary, baseline?: Baseline): string {
  const heads = Math.max(0, ...run.agents.flatMap((a) => a.rounds.map((r) => r.eval?.sharedAccuracy.length ?? 0)));
  const counted = countedIn(summary);
  const charts: string[] = [];
  for (let h = 0; h < heads; h++) {
    const chart = (key: Key, what: string) => {
      const series = [...agentSeries(run, accuracy(key, h), counted), ...(baseline ? baselineSeries(baseline, key, h) : [])];
      return lineChart(`${what} accuracy, ${headName(h)}`, series, PAGE_CHART);
    };
    charts.push(`<div class="pair"><h3>${headName(h)}</h3><div class="row">${chart('privateAccuracy', 'private')}${chart('sharedAccuracy', 'shared')}</div></div>`);
  }
  const base = baseline ? lineSwatch(BASELINE_STYLE.colour, `baseline ${baseline.run.config.name}: mean over its agents`, BASELINE_STYLE.dash) : '';
  return `<h2>Accuracy per round</h2>${agentLegend(run, base)}
<p>Each axis is fitted to its chart's data (read the ticks: the charts do not share a scale). The mean is over the honest agents that did not fail, as in the summary.</p>
${charts.join('\n')}`;
}

/** A line on the baseline's final figures, next to the run's. */
function baselineLine(summary: Summary, b: Baseline): string {
  const fig = (s: Summary) => `private ${percent(s.mean.privateAccuracy[0] ?? 0)}, shared ${percent(s.mean.sharedAccuracy[0] ?? 0)}`;
  return `<p><b>Baseline</b> <code>${escapeXml(b.run.dir)}</code>: ${escapeXml(b.summary.mode)} on ${escapeXml(b.summary.topology)}, ${b.summary.rounds} rounds;
main head, mean over agents: ${fig(b.summary)} (this run: ${fig(summary)}).</p>`;
}

// The notes say what the marks mean (* liar, ! untaught) and who never started: the same lines as the terminal's.
const table = (t: { header: string[]; rows: string[][]; notes?: string[] }) =>
  htmlTable(t.header, t.rows, ['mean', 'min']) + (t.notes ?? []).map((n) => `<p class="note">${escapeXml(n)}</p>`).join('');

export function renderReport(run: RunData, summary: Summary, baseline?: Baseline): string {
  const values = Object.fromEntries(summary.agents.filter((a) => a.sharedAccuracy.length).map((a) => [a.id, a.sharedAccuracy[a.bestHead]]));
  const c = run.config;
  const config = {
    mode: c.mode, dataset: c.dataset, partition: c.partition, private: c.privatePerAgent, public: c.publicSize, chunk: c.chunkSize,
    rounds: c.rounds, seed: c.seed, encoding: c.encoding, staleness: c.staleness, defence: c.defence, adversaries: adversarySpecs(c.topology.adversaries),
    profiles: Object.fromEntries(Object.entries(c.profiles).map(([a, p]) => [a, p.name])),
    profile: c.profiles[c.mode === 'central' ? CENTRAL_AGENT : c.topology.agents[0]]?.profile,
  };
  const topology = renderTopologySvg(c.topology, { values, valueLabel: 'shared accuracy, best head' });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mhd run ${escapeXml(c.name)}</title>
<style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px;font-size:15px}
pre{background:#f6f6f6;padding:10px;overflow-x:auto;font-size:13px}
.pair{margin:0 0 16px 0}
.pair h3{margin:4px 0;font-size:16px}
.row{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}
.half{max-width:540px}
.legend .key{display:inline-block;margin-right:14px;white-space:nowrap}
table.trust{border-collapse:collapse;font-size:12px}table.trust td,table.trust th{border:1px solid #ddd;padding:2px 6px;text-align:right}
svg{max-width:100%;height:auto}
${TABLE_CSS}
</style></head><body>
<h1>mhd run: ${escapeXml(c.name)}</h1>
<p>${escapeXml(summary.mode)} on <b>${escapeXml(summary.topology)}</b>, ${escapeXml(summary.dataset)} (${escapeXml(summary.partition)}), ${summary.rounds} rounds,
backend ${escapeXml(summary.backend)}, wall time ${summary.wallSeconds.toFixed(1)} s. Shared accuracy: on the whole test split;
private accuracy: per-class test accuracy weighted by the agent's own label distribution.
Rounds are numbered from 0 everywhere on this page, as in the logs and <code>metrics.jsonl</code>: a point at round r is measured at the end of round r.</p>
${baseline ? baselineLine(summary, baseline) : ''}
<div class="row"><div><h2>Summary</h2>${table(summaryTable(summary))}<h2>Every head</h2>${table(headsTable(summary))}</div>
<div><h2>Topology</h2><p>Agents coloured by the final shared accuracy of their best head, on an absolute scale (0 to 100 %, legend below the drawing).</p>${topology}</div></div>
${accuracyCharts(run, summary, baseline)}
<div class="row"><div class="half">${timeChart(run)}</div><div class="half">${lossChart(run)}</div></div>
${bytesCharts(run)}
${trustSection(run)}
${teachersSection(run)}
<h2>Configuration</h2><pre>${escapeXml(JSON.stringify(config, null, 2))}</pre>
</body></html>
`;
}

export function writeReport(run: RunData, summary: Summary, baseline?: Baseline): string {
  const file = join(run.dir, 'report.html');
  writeFileSync(file, renderReport(run, summary, baseline));
  return file;
}
