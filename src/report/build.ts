// Reads a run directory and (re)writes summary.json, summary.csv and report.html from it.
import { writeReport } from './html.ts';
import { readRun } from './run-dir.ts';
import { summarize, writeSummary, type Summary } from './summary.ts';

export interface RunReport {
  summary: Summary;
  reportFile: string;
  /** Torn metrics lines that were skipped, as `agents/<id>/metrics.jsonl line N` (of the baseline too, prefixed with its directory). */
  skipped: string[];
}

export interface RunReportOptions {
  /** A baseline's run directory (e.g. the same run with --mode isolated): read, summarised and drawn in the report too; nothing is written to it. */
  baseline?: string;
}

const tornLines = (run: ReturnType<typeof readRun>, prefix = '') => run.skipped.map((s) => `${prefix}agents/${s.agent}/metrics.jsonl line ${s.line}`);

export function buildRunReport(dir: string, opts: RunReportOptions = {}): RunReport {
  const run = readRun(dir);
  const summary = summarize(run);
  writeSummary(dir, summary);
  const skipped = tornLines(run);
  if (opts.baseline === undefined) return { summary, reportFile: writeReport(run, summary), skipped };
  const base = readRun(opts.baseline);
  skipped.push(...tornLines(base, `${opts.baseline}/`));
  return { summary, reportFile: writeReport(run, summary, { run: base, summary: summarize(base) }), skipped };
}
