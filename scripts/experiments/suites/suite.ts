// An experiment suite is a value: its name and description, the runs it declares, what it runs after
// them on what they found (a selection on the validation set, reported on the test split) and the
// sections it adds to results.md. The runner (scripts/experiments/run.ts) treats every suite alike.
import type { ExperimentOptions } from '../../../src/cluster/run-options.ts';
import type { RunRow, RunSpec } from '../report/types.ts';

/** What the runner gives a suite: the command line's settings, and a way to run. */
export interface SuiteContext {
  grid: 'quick' | 'full';
  selectSeed: number;
  reportSeeds: readonly number[];
  /** Whether --only keeps a run (or a scenario) with this label. */
  wanted(label: string): boolean;
  /** Runs one run (or reads it back, when an earlier invocation with the same --out finished it). */
  run(spec: RunSpec): Promise<RunRow>;
}

export interface Suite {
  name: string;
  about: string;
  /** Options of every run over the experiments' base, where they differ (the profile); --nodes overrides them. */
  options?: Partial<ExperimentOptions>;
  /** Every run in one process (simulate: each agent a libp2p node on loopback TCP), not as a cluster. */
  simulate?: boolean;
  /** Seeded by --select-seed and --report-seeds alone: --seed is refused. */
  ownSeeds?: boolean;
  /** The runs, in the order they run; those --only does not keep are left out. */
  runs(ctx: SuiteContext): RunSpec[];
  /** After them, with their rows: runs chosen from what they found; returns the lines that say what was chosen. */
  select?(rows: readonly RunRow[], ctx: SuiteContext): Promise<string[]>;
  /** Sections of results.md after the common table and the selection, from every row. */
  tables?(rows: readonly RunRow[], at: { outDir: string; backend: string }): string[];
}
