// `mhd compare RUN_DIR...`: several runs side by side. One text table that fits 100 columns with what
// differs between the runs' configurations under it, and one self-contained page (inline SVG and CSS)
// that overlays each run's mean and min accuracy per round (private and shared, per head), its bytes
// per round, and its best head's accuracy against the bytes received so far (what its learning costs in
// communication: weight gossip against predictions). Rounds are 0-based, as in the records. The same
// directory given twice is compared once, with a warning; labels are made unique.
import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, resolve, sep } from 'node:path';
import { escapeXml } from '../text/xml.ts';
import { htmlTable, TABLE_CSS } from '../text/html-table.ts';
import { formatTable, percent } from '../text/table.ts';
import { numberTick } from './axis.ts';
import { lineChart, lineStyle, lineSwatch, PAGE_CHART, type Series } from './charts.ts';
import { configDifferences, flattenConfig, type Difference } from './config-diff.ts';
import { readRun, type RunData } from './run-dir.ts';
import { curve, meanOf, roundsOf } from './series.ts';
import { summarize, type Summary } from './summary.ts';

export interface ComparedRun {
  label: string;
  dir: string;
  summary: Summary;
  /** Per head, per evaluated round (0-based): mean and min over the honest agents that did not fail. */
  curves: { privateAccuracy: Curve[]; sharedAccuracy: Curve[] };
  /** Per round (0-based): bytes received per agent, mean over agents. */
  bytesPerRound: [number, number][];
  /** config.json flattened (config-diff.ts), to show what differs between runs. */
  config: Record<string, string>;
}

export interface Curve {
  mean: [number, number][];
  min: [number, number][];
}

/** The widest line formatComparison prints. */
export const COMPARE_WIDTH = 100;

function curves(run: RunData, counted: (id: string) => boolean, key: 'privateAccuracy' | 'sharedAccuracy'): Curve[] {
  const agents = run.agents.filter((a) => counted(a.id));
  const heads = Math.max(0, ...agents.flatMap((a) => a.rounds.map((r) => r.eval?.[key]?.length ?? 0)));
  return Array.from({ length: heads }, (_, h) => ({
    mean: curve(agents, (r) => r.eval?.[key]?.[h]),
    min: curve(agents, (r) => r.eval?.[key]?.[h], (xs) => Math.min(...xs)),
  }));
}

const total = (o: Record<string, number>) => Object.values(o).reduce((x, y) => x + y, 0);

export function loadComparedRun(dir: string, label?: string): ComparedRun {
  const run = readRun(dir);
  const summary = summarize(run);
  // As the summary's mean: over the honest agents that did not fail.
  const out = new Set([...summary.failed, ...Object.keys(summary.adversaries)]);
  const counted = (id: string) => !out.has(id);
  const agents = run.agents.filter((a) => !summary.failed.includes(a.id));
  const bytesPerRound = roundsOf(run).map((i): [number, number] => {
    const got = agents.map((a) => a.rounds.find((r) => r.round === i)).filter((r) => r !== undefined);
    return [i, got.length ? meanOf(got.map((r) => total(r.bytesReceived))) : 0];
  });
  return {
    label: label ?? basename(resolve(dir)),
    dir,
    summary,
    curves: { privateAccuracy: curves(run, counted, 'privateAccuracy'), sharedAccuracy: curves(run, counted, 'sharedAccuracy') },
    bytesPerRound,
    config: flattenConfig(run.config),
  };
}

/**
 * A run's learning against its communication: the head with the best mean shared accuracy at the last
 * evaluation, its mean at each evaluated round against the MiB each agent had received by the end of
 * that round (the mean over agents, summed over rounds). Undefined for a run that received nothing
 * (isolated), which has no place on a log axis of bytes.
 */
export function accuracyAgainstBytes(r: ComparedRun): { head: number; points: [number, number][] } | undefined {
  const final = r.curves.sharedAccuracy.map((c) => c.mean.at(-1)?.[1] ?? -Infinity);
  if (final.length === 0) return undefined;
  const head = final.indexOf(Math.max(...final));
  let sum = 0;
  const received = new Map(r.bytesPerRound.map(([round, b]) => [round, (sum += b) / 2 ** 20]));
  const points = r.curves.sharedAccuracy[head].mean.flatMap(([round, acc]): [number, number][] => {
    const mib = received.get(round) ?? 0;
    return mib > 0 ? [[mib, acc]] : [];
  });
  return points.length ? { head, points } : undefined;
}

/** Ticks of a log axis: the 1-2-5 values between `min` and `max`, or the two ends when none or one fall between. */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(3));
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks.length >= 2 ? ticks : [...new Set([Number(min.toPrecision(2)), Number(max.toPrecision(2))])];
}

function bytesAccuracyChart(runs: readonly ComparedRun[]): string {
  const curves = runs.map(accuracyAgainstBytes);
  const series = curves.flatMap((c, i): Series[] => (c ? [{ label: `${runs[i].label}: head ${c.head}`, points: c.points, colour: lineStyle(i).colour, dash: '' }] : []));
  if (series.length === 0) return '<p>No run received anything from its neighbours.</p>';
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const none = runs.filter((_, i) => !curves[i]).map((r) => r.label);
  return `${lineChart("shared accuracy of each run's best head against MiB received per agent", series, { ...PAGE_CHART, logX: true, xTicks: logTicks(Math.min(...xs), Math.max(...xs)), xLabel: 'MiB received per agent, by the end of the round (log scale)', markers: true })}
<p>One point per evaluation; the best head is each run's head with the best mean shared accuracy at its last evaluation.${none.length ? ` Not drawn, having received nothing: ${escapeXml(none.join(', '))}.` : ''}</p>`;
}

const kbPerRound = (r: ComparedRun) => r.bytesPerRound.reduce((t, [, b]) => t + b, 0) / Math.max(1, r.bytesPerRound.length) / 1024;
const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : percent(v));
const wall = (s: Summary) => (s.wallSeconds > 0 ? s.wallSeconds.toFixed(1) : '-');

export const TABLE_NOTE =
  'private and shared: the main head, mean over the honest agents that did not fail; shared min: the worst of them; ' +
  "best head: each agent's head with the best shared accuracy, that accuracy's mean; KB/round: received per agent per round; " +
  'wall s: the launcher\'s wall time, else first start to last end record.';

/** One row per run: what it was, accuracy of the main head (mean, min) and of the best head, KB per round, wall time. */
export function comparisonTable(runs: readonly ComparedRun[]): { header: string[]; rows: string[][] } {
  const header = ['run', 'mode', 'graph', 'private', 'shared', 'shared min', 'best head', 'KB/round', 'wall s'];
  const rows = runs.map((r) => {
    const s = r.summary;
    return [r.label, s.mode, s.topology, pct(s.mean.privateAccuracy[0]), pct(s.mean.sharedAccuracy[0]), pct(s.min.sharedAccuracy[0]), pct(s.best.sharedAccuracy), kbPerRound(r).toFixed(1), wall(s)];
  });
  return { header, rows };
}

/** Cuts `s` to `n` characters, keeping its start and end (where run names differ). */
export function ellipsize(s: string, n: number): string {
  if (s.length <= n) return s;
  const head = Math.ceil((n - 1) / 2);
  return `${s.slice(0, head)}…${s.slice(s.length - (n - 1 - head))}`;
}

/** Narrows the widest of `columns` (run, graph) until the table fits `width`. */
function fit(header: string[], rows: string[][], width: number, columns: number[]): string[][] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (line() > width) {
    const i = columns.reduce((a, b) => (widths[b] > widths[a] ? b : a));
    if (widths[i] <= Math.max(8, header[i].length)) break;
    widths[i]--;
  }
  return rows.map((r) => r.map((c, i) => (columns.includes(i) ? ellipsize(c, widths[i]) : c)));
}

/** Joins `items` after `lead`, breaking lines before `width`; continuation lines start with `indent`. */
function wrap(lead: string, items: readonly string[], width: number, joiner: string, indent: string): string[] {
  const lines: string[] = [];
  let line = lead;
  for (const item of items) {
    const glue = line === lead ? (lead ? ' ' : '') : joiner;
    if (line !== lead && (line + glue + item).length > width) {
      lines.push(line);
      line = indent + item;
    } else line += glue + item;
  }
  return [...lines, line];
}

/** The configuration keys that differ, one per key: each run's label and value. */
export function formatDifferences(runs: readonly ComparedRun[], diffs = configDifferences(runs.map((r) => r.config))): string {
  if (runs.length < 2) return '';
  if (diffs.length === 0) return 'configuration: the same in every run (config.json)';
  const lines = diffs.flatMap((d) => wrap(`  ${d.key}:`, d.values.map((v, i) => `${ellipsize(runs[i].label, 20)} ${ellipsize(v, 40)}`), COMPARE_WIDTH, '  |  ', '      '));
  return ['configuration that differs between the runs (config.json):', ...lines].join('\n');
}

export function formatComparison(runs: readonly ComparedRun[]): string {
  const t = comparisonTable(runs);
  const table = formatTable(t.header, fit(t.header, t.rows, COMPARE_WIDTH, [0, 2]));
  const note = wrap('', TABLE_NOTE.split(' '), COMPARE_WIDTH, ' ', '');
  return [table, ...note, formatDifferences(runs)].filter((l) => l !== '').join('\n');
}

function differencesTable(runs: readonly ComparedRun[], diffs: Difference[]): string {
  if (runs.length < 2) return '';
  if (diffs.length === 0) return '<p>The runs\' configurations (config.json) are the same.</p>';
  return `<h2>Configuration that differs</h2>${htmlTable(['key', ...runs.map((r) => r.label)], diffs.map((d) => [d.key, ...d.values]))}`;
}

export function renderComparison(runs: readonly ComparedRun[], title = 'mhd: runs compared'): string {
  const heads = Math.max(0, ...runs.map((r) => r.curves.sharedAccuracy.length));
  const overlay = (key: 'privateAccuracy' | 'sharedAccuracy', h: number): Series[] =>
    runs.flatMap((r, i) => {
      const c = r.curves[key][h];
      if (!c) return [];
      const { colour } = lineStyle(i);
      return [
        { label: `${r.label}: mean`, points: c.mean, colour, dash: '' },
        { label: `${r.label}: min`, points: c.min, colour, dash: '5,3' },
      ];
    });
  const charts: string[] = [];
  for (let h = 0; h < heads; h++) {
    const name = h === 0 ? 'main head' : `auxiliary head ${h}`;
    charts.push(
      `<h3>${name}</h3><div class="row">${lineChart(`private accuracy, ${name}`, overlay('privateAccuracy', h), PAGE_CHART)}${lineChart(`shared accuracy, ${name}`, overlay('sharedAccuracy', h), PAGE_CHART)}</div>`,
    );
  }
  const kb = runs.map((r, i): Series => ({ label: r.label, points: r.bytesPerRound.map(([x, b]): [number, number] => [x, b / 1024]), colour: lineStyle(i).colour, dash: '' }));
  const bytes = lineChart('KB received per agent per round (mean over agents)', kb, { ...PAGE_CHART, yLabel: 'KB', y: { zero: true, clamp: [0, Infinity] }, yFormat: numberTick });
  const t = comparisonTable(runs);
  const diffs = configDifferences(runs.map((r) => r.config));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1200px;font-size:15px}
.row{display:flex;flex-wrap:wrap;gap:20px;align-items:flex-start}
.legend .key{display:inline-block;margin-right:14px;white-space:nowrap}
svg{max-width:100%;height:auto}
h3{margin:12px 0 4px;font-size:16px}
${TABLE_CSS}
</style></head><body>
<h1>${escapeXml(title)}</h1>
<p>Accuracy after each run's last evaluation. Columns: ${escapeXml(TABLE_NOTE)} Shared accuracy on the whole test split; private accuracy
weighted by each agent's own label distribution. Rounds are numbered from 0, as in the logs; each chart's axis is fitted to its data.</p>
${htmlTable(t.header, t.rows)}
${differencesTable(runs, diffs)}
<p class="legend">${runs.map((r, i) => lineSwatch(lineStyle(i).colour, r.label)).join('')}<br>solid: mean over agents; dashed: min over agents.</p>
<h2>Accuracy per round</h2>
${charts.join('\n')}
<h2>Bytes per round</h2>
${bytes}
<h2>Accuracy against bytes received</h2>
${bytesAccuracyChart(runs)}
<h2>Run directories</h2>
<ul>${runs.map((r) => `<li>${escapeXml(r.label)}: <code>${escapeXml(r.dir)}</code></li>`).join('')}</ul>
</body></html>
`;
}

const canonical = (dir: string) => (existsSync(dir) ? realpathSync(dir) : resolve(dir));

/**
 * The entries to compare: a directory given again (after resolving paths and links) is dropped with a
 * warning; labels are made unique (the shortest distinguishing path suffix, else a number).
 */
export function dedupeEntries(entries: readonly { dir: string; label?: string }[]): { entries: { dir: string; label: string }[]; warnings: string[] } {
  const warnings: string[] = [];
  const seen = new Map<string, string>();
  const kept: { dir: string; label?: string; path: string }[] = [];
  for (const e of entries) {
    const path = canonical(e.dir);
    const first = seen.get(path);
    if (first !== undefined) {
      warnings.push(`${first} and ${e.dir} are the same run directory${path === first || path === e.dir ? '' : ` (${path})`}: compared once`);
      continue;
    }
    seen.set(path, e.dir);
    kept.push({ ...e, path });
  }
  const suffix = (p: string, n: number) => p.split(sep).filter(Boolean).slice(-n).join('/');
  const auto = kept.map((e) => {
    let n = 1;
    while (kept.some((o) => o !== e && o.label === undefined && suffix(o.path, n) === suffix(e.path, n)) && n < e.path.split(sep).length) n++;
    return e.label ?? suffix(e.path, n);
  });
  const labels = auto.map((l, i) => (auto.indexOf(l) === i ? l : `${l} (${auto.slice(0, i + 1).filter((x) => x === l).length})`));
  return { entries: kept.map((e, i) => ({ dir: e.dir, label: labels[i] })), warnings };
}

/** Reads the runs and writes the page; returns them (for the table) and the warnings to print. */
export function writeComparison(file: string, entries: readonly { dir: string; label?: string }[], title?: string): { runs: ComparedRun[]; warnings: string[] } {
  const { entries: unique, warnings } = dedupeEntries(entries);
  const runs = unique.map((e) => loadComparedRun(e.dir, e.label));
  writeFileSync(file, renderComparison(runs, title));
  return { runs, warnings };
}
