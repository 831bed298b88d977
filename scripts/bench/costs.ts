// Cost figures of MHD, printed as a table with the backend:
//  - one agent's training samples/s alone, and inside the default running cluster (npm start);
//  - the share of a round spent exchanging predictions in that cluster;
//  - bytes per round per edge for f32/f16/u8 predictions and for gossip weights (measured on the wire);
//  - the wall time of the default `npm start` cluster.
// Usage: npm run bench [-- --skip-cluster]
import { join } from 'node:path';
import { buildRunConfig, experimentOptions, type ExperimentOptions } from '../../src/cluster/run-options.ts';
import { launchCluster } from '../../src/cluster/launcher.ts';
import { simulate } from '../../src/cluster/simulate.ts';
import { prepareExperimentData } from '../../src/data/experiment-data.ts';
import { range } from '../../src/data/random.ts';
import { Learner } from '../../src/learning/learner.ts';
import { targetsForHeads } from '../../src/learning/teachers.ts';
import { formatBackend, selectBackend } from '../../src/model/backend.ts';
import { loadProfile } from '../../src/learning/profile.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { runStamp } from '../../src/text/format.ts';
import { formatTable } from '../../src/text/table.ts';
import { PROJECT_ROOT } from '../../src/topology/load.ts';
import { flag, parseCommand } from '../lib/args.ts';

const { values } = parseCommand({
  name: 'bench',
  about: "MHD's cost figures: one agent's training speed, bytes per round per edge, the default cluster's wall time and exchange share.",
  options: { 'skip-cluster': flag('leave out the default cluster (npm start) and its figures') },
});
const backend = formatBackend(await selectBackend());
const out = join(PROJECT_ROOT, 'runs', 'bench', runStamp());
const defaults: ExperimentOptions = experimentOptions();
const rows: (string | number)[][] = [];
const profile = loadProfile('default');
const perStep = profile.batchPrivate + profile.batchPublic;

// 1. One agent alone: the default profile, distilling on every head, nothing else running.
{
  const data = prepareExperimentData({ dataset: 'mnist', partition: 'skew:0.9:2', agents: 8, privatePerAgent: 1000, publicSize: 5000, seed: 1 });
  const learner = new Learner({ profile, classes: 10, inputShape: [28, 28, 1], privateSet: data.privateSet(0), publicSet: data.split.publicSet, seed: 1 });
  const rows500 = range(500);
  const own = { agent: 'a', round: 0, chunkHash: 'c', heads: learner.heads, classes: 10, samples: 500, probs: (await learner.predict(rows500)).probs };
  const targets = { chunkRows: rows500, heads: targetsForHeads(own, [{ ...own, agent: 'b' }], { rule: 'most-confident', gateMain: false, gateAux: false, includeSelf: true }) };
  await learner.trainRound(targets);
  const rounds = 6;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await learner.trainRound(targets);
  const s = (performance.now() - t0) / 1000;
  rows.push(['training samples/s, one agent alone', Math.round((rounds * profile.stepsPerRound * perStep) / s), `default profile, ${perStep} samples per step (private + public)`]);
  learner.dispose();
}

// 2. Bytes on the wire per round per edge, from real exchanges (in-process simulation over loopback TCP).
for (const [label, over] of [
  ['f32 predictions', { encoding: 'f32' }],
  ['f16 predictions', { encoding: 'f16' }],
  ['u8 predictions', { encoding: 'u8' }],
  ['gossip weights (f32)', { mode: 'gossip' }],
] as [string, Partial<ExperimentOptions>][]) {
  const config = buildRunConfig({ ...defaults, rounds: 2, private: 200, evalSamples: 100, steps: 2, ...over });
  const dir = join(out, `bytes-${label.split(' ')[0]}`);
  await simulate(config, dir);
  const run = readRun(dir);
  const perEdge = run.agents.flatMap((a) => a.rounds.flatMap((r) => Object.values(r.bytesReceived)));
  const mean = perEdge.reduce((x, y) => x + y, 0) / perEdge.length;
  const what = over.mode === 'gossip' ? 'every weight of the default MLP' : `${config.chunkSize} public samples x ${profile.auxHeads + 1} head(s) x 10 classes`;
  rows.push([`bytes per round per edge, ${label}`, Math.round(mean), `${what}, framing included; ring-8`]);
}

// 3. The default cluster (exactly `npm start`): wall time, training speed and exchange share inside it.
if (!values['skip-cluster']) {
  const config = buildRunConfig(defaults);
  const dir = join(out, 'default-cluster');
  const t0 = performance.now();
  await launchCluster(config, dir);
  const wall = (performance.now() - t0) / 1000;
  const run = readRun(dir);
  const records = run.agents.flatMap((a) => a.rounds);
  const sum = (f: (r: (typeof records)[number]) => number) => records.reduce((x, r) => x + f(r), 0);
  const trainRate = (sum(() => profile.stepsPerRound * perStep) / sum((r) => r.trainSeconds));
  rows.push(['training samples/s, one agent inside the default cluster', Math.round(trainRate), `8 agents in the default pool of ${(await import("node:os")).availableParallelism()} worker processes`]);
  rows.push(['share of a round spent exchanging predictions', `${((100 * sum((r) => r.exchangeSeconds)) / sum((r) => r.seconds)).toFixed(1)}%`, 'own predictions + fetching (incl. waiting for slower neighbours) + choosing targets']);
  rows.push(['share of a round spent fetching from neighbours', `${((100 * sum((r) => r.fetchSeconds)) / sum((r) => r.seconds)).toFixed(1)}%`, 'the network part alone (incl. waiting)']);
  rows.push([
    'share of a round spent exchanging, without waiting',
    `${((100 * sum((r) => r.exchangeSeconds - r.waitSeconds)) / sum((r) => r.seconds - r.waitSeconds)).toFixed(1)}%`,
    'the same, less the time neighbours held the request until their round was ready, of rounds less that wait',
  ]);
  rows.push(['wall time of the default cluster (npm start)', `${wall.toFixed(1)} s`, `ring-8, 10 rounds, 8 processes, start-up included`]);
}

console.log(`\nbackend ${backend}, Node ${process.version}, ${process.arch}; runs in ${out}`);
console.log(formatTable(['measure', 'value', 'how'], rows));
