// What the run commands (simulate, cluster, node) and report share: the start of a run, the one table
// they all print at the end, and the checks that decide the exit status.
import { existsSync, rmSync } from 'node:fs';
import { buildRunConfig, defaultRunDir, type ExperimentOptions } from '../cluster/run-options.ts';
import { assertNewRunDir } from '../cluster/run-dir.ts';
import { chooseBackend, describeChoice } from '../model/backend-choice.ts';
import { formatBackend } from '../model/backend.ts';
import { loadRunData, type RunConfig } from '../node/config.ts';
import { StartupError } from '../node/errors.ts';
import { buildRunReport, type RunReport } from '../report/build.ts';
import { formatHeads, formatSummary, type Summary } from '../report/summary.ts';
import { wrapWords } from '../text/format.ts';

/** A warning: one line on stderr. */
export function warn(text: string): void {
  console.error(`mhd: warning: ${text}`);
}

/** Rebuilds a run's summary and report, saying which torn metrics lines were skipped. */
export function rebuildReport(runDir: string, baseline?: string): RunReport {
  const built = buildRunReport(runDir, { baseline });
  for (const s of built.skipped) warn(`skipped a torn line: ${s}`);
  return built;
}

/**
 * Runs the start of a command that creates `runDir`: on a StartupError, whatever it created of the run
 * directory is removed (a directory that was there before, e.g. for --resume, is left as it was).
 */
export async function startingIn<T>(runDir: string, start: () => Promise<T>): Promise<T> {
  const existed = existsSync(runDir);
  try {
    return await start();
  } catch (err) {
    if (err instanceof StartupError && !existed) rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
}

/** A start-up line for a person: wrapped at the terminal's width (80 columns too), one line when piped (logs, tests). */
export function say(line: string): void {
  const width = process.stdout.isTTY ? process.stdout.columns : undefined;
  console.log(width ? wrapWords(line, width) : line);
}

/**
 * The start of simulate and cluster: resolves the options, refuses a run directory that holds a run,
 * warns about the topology, picks the backend.
 */
export async function prepareRun(opts: ExperimentOptions): Promise<{ config: RunConfig; runDir: string; backend: string }> {
  const config = buildRunConfig(opts);
  const runDir = opts.out ?? defaultRunDir(config.topology.name, config.mode);
  assertNewRunDir(runDir);
  // The data is loaded and split once here (memoised), so that bad data fails before anything is printed or written.
  loadRunData(config);
  for (const w of config.topology.warnings) warn(w);
  const choice = await chooseBackend(Object.values(config.profiles).map((p) => p.profile.backbone), config.backend);
  say(`backend ${describeChoice(choice)}`);
  // Workers and resumed agents use the backend chosen here.
  config.backend ??= choice.info.name;
  return { config, runDir, backend: formatBackend(choice.info) };
}

/** The one table of every run command and of `report`: the summary, every head, and where the files are. */
export function printResults(summary: Summary, runDir: string, reportFile: string): void {
  const heads = formatHeads(summary);
  console.log(`\n${formatSummary(summary)}${heads ? `\n\n${heads}` : ''}`);
  console.log(`\nresults: ${runDir} (summary.json, summary.csv, agents/*/metrics.jsonl); report: ${reportFile}`);
}

/**
 * The end of a run command: agents that learnt from no neighbour in any round make it a failure (exit 1),
 * in one line; `hint` says where to look.
 */
export function checkTaught(summary: Summary, hint: string): void {
  if (summary.untaught.length === 0) return;
  console.error(`mhd: ${summary.untaught.join(', ')} learnt from no neighbour in any round (${hint})`);
  process.exitCode = 1;
}
