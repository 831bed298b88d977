// Experiments against the baselines: each runs real clusters (a pool of agent processes) and writes the
// run directories, results.json, results.md and compare.html (every run overlaid).
// Usage: npm run experiment -- baselines|topologies|heterogeneous|ablations|fashion|pareto|default|attacks
//          [--rounds R] [--seed S] [--out DIR] [--only TEXT[|TEXT...]]... [--grid quick|full] [--simulate]
//          [--nodes PROFILE]   (the runs' profile instead of the experiment's, nodes/chain.yaml unless said)
//          [--select-seed S] [--report-seeds S,S]   (a tuning experiment, `default`: scripts/select-on-val.ts)
// `attacks` runs in one process per run (simulate: every agent a libp2p node on loopback TCP), the others
// as clusters; --simulate makes any experiment run that way. With --out of an earlier (interrupted)
// experiment, runs that finished there are not run again.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRunConfig, experimentOptions, type ExperimentOptions } from '../src/cluster/run-options.ts';
import { launchCluster } from '../src/cluster/launcher.ts';
import { simulate } from '../src/cluster/simulate.ts';
import { attacksTable } from './attacks-table.ts';
import { formatBackend, selectBackend } from '../src/model/backend.ts';
import { buildRunReport } from '../src/report/build.ts';
import { PROJECT_ROOT } from '../src/topology/load.ts';

import { paretoRuns } from './pareto-grid.ts';
import { chooseOnVal } from './select-on-val.ts';
import { chooseDefault, RULE_SCENARIOS } from './pareto-report.ts';
import { writeOutputs, type RunSpec, type RunRow } from './experiment-outputs.ts';

// The project's defaults, with 20 rounds, a generous fetch timeout (every agent process shares 2 cores)
// and no checkpoints. The tables in the README were measured with the recipe of nodes/chain.yaml (each
// experiment pins the head count and nu0 it varies); the experiments keep it, so that they reproduce
// those tables after the default profile moved on. `default` runs the shipped default.
const BASE: ExperimentOptions = experimentOptions({ rounds: 20, fetchTimeout: 120, checkpointEvery: 0, nodes: 'chain' });

function mhdVariants(topology: string): RunSpec[] {
  const t = topology.replace(/^topologies\/|\.yaml$/g, '');
  return [
    { label: `${t} mhd 0 aux, nu0=1`, options: { topology, auxHeads: 0, nu0: 1 } },
    { label: `${t} mhd 1 aux, nu0=1`, options: { topology, auxHeads: 1, nu0: 1 } },
    { label: `${t} mhd 1 aux, nu0=0`, options: { topology, auxHeads: 1, nu0: 0 } },
    { label: `${t} mhd 3 aux, nu0=1`, options: { topology, auxHeads: 3, nu0: 1 } },
    { label: `${t} mhd 3 aux, nu0=0`, options: { topology, auxHeads: 3, nu0: 0 } },
  ];
}

// Lying peers (README, "Lying peers"): every behaviour, 1 liar on ring-8 and 2 on complete-8, each
// teacher rule with the defence off and on, against clean and liar-absent runs of the same seed.
const ATTACK_BASE: Partial<ExperimentOptions> = { private: 300, public: 1000, chunk: 200, rounds: 10, evalSamples: 2000, evalEvery: 5, fetchTimeout: 60 };
const BEHAVIOUR_RUNS = ['shift', 'constant:0', 'random', 'noise', 'sleeper:3', 'echo', 'silent'];
const ATTACK_SETTINGS = [
  { t: 'ring-8', liars: ['a3'] },
  { t: 'complete-8', liars: ['a3', 'a6'] },
];
function attackRuns(): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const { t, liars } of ATTACK_SETTINGS) {
    const topology = `topologies/${t}.yaml`;
    runs.push({ label: `${t} isolated`, options: { ...ATTACK_BASE, topology, mode: 'isolated' } });
    for (const teacher of ['most-confident', 'mean', 'confidence-weighted']) {
      const base = { ...ATTACK_BASE, topology, teacher };
      runs.push({ label: `${t} ${teacher} absent`, options: { ...base, defence: false }, absent: liars });
      for (const defence of [false, true]) {
        const d = defence ? 'on' : 'off';
        runs.push({ label: `${t} ${teacher} clean defence-${d}`, options: { ...base, defence } });
        for (const b of BEHAVIOUR_RUNS) runs.push({ label: `${t} ${teacher} ${b} defence-${d}`, options: { ...base, defence, adversary: liars.map((a) => `${a}=${b}`) } });
      }
    }
  }
  return runs;
}

/**
 * A tuning experiment (scripts/select-on-val.ts): per scenario, every candidate and its fair isolated
 * baseline on the validation set with the selection seed, then the chosen one and its baseline on the
 * test split with each report seed.
 */
interface Tuning {
  scenarios: { label: string; options: Partial<ExperimentOptions> }[];
  candidates: { label: string; options: Partial<ExperimentOptions> }[];
}

// `nodes`: the experiment's profile where it is not BASE's (--nodes overrides both).
interface Experiment {
  about: string;
  runs: RunSpec[];
  simulate?: boolean;
  nodes?: string;
  tuning?: Tuning;
  /** A grid run on the validation set: the setting its rule picks, to rerun (with its scenarios' isolated runs) on the test split. */
  chooseOnRows?: (rows: RunRow[]) => { setting: string; groups: readonly string[] } | undefined;
}
const EXPERIMENTS: Record<string, Experiment> = {
  attacks: {
    about:
      'Lying peers: MNIST skew:0.9:2, 300 private samples per agent, 1000 public, chunks of 200, 10 rounds, 2000 test samples; 1 liar (a3) on ring-8 and 2 (a3, a6) on complete-8, every behaviour, each teacher rule with the defence off and on, against a clean run and a run where the liars are absent (nothing at their address).',
    runs: attackRuns(),
    simulate: true,
  },
  baselines: {
    about: 'MNIST, 8 agents, skew:0.9:2, 1000 private samples each, 5000 public, 20 rounds: isolated, MHD (0/1/3 auxiliary heads, nu0 = 1 and 0), gossip and central on complete-8 and ring-8. (0 auxiliary heads with nu0 = 0 distils nothing: it is isolated training, so it is not run twice.)',
    runs: [
      ...['topologies/complete-8.yaml', 'topologies/ring-8.yaml'].flatMap((topology) => {
        const t = topology.replace(/^topologies\/|\.yaml$/g, '');
        return [
          { label: `${t} isolated`, options: { topology, mode: 'isolated' } },
          ...mhdVariants(topology),
          { label: `${t} gossip`, options: { topology, mode: 'gossip' } },
        ];
      }),
      // The central model sees the pooled data: the topology does not matter.
      { label: 'central (pooled data)', options: { mode: 'central' } },
    ],
  },
  topologies: {
    about: 'MHD (nu0 = 1) with 3 auxiliary heads on every shipped 8-agent topology, MNIST skew:0.9:2, 20 rounds; and line-8 without auxiliary heads.',
    runs: [
      ...['complete-8', 'ring-8', 'line-8', 'star-8', 'islands-2x4', 'islands-2x4-apart'].map((t) => ({ label: t, options: { topology: `topologies/${t}.yaml`, auxHeads: 3, nu0: 1 } })),
      // Does the auxiliary chain pay on the sparsest graph? The same run without auxiliary heads.
      { label: 'line-8, 0 aux heads', options: { topology: 'topologies/line-8.yaml', auxHeads: 0, nu0: 1 } },
    ],
  },
  heterogeneous: {
    about: 'Agents with different backbones (mlp, mlp-small, cnn) on complete-8 (topologies/complete-8-mixed.yaml), MNIST skew:0.9:2, 20 rounds, against the same agents in isolation.',
    runs: [
      { label: 'mixed isolated', options: { topology: 'topologies/complete-8-mixed.yaml', mode: 'isolated' } },
      { label: 'mixed mhd', options: { topology: 'topologies/complete-8-mixed.yaml', auxHeads: 3, nu0: 1 } },
    ],
  },
  ablations: {
    about:
      'MLP with 3 auxiliary heads, nu0 = 1, most-confident teacher, includeSelf, main-head gate, 50 steps per round, on ring-8, MNIST skew:0.9:2, 20 rounds, changing one choice at a time; each against its own isolated baseline on the validation set, the best by the rule then on the test split.',
    runs: [],
    tuning: {
      scenarios: [{ label: 'mnist', options: {} }],
      candidates: [
        { label: 'reference (3 aux, nu0=1)', options: {} },
        { label: 'teacher mean', options: { teacher: 'mean' } },
        { label: 'teacher confidence-weighted', options: { teacher: 'confidence-weighted' } },
        { label: 'includeSelf false', options: { includeSelf: false } },
        { label: 'gateMain false', options: { gateMain: false } },
        { label: 'nu0 0', options: { nu0: 0 } },
        { label: 'nu0 0, includeSelf false', options: { nu0: 0, includeSelf: false } },
        { label: 'steps 25', options: { steps: 25 } },
        { label: 'steps 100', options: { steps: 100 } },
      ].map((r) => ({ ...r, options: { auxHeads: 3, nu0: 1, teacher: 'most-confident', includeSelf: true, gateMain: true, steps: 50, ...r.options } })),
    },
  },
  pareto: {
    chooseOnRows: (rows) => {
      const chosen = chooseDefault(rows).chosen;
      return chosen === undefined ? undefined : { setting: chosen, groups: RULE_SCENARIOS };
    },
    about: 'The Pareto front of private against shared accuracy (README, "The default profile"): nu0, auxiliary heads, includeSelf, temperature and chunk size, on MNIST skew:0.9:2 and Fashion-MNIST dirichlet:0.3, on ring-8 and ring-32, against isolated training. --grid quick (default): nu0 x aux heads, then one factor at a time around nu0 = 0.3 and around nu0 = 0, each with 3 auxiliary heads, on ring-8; isolated and 2 settings on MNIST ring-32; --grid full: all 144 settings on all four.',
    runs: [],
  },
  default: {
    about:
      'The default profile, chosen honestly (README, "The default profile"): the shipped candidates (default, chain-labels, consensus-head) each against its own fair isolated baseline (same model, no targets) on MNIST skew:0.9:2 and Fashion-MNIST dirichlet:0.3, ring-8, 20 rounds, accuracy on the validation set with --select-seed (1); the rule picks one for both data sets; it and its baseline then run with each --report-seeds (2,3), accuracy on the test split.',
    nodes: 'default',
    runs: [],
    tuning: {
      scenarios: [
        { label: 'mnist', options: {} },
        { label: 'fashion', options: { dataset: 'fashion-mnist', partition: 'dirichlet:0.3' } },
      ],
      candidates: ['default', 'chain-labels', 'consensus-head'].map((nodes) => ({ label: nodes, options: { nodes } })),
    },
  },
  fashion: {
    about: 'Fashion-MNIST, dirichlet:0.3 on ring-8, 20 rounds: isolated vs MHD vs central.',
    runs: [
      { label: 'fashion isolated', options: { dataset: 'fashion-mnist', partition: 'dirichlet:0.3', mode: 'isolated' } },
      { label: 'fashion mhd', options: { dataset: 'fashion-mnist', partition: 'dirichlet:0.3', auxHeads: 3, nu0: 1 } },
      { label: 'fashion central', options: { dataset: 'fashion-mnist', partition: 'dirichlet:0.3', mode: 'central' } },
    ],
  },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    only: { type: 'string', multiple: true },
    grid: { type: 'string' },
    simulate: { type: 'boolean' },
    nodes: { type: 'string' },
    'select-seed': { type: 'string', default: '1' },
    'report-seeds': { type: 'string', default: '2,3' },
  },
});
/** A whole number >= 0 from the command line, or one line and exit 2. */
function count(flag: string, raw: string): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0 || raw.trim() === '') {
    console.error(`experiment: ${flag} must be a whole number, got "${raw}"`);
    process.exit(2);
  }
  return v;
}
const selectSeed = count('--select-seed', values['select-seed']!);
const reportSeeds = values['report-seeds']!.split(',').map((s) => count('--report-seeds', s));
const name = positionals[0];
const experiment = EXPERIMENTS[name ?? ''];
if (!experiment || (values.grid && !['quick', 'full'].includes(values.grid))) {
  console.error(`usage: npm run experiment -- ${Object.keys(EXPERIMENTS).join('|')} [--rounds R] [--seed S] [--out DIR] [--only TEXT[|TEXT...]]... [--grid quick|full] [--simulate] [--nodes PROFILE]`);
  process.exit(2);
}
if (name === 'pareto') experiment.runs = paretoRuns(values.grid === 'full' ? 'full' : 'quick');
const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
const outDir = values.out ?? join(PROJECT_ROOT, 'runs', 'experiments', `${name}-${stamp}`);
mkdirSync(outDir, { recursive: true });
const backend = formatBackend(await selectBackend());
console.log(`experiment ${name}: ${experiment.about}\nbackend ${backend}; runs in ${outDir}`);

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : (100 * x).toFixed(1));
const rows: RunRow[] = [];

/** Runs (or reads, when an earlier invocation with the same --out finished it) one run; adds its row. */
async function runOne(spec: RunSpec): Promise<RunRow> {
  const options: ExperimentOptions = {
    ...BASE,
    ...(experiment.nodes ? { nodes: experiment.nodes } : {}),
    ...(values.nodes ? { nodes: values.nodes } : {}),
    ...(values.seed ? { seed: Number(values.seed) } : {}),
    // A run that names its profile (the pareto grid's shipped default) or its seed (a rerun on the test split) keeps it.
    ...spec.options,
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
  };
  const config = buildRunConfig(options);
  const dir = join(outDir, spec.label.replace(/[^A-Za-z0-9.=-]+/g, '_'));
  const t0 = performance.now();
  const done = existsSync(join(dir, 'launcher.json'));
  const inProcess = values.simulate || experiment.simulate;
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
const wanted = (label: string) => !values.only || values.only.every((o) => o.split('|').some((alt) => label.includes(alt)));
for (const spec of experiment.runs) if (wanted(spec.label)) await runOne(spec);

const selections: string[] = [];
const picked = experiment.chooseOnRows?.(rows);
if (picked) {
  selections.push(`Chosen on the validation set: ${picked.setting}; on the test split with seeds ${reportSeeds.join(', ')}:`);
  for (const g of picked.groups) {
    for (const setting of ['isolated', picked.setting]) {
      const row = rows.find((r) => r.spec.group === g && r.spec.setting === setting);
      if (!row) continue;
      for (const seed of reportSeeds) await runOne({ label: `${g} test seed ${seed} ${setting}`, options: { ...row.spec.options, evalSplit: 'test', seed } });
    }
  }
}
if (experiment.tuning) {
  if (values.seed) {
    console.error('experiment: a tuning experiment takes --select-seed and --report-seeds, not --seed');
    process.exit(2);
  }
  const scenarios = experiment.tuning.scenarios.filter((sc) => wanted(sc.label));
  const candidates = [];
  for (const c of experiment.tuning.candidates) {
    const scores = [];
    for (const sc of scenarios) {
      const on = { ...sc.options, ...c.options, evalSplit: 'val', seed: selectSeed };
      const isolated = await runOne({ label: `${sc.label} val seed ${selectSeed} ${c.label} isolated`, options: { ...on, mode: 'isolated' } });
      const run = await runOne({ label: `${sc.label} val seed ${selectSeed} ${c.label}`, options: on });
      scores.push({ scenario: sc.label, summary: run.summary, isolated: isolated.summary });
    }
    candidates.push({ label: c.label, options: c.options, scores });
  }
  const { chosen, lines } = chooseOnVal(candidates);
  selections.push(`Chosen on the validation set (seed ${selectSeed}), for ${scenarios.map((sc) => sc.label).join(' and ')}:`, ...lines);
  console.log(selections.join('\n'));
  for (const sc of scenarios) {
    for (const seed of reportSeeds) {
      const on = { ...sc.options, ...chosen.options, evalSplit: 'test', seed };
      await runOne({ label: `${sc.label} test seed ${seed} ${chosen.label} isolated`, options: { ...on, mode: 'isolated' } });
      await runOne({ label: `${sc.label} test seed ${seed} ${chosen.label}`, options: on });
    }
  }
}
const attacks = name === 'attacks' ? attacksTable(rows.map((r) => ({ label: r.spec.label, summary: r.summary, kbPerRound: r.kbPerRound, config: r.config, absent: r.spec.absent ?? [] })), backend) : undefined;
const extra = [attacks, selections.length ? selections.join('\n') : undefined].filter((x) => x !== undefined).join('\n\n') || undefined;
const table = await writeOutputs(outDir, name!, experiment.about, backend, rows, extra);
console.log(`\n${table}\n\nwritten: ${join(outDir, 'results.md')}, ${join(outDir, 'compare.html')}`);
