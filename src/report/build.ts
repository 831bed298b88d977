// Reads a run directory and (re)writes summary.json, summary.csv and report.html from it.
import { writeReport } from './html.ts';
import { readRun } from './run-dir.ts';
import { summarize, writeSummary, type Summary } from './summary.ts';

export interface RunReport {
  summary: Summary;
  reportFile: string;
  /** Torn metrics lines that were skipped, as `agents/<id>/metrics.jsonl line N`. */
  skipped: string[];
}

export function buildRunReport(dir: string): RunReport {
  const run = readRun(dir);
  const summary = summarize(run);
  writeSummary(dir, summary);
  const skipped = run.skipped.map((s) => `agents/${s.agent}/metrics.jsonl line ${s.line}`);
  return { summary, reportFile: writeReport(run, summary), skipped };
}
