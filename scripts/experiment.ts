// Experiments against the baselines: each runs real clusters (one process per agent) and writes the run
// directories, results.json and a markdown table.
// Usage: npm run experiment -- baselines|topologies|heterogeneous|ablations|fashion|attacks [--rounds R] [--out DIR] [--only TEXT]
// `attacks` runs in one process per run (simulate: every agent a libp2p node on loopback TCP), the others
// as clusters; --simulate makes any experiment run that way.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRunConfig, experimentOptions, type ExperimentOptions } from '../src/cluster/run-options.ts';
import { launchCluster } from '../src/cluster/launcher.ts';
import { simulate } from '../src/cluster/simulate.ts';
import { attacksTable, type AttackRow } from './attacks-table.ts';
import { formatBackend, selectBackend } from '../src/model/backend.ts';
import { buildRunReport } from '../src/report/build.ts';
import type { Summary } from '../src/report/summary.ts';
import { PROJECT_ROOT } from '../src/topology/load.ts';

interface RunSpec {
  label: string;
  options: Partial<ExperimentOptions>;
  /** Agents that never start (the liar-absent references). */
  absent?: string[];
}

// The project's defaults, with 20 rounds, a generous fetch timeout (every agent process shares 2 cores)
// and no checkpoints.
const BASE: ExperimentOptions = experimentOptions({ rounds: 20, fetchTimeout: 120, checkpointEvery: 0 });

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

const EXPERIMENTS: Record<string, { about: string; runs: RunSpec[]; simulate?: boolean }> = {
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
      ...['complete-8', 'ring-8', 'line-8', 'star-8', 'islands-2x4', 'islands-2x4-apart'].map((t) => ({ label: t, options: { topology: `topologies/${t}.yaml`, auxHeads: 3 } })),
      // Does the auxiliary chain pay on the sparsest graph? The same run without auxiliary heads.
      { label: 'line-8, 0 aux heads', options: { topology: 'topologies/line-8.yaml', auxHeads: 0 } },
    ],
  },
  heterogeneous: {
    about: 'Agents with different backbones (mlp, mlp-small, cnn) on complete-8 (topologies/complete-8-mixed.yaml), MNIST skew:0.9:2, 20 rounds, against the same agents in isolation.',
    runs: [
      { label: 'mixed isolated', options: { topology: 'topologies/complete-8-mixed.yaml', mode: 'isolated' } },
      { label: 'mixed mhd', options: { topology: 'topologies/complete-8-mixed.yaml', auxHeads: 3 } },
    ],
  },
  ablations: {
    about: 'MLP with 3 auxiliary heads, nu0 = 1, most-confident teacher, includeSelf, main-head gate, 50 steps per round, on ring-8, MNIST skew:0.9:2, 20 rounds, changing one choice at a time.',
    runs: [
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
  fashion: {
    about: 'Fashion-MNIST, dirichlet:0.3 on ring-8, 20 rounds: isolated vs MHD vs central.',
    runs: [
      { label: 'fashion isolated', options: { dataset: 'fashion-mnist', partition: 'dirichlet:0.3', mode: 'isolated' } },
      { label: 'fashion mhd', options: { dataset: 'fashion-mnist', partition: 'dirichlet:0.3', auxHeads: 3 } },
      { label: 'fashion central', options: { dataset: 'fashion-mnist', partition: 'dirichlet:0.3', mode: 'central' } },
    ],
  },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string' }, out: { type: 'string' }, only: { type: 'string', multiple: true }, simulate: { type: 'boolean' } },
});
const name = positionals[0];
const experiment = EXPERIMENTS[name ?? ''];
if (!experiment) {
  console.error(`usage: npm run experiment -- ${Object.keys(EXPERIMENTS).join('|')} [--rounds R] [--out DIR] [--only SUBSTRING]`);
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
const outDir = values.out ?? join(PROJECT_ROOT, 'runs', 'experiments', `${name}-${stamp}`);
mkdirSync(outDir, { recursive: true });
const backend = formatBackend(await selectBackend());
console.log(`experiment ${name}: ${experiment.about}\nbackend ${backend}; runs in ${outDir}`);

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : (100 * x).toFixed(1));
const rows: AttackRow[] = [];
for (const spec of experiment.runs) {
  // --only may be repeated: a run is kept when its label contains every one of them.
  if (values.only && !values.only.every((o) => spec.label.includes(o))) continue;
  const options: ExperimentOptions = { ...BASE, ...spec.options, ...(values.rounds ? { rounds: Number(values.rounds) } : {}) };
  const config = buildRunConfig(options);
  const dir = join(outDir, spec.label.replace(/[^A-Za-z0-9.-]+/g, '_'));
  const t0 = performance.now();
  const inProcess = values.simulate || experiment.simulate;
  const failed = inProcess ? (await simulate(config, dir, { absent: spec.absent }), []) : Object.keys((await launchCluster(config, dir)).failed);
  const { summary } = buildRunReport(dir);
  const agents = summary.agents.length;
  const kbPerRound = summary.agents.reduce((a, s) => a + s.bytesReceived, 0) / agents / config.rounds / 1024;
  rows.push({ label: spec.label, summary, kbPerRound, config, absent: spec.absent ?? [] });
  console.log(
    `${spec.label}: shared main ${pct(summary.mean.sharedAccuracy[0])} best ${pct(summary.best.sharedAccuracy)}, private main ${pct(summary.mean.privateAccuracy[0])}` +
      ` (${((performance.now() - t0) / 1000).toFixed(0)}s${failed.length ? `, FAILED: ${failed.join(', ')}` : ''})`,
  );
}

const minBest = (s: Summary, k: 'privateAccuracy' | 'sharedAccuracy') => Math.min(...s.agents.filter((a) => a[k].length).map((a) => a[k][a.bestHead]));
const table = [
  `Backend: ${backend}. Accuracy in %, of the last round, on the whole MNIST/Fashion-MNIST test split; "best" is each agent's head with the best shared accuracy. KB: prediction or weight bytes received per agent per round.`,
  '',
  '| run | private main (mean / min) | shared main (mean / min) | private best (mean / min) | shared best (mean / min) | KB / agent / round |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(({ label, summary: s, kbPerRound }) =>
    `| ${label} | ${pct(s.mean.privateAccuracy[0])} / ${pct(s.min.privateAccuracy[0])} | ${pct(s.mean.sharedAccuracy[0])} / ${pct(s.min.sharedAccuracy[0])} | ${pct(s.best.privateAccuracy)} / ${pct(minBest(s, 'privateAccuracy'))} | ${pct(s.best.sharedAccuracy)} / ${pct(minBest(s, 'sharedAccuracy'))} | ${kbPerRound.toFixed(0)} |`,
  ),
  '',
  'Mean shared accuracy per head (h0 = main head):',
  '',
  '| run | ' + ['h0', 'h1', 'h2', 'h3'].join(' | ') + ' |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map(({ label, summary: s }) => `| ${label} | ${[0, 1, 2, 3].map((h) => pct(s.mean.sharedAccuracy[h])).join(' | ')} |`),
].join('\n');
const attacks = name === 'attacks' ? `\n\n${attacksTable(rows, backend)}` : '';
writeFileSync(join(outDir, 'results.md'), `# ${name}\n\n${experiment.about}\n\n${table}${attacks}\n`);
writeFileSync(join(outDir, 'results.json'), JSON.stringify(rows.map(({ label, summary, kbPerRound }) => ({ label, kbPerRound, summary })), null, 2) + '\n');
console.log(`\n${table}${attacks}\n\nwritten: ${join(outDir, 'results.md')}`);
