// npm run experiment -- SUITE: runs a suite of experiments against the baselines (./suites/) as real
// clusters (a pool of agent processes), or in one process each where the suite says so or --simulate
// is given, and writes the run directories, results.json, results.md and compare.html (every run
// overlaid). A tuning suite (ablations, default) takes --select-seed and --report-seeds, not --seed.
// With --out of an earlier (interrupted) experiment, runs that finished there are not run again.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchCluster } from '../../src/cluster/launcher.ts';
import { buildRunConfig, experimentOptions, type ExperimentOptions } from '../../src/cluster/run-options.ts';
import { simulate } from '../../src/cluster/simulate.ts';
import { loadProfile } from '../../src/learning/profile.ts';
import { formatBackend, selectBackend } from '../../src/model/backend.ts';
import { buildRunReport } from '../../src/report/build.ts';
import { pct, runStamp } from '../../src/text/format.ts';
import { PROJECT_ROOT } from '../../src/topology/load.ts';
import { choice, fail, flag, listOf, nonEmpty, one, parseCommand, repeated, whole } from '../lib/args.ts';
import { writeOutputs } from './report/results.ts';
import type { RunRow, RunSpec } from './report/types.ts';
import { SUITES } from './suites/index.ts';
import type { SuiteContext } from './suites/suite.ts';

const profileName = (raw: string) => (loadProfile(raw), raw);

const { values, positional } = parseCommand({
  name: 'experiment',
  about: 'Runs an experiment suite against the baselines and writes results.md, results.json and compare.html.',
  positional: { name: 'suite', choices: SUITES.map((s) => s.name) },
  options: {
    rounds: one('R', 'rounds of every run', whole(1)),
    seed: one('S', 'seed of every run that does not set its own (not with a tuning suite)', whole()),
    out: one('DIR', 'where the runs go (default runs/experiments/SUITE-<time>); runs finished there are kept', nonEmpty),
    only: repeated('TEXT[|TEXT...]', 'keep the runs whose label contains every one given (within one, | separates alternatives)', nonEmpty),
    grid: one('quick|full', 'the pareto grid', choice('quick', 'full'), 'quick'),
    simulate: flag('every run in one process (simulate) instead of a cluster'),
    nodes: one('PROFILE', "the runs' profile instead of the suite's (nodes/chain.yaml unless it says)", profileName),
    'select-seed': one('S', 'the seed a tuning suite chooses with, on the validation set', whole(), '1'),
    'report-seeds': one('S,S', 'the seeds its choice is reported with, on the test split', listOf(whole()), '2,3'),
  },
});
const suite = SUITES.find((s) => s.name === positional)!;
if (suite.ownSeeds && values.seed !== undefined) fail('experiment', `${suite.name} is a tuning suite: it takes --select-seed and --report-seeds, not --seed`);

// The project's defaults, with 20 rounds, a generous fetch timeout (every agent process shares 2 cores)
// and no checkpoints. The archived tables of docs/results.md were measured with the recipe of nodes/chain.yaml (each
// suite pins the head count and nu0 it varies); the suites keep it, so that they reproduce those tables
// after the default profile moved on. `default` runs the shipped default.
const BASE: ExperimentOptions = experimentOptions({ rounds: 20, fetchTimeout: 120, checkpointEvery: 0, nodes: 'chain' });

const outDir = values.out ?? join(PROJECT_ROOT, 'runs', 'experiments', `${suite.name}-${runStamp()}`);
mkdirSync(outDir, { recursive: true });
const backend = formatBackend(await selectBackend());
console.log(`experiment ${suite.name}: ${suite.about}\nbackend ${backend}; runs in ${outDir}`);

const rows: RunRow[] = [];

/** Runs (or reads, when an earlier invocation with the same --out finished it) one run; adds its row. */
async function runOne(spec: RunSpec): Promise<RunRow> {
  const options: ExperimentOptions = {
    ...BASE,
    ...suite.options,
    ...(values.nodes ? { nodes: values.nodes } : {}),
    ...(values.seed !== undefined ? { seed: values.seed } : {}),
    // A run that names its profile (the pareto grid's shipped default) or its seed (a rerun on the test split) keeps it.
    ...spec.options,
    ...(values.rounds !== undefined ? { rounds: values.rounds } : {}),
  };
  const config = buildRunConfig(options);
  const dir = join(outDir, spec.label.replace(/[^A-Za-z0-9.=-]+/g, '_'));
  const t0 = performance.now();
  const done = existsSync(join(dir, 'launcher.json'));
  const inProcess = values.simulate || suite.simulate;
  const failed = done ? [] : inProcess ? (await simulate(config, dir, { absent: spec.absent }), []) : Object.keys((await launchCluster(config, dir)).failed);
  const { summary } = buildRunReport(dir);
  const kbPerRound = summary.agents.reduce((a, s) => a + s.bytesReceived, 0) / summary.agents.length / summary.rounds / 1024;
  const row = { spec, dir, summary, kbPerRound, config };
  rows.push(row);
  console.log(
    `${spec.label}: shared main ${pct(summary.mean.sharedAccuracy[0])} best ${pct(summary.best.sharedAccuracy)}, private main ${pct(summary.mean.privateAccuracy[0])}` +
      ` (${done ? 'done earlier' : `${((performance.now() - t0) / 1000).toFixed(0)}s`}${failed.length ? `, FAILED: ${failed.join(', ')}` : ''})`,
  );
  return row;
}

// --only may be repeated: a run is kept when its label contains every one of them; within one, `|`
// separates alternatives (`--only ring-8 --only "absent|shift"`).
const wanted = (label: string) => values.only.every((o) => o.split('|').some((alt) => label.includes(alt)));
const ctx: SuiteContext = { grid: values.grid, selectSeed: values['select-seed'], reportSeeds: values['report-seeds'], wanted, run: runOne };
for (const spec of suite.runs(ctx)) if (wanted(spec.label)) await runOne(spec);
const selection = (await suite.select?.([...rows], ctx)) ?? [];
const sections = [...(selection.length ? [selection.join('\n')] : []), ...(suite.tables?.(rows, { outDir, backend }) ?? [])];
const table = await writeOutputs(outDir, suite.name, suite.about, backend, rows, sections);
console.log(`\n${table}\n\nwritten: ${join(outDir, 'results.md')}, ${join(outDir, 'compare.html')}`);
