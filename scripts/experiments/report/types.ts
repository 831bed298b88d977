// One run of an experiment as a suite declares it, and as it comes back once run: what the suites, the
// tables and the selection rules share.
import type { ExperimentOptions } from '../../../src/cluster/run-options.ts';
import type { RunConfig } from '../../../src/node/config.ts';
import type { Summary } from '../../../src/report/summary.ts';

export interface RunSpec {
  label: string;
  options: Partial<ExperimentOptions>;
  /** Pareto suite: the scenario (data and graph) and the setting. */
  group?: string;
  setting?: string;
  /** Agents that never start (the liar-absent references of the attacks suite). */
  absent?: string[];
}

export interface RunRow {
  spec: RunSpec;
  dir: string;
  summary: Summary;
  kbPerRound: number;
  config: RunConfig;
}
