// Reads a run directory and (re)writes summary.json, summary.csv and report.html from it.
import { writeReport } from './html.ts';
import { readRun } from './run-dir.ts';
import { summarize, writeSummary, type Summary } from './summary.ts';

export function buildRunReport(dir: string): { summary: Summary; reportFile: string } {
  const run = readRun(dir);
  const summary = summarize(run);
  writeSummary(dir, summary);
  return { summary, reportFile: writeReport(run, summary) };
}
