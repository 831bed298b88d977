// `mhd compare RUN_DIR...`: several runs side by side. One text table, and one self-contained page
// (inline SVG and CSS) that overlays each run's mean and min accuracy per round (private and shared,
// per head) and its bytes per round.
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { escapeXml } from '../text/xml.ts';
import { htmlTable, TABLE_CSS } from '../text/html-table.ts';
import { formatTable, percent } from '../text/table.ts';
import { lineChart, PAGE_CHART, paletteColour, swatch, type Series } from './charts.ts';
import { readRun, type RunData } from './run-dir.ts';
import { summarize, type Summary } from './summary.ts';

export interface ComparedRun {
  label: string;
  dir: string;
  summary: Summary;
  /** Per head, per evaluated round (1-based): mean and min over the agents that did not fail. */
  curves: { privateAccuracy: Curve[]; sharedAccuracy: Curve[] };
  /** Per round (1-based): bytes received per agent, mean over agents. */
  bytesPerRound: [number, number][];
}

export interface Curve {
  mean: [number, number][];
  min: [number, number][];
}

function curves(run: RunData, failed: ReadonlySet<string>, key: 'privateAccuracy' | 'sharedAccuracy'): Curve[] {
  const agents = run.agents.filter((a) => !failed.has(a.id));
  const heads = Math.max(0, ...agents.flatMap((a) => a.rounds.map((r) => r.eval?.[key]?.length ?? 0)));
  return Array.from({ length: heads }, (_, h) => {
    const byRound = new Map<number, number[]>();
    for (const a of agents)
      for (const r of a.rounds) {
        const v = r.eval?.[key]?.[h];
        if (v !== undefined) byRound.set(r.round + 1, [...(byRound.get(r.round + 1) ?? []), v]);
      }
    const rounds = [...byRound.keys()].sort((a, b) => a - b);
    return {
      mean: rounds.map((r): [number, number] => [r, byRound.get(r)!.reduce((x, y) => x + y, 0) / byRound.get(r)!.length]),
      min: rounds.map((r): [number, number] => [r, Math.min(...byRound.get(r)!)]),
    };
  });
}

export function loadComparedRun(dir: string, label?: string): ComparedRun {
  const run = readRun(dir);
  const summary = summarize(run);
  const failed = new Set(summary.failed);
  // Central mode: the private accuracy of each agent lives in the central learner's perAgentPrivate; the
  // curves show the central learner's own.
  const agents = run.agents.filter((a) => !failed.has(a.id));
  const rounds = Math.max(0, ...agents.flatMap((a) => a.rounds.map((r) => r.round + 1)));
  const bytesPerRound = Array.from({ length: rounds }, (_, i): [number, number] => {
    const got = agents.map((a) => a.rounds.find((r) => r.round === i)).filter((r) => r !== undefined);
    const total = got.reduce((t, r) => t + Object.values(r.bytesReceived).reduce((x, y) => x + y, 0), 0);
    return [i + 1, got.length ? total / got.length : 0];
  });
  return {
    label: label ?? basename(dir),
    dir,
    summary,
    curves: { privateAccuracy: curves(run, failed, 'privateAccuracy'), sharedAccuracy: curves(run, failed, 'sharedAccuracy') },
    bytesPerRound,
  };
}

const kbPerRound = (r: ComparedRun) => r.bytesPerRound.reduce((t, [, b]) => t + b, 0) / Math.max(1, r.bytesPerRound.length) / 1024;
const minOf = (s: Summary, k: 'privateAccuracy' | 'sharedAccuracy') => {
  const ev = s.agents.filter((a) => a[k].length > 0 && a.status !== 'failed');
  return ev.length ? Math.min(...ev.map((a) => a[k][a.bestHead])) : Number.NaN;
};
const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : percent(v));

/** One row per run: what it was, private and shared accuracy of the main head and of the best head (mean / min), KB per round. */
export function comparisonTable(runs: readonly ComparedRun[]): { header: string[]; rows: string[][] } {
  const header = ['run', 'mode', 'graph', 'data', 'rounds', 'heads', 'private main', 'private min', 'shared main', 'shared min', 'private best', 'shared best', 'shared best min', 'KB/agent/round'];
  const rows = runs.map(({ label, summary: s, ...r }) => [
    label, s.mode, s.topology, `${s.dataset} ${s.partition}`, String(s.rounds), String(s.mean.sharedAccuracy.length),
    pct(s.mean.privateAccuracy[0]), pct(s.min.privateAccuracy[0]), pct(s.mean.sharedAccuracy[0]), pct(s.min.sharedAccuracy[0]),
    pct(s.best.privateAccuracy), pct(s.best.sharedAccuracy), pct(minOf(s, 'sharedAccuracy')), kbPerRound({ label, summary: s, ...r }).toFixed(1),
  ]);
  return { header, rows };
}

export function formatComparison(runs: readonly ComparedRun[]): string {
  const t = comparisonTable(runs);
  return formatTable(t.header, t.rows);
}

export function renderComparison(runs: readonly ComparedRun[], title = 'mhd: runs compared'): string {
  const heads = Math.max(0, ...runs.map((r) => r.curves.sharedAccuracy.length));
  const overlay = (key: 'privateAccuracy' | 'sharedAccuracy', h: number): Series[] =>
    runs.flatMap((r, i) => {
      const c = r.curves[key][h];
      if (!c) return [];
      return [
        { label: `${r.label}: mean`, points: c.mean, colour: paletteColour(i) },
        { label: `${r.label}: min`, points: c.min, colour: paletteColour(i), dashed: true },
      ];
    });
  const charts: string[] = [];
  for (let h = 0; h < heads; h++) {
    const name = h === 0 ? 'main head' : `auxiliary head ${h}`;
    charts.push(
      `<h3>${name}</h3><div class="row">${lineChart(`private accuracy, ${name}`, overlay('privateAccuracy', h), PAGE_CHART)}${lineChart(`shared accuracy, ${name}`, overlay('sharedAccuracy', h), PAGE_CHART)}</div>`,
    );
  }
  const kb = runs.map((r, i): Series => ({ label: r.label, points: r.bytesPerRound.map(([x, b]): [number, number] => [x, b / 1024]), colour: paletteColour(i) }));
  const kbMax = Math.max(1, ...kb.flatMap((s) => s.points.map((p) => p[1]))) * 1.1;
  const bytes = lineChart('KB received per agent per round (mean over agents)', kb, { ...PAGE_CHART, yMax: kbMax, yFormat: (v) => v.toFixed(0) });
  const t = comparisonTable(runs);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px;font-size:15px}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
svg{max-width:100%;height:auto}
h3{margin:12px 0 4px;font-size:16px}
${TABLE_CSS}
</style></head><body>
<h1>${escapeXml(title)}</h1>
<p>Accuracy after each run's last evaluation: mean over the agents that did not fail (min: the worst agent).
Shared accuracy on the whole test split; private accuracy weighted by each agent's own label distribution.
Best: each agent's head with the best shared accuracy.</p>
${htmlTable(t.header, t.rows)}
<p>${runs.map((r, i) => swatch(paletteColour(i), r.label)).join('')}<br>solid: mean over agents; dashed: min over agents.</p>
<h2>Accuracy per round</h2>
${charts.join('\n')}
<h2>Bytes per round</h2>
${bytes}
<h2>Run directories</h2>
<ul>${runs.map((r) => `<li>${escapeXml(r.label)}: <code>${escapeXml(r.dir)}</code></li>`).join('')}</ul>
</body></html>
`;
}

/** Reads the runs and writes the page; returns them (for the table). */
export function writeComparison(file: string, entries: readonly { dir: string; label?: string }[], title?: string): ComparedRun[] {
  const runs = entries.map((e) => loadComparedRun(e.dir, e.label));
  writeFileSync(file, renderComparison(runs, title));
  return runs;
}
