// Cost against the number of agents: simulate (every agent in one process), cluster with the default
// pool (one worker per core), the same pool with --batch-agents off, and cluster with one process per
// agent, on a ring and a small-world graph. Each run is a child process whose whole process tree is
// sampled for resident memory. Kernels per agent-step: one step's kernels (tf.profile, here, of the
// workload's step alone and stacked) over the agents that each update took (the runs' records).
// Usage: npm run bench:scale [-- --sizes 8,16,32,64,128,256 --graphs ring,small-world --rounds 2 --max-per-agent 64
//        --workload small|issue|thousand --runs simulate,pool,pool-unbatched,per-agent --backend wasm]
// `small` (default) is the ring-256 acceptance workload of issue 14: tiny rounds, so the cost of many
// agents shows. `issue` is the workload the issue used to compare simulate and cluster (3 rounds,
// 20 steps, 200 private, 2000 public, chunk 200, whole test split), where the rounds dominate.
// `thousand` is `small` with 50 private samples per agent and --val 0, so that 1,000 agents fit MNIST.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../src/data/random.ts';
import { FlatOptimizer } from '../../src/learning/flat-optimizer.ts';
import { loadProfile } from '../../src/learning/profile.ts';
import { StackedOptimizer, stackedTrainStep } from '../../src/learning/stacked-step.ts';
import { trainStep, type StepBatch } from '../../src/learning/step.ts';
import { selectBackend, tf } from '../../src/model/backend.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import { StackedModel, stackable } from '../../src/model/stacked-model.ts';
import { lineChart, type Series } from '../../src/report/charts.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { runStamp } from '../../src/text/format.ts';
import { formatTable } from '../../src/text/table.ts';
import { PROJECT_ROOT } from '../../src/topology/load.ts';
import { choice, listOf, nonEmpty, one, parseCommand, whole } from '../lib/args.ts';

const { values } = parseCommand({
  name: 'bench:scale',
  about: 'Cost against the number of agents: simulate, cluster (pool) and cluster (one process per agent), per graph and size.',
  options: {
    sizes: one('N,N', 'agent counts', listOf(whole(3)), '8,16,32,64,128,256'),
    graphs: one('G,G', 'graphs (ring, small-world)', listOf(choice('ring', 'small-world')), 'ring,small-world'),
    rounds: one('R', 'rounds of the small workload', whole(1), '2'),
    // One process per agent holds ~290 MB each on wasm: past this many agents it is not run.
    'max-per-agent': one('N', 'the most agents run as one process each', whole(), '64'),
    out: one('DIR', 'where the runs and results go (default runs/bench-scale/<time>)', nonEmpty),
    workload: one('small|issue|thousand', 'the rounds measured', choice('small', 'issue', 'thousand'), 'small'),
    runs: one('R,R', 'which runs: simulate, pool, pool-unbatched (the pool with --batch-agents off), per-agent', listOf(choice('simulate', 'pool', 'pool-unbatched', 'per-agent')), 'simulate,pool,pool-unbatched,per-agent'),
    backend: one('native|wasm|cpu', 'the backend of every run', choice('native', 'wasm', 'cpu'), 'wasm'),
  },
});
type How = 'simulate' | 'pool' | 'pool-unbatched' | 'per-agent';
const HOWS: readonly How[] = values.runs;
const { sizes, graphs } = values;
const WORKLOADS = {
  small: { rounds: values.rounds, args: ['--steps', '5', '--private', '100', '--public', '1000', '--chunk', '100', '--eval-samples', '1000'] },
  issue: { rounds: 3, args: ['--steps', '20', '--private', '200', '--public', '2000', '--chunk', '200'] },
  // The batched-agents issue's ring-1000 run: 50 private samples each and no validation set, so that
  // 1,000 skewed agents fit MNIST's train split.
  thousand: { rounds: values.rounds, args: ['--steps', '5', '--private', '50', '--public', '1000', '--chunk', '100', '--eval-samples', '1000', '--val', '0'] },
} as const;
const workload = WORKLOADS[values.workload];
const rounds = workload.rounds;
const maxPerAgent = values['max-per-agent'];
const out = values.out ?? join(PROJECT_ROOT, 'runs', 'bench-scale', runStamp());
mkdirSync(out, { recursive: true });
const NODE = process.execPath;
const WORKLOAD = ['--rounds', String(rounds), ...workload.args, '--checkpoint-every', '0', '--fetch-timeout', '120', '--backend', values.backend];

/** Kernels of one step of the default profile's model, alone and stacked (the count does not depend on the stack's size). */
async function stepKernels(): Promise<{ alone: number; stacked?: number }> {
  await selectBackend(values.backend);
  const profile = loadProfile('default');
  const spec = { backbone: profile.backbone, auxHeads: profile.auxHeads, classes: 10, inputShape: [28, 28, 1] as const };
  const rng = createRng(1);
  const P = profile.batchPrivate;
  const U = profile.batchPublic;
  const soft = { targets: Float32Array.from({ length: U * 10 }, () => 0.1), mask: new Float32Array(U).fill(1) };
  const batch: StepBatch = { x: Float32Array.from({ length: (P + U) * 784 }, () => rng.next()), labels: Uint8Array.from({ length: P }, () => rng.int(10)), publicRows: U, headTargets: Array.from({ length: profile.auxHeads + 1 }, (_, k) => (k === 0 ? undefined : soft)) };
  const w = { nu0: profile.nu0, nuAux: profile.nuAux, nuEmb: 0, temperature: profile.temperature, auxLabels: profile.auxLabels };
  const model = new MultiHeadModel({ ...spec, seed: 1 });
  const opt = new FlatOptimizer(profile.optimizer, profile.learningRate, model.trainableVariables());
  const alone = (await tf.profile(() => void trainStep(model, opt, batch, w))).kernels.length;
  let stacked: number | undefined;
  if (stackable(spec)) {
    const s = new StackedModel(spec);
    s.addSlots([model, model]);
    const so = new StackedOptimizer(profile.optimizer);
    so.resetSlots(s, 0);
    const steps = [0, 1].map((slot) => ({ slot, batch, weights: w, learningRate: profile.learningRate }));
    stacked = (await tf.profile(() => void stackedTrainStep(s, so, steps))).kernels.length;
    so.dispose();
    s.dispose();
  }
  opt.dispose();
  model.dispose();
  return { alone, stacked };
}
const kernels = await stepKernels();

/** Resident memory of `pid` and all its descendants, in MB (Linux /proc). */
function treeRssMB(pid: number): number {
  const children = new Map<number, number[]>();
  let rss = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = readFileSync(`/proc/${d}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
      rss = rss.set(Number(d), kb);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total / 1024;
}

interface Measure {
  graph: string;
  agents: number;
  how: string;
  wallSeconds: number;
  /** From the first agent's first round to the last agent's end, per round: start-up excluded. */
  perRound: number;
  /** Launch to the first round: processes, data, models, libp2p nodes. */
  startSeconds: number;
  peakMB: number;
  exchangeShare: number;
  bytesPerAgentRound: number;
  finished: number;
  /** Mean agents per update over every agent's steps (1: each agent alone). */
  agentsPerUpdate: number;
  kernelsPerAgentStep: number;
}

async function measure(graph: string, agents: number, how: How): Promise<Measure | undefined> {
  const topo = join(out, `${graph}-${agents}.yaml`);
  writeFileSync(topo, `name: ${graph}-${agents}\nagents: ${agents}\ngraph: ${graph}\n${graph === 'small-world' ? 'params: { k: 4, p: 0.1 }\n' : ''}`);
  const dir = join(out, `${graph}-${agents}-${how}`);
  const args = how === 'simulate' ? ['simulate'] : ['cluster', '--processes', how === 'per-agent' ? 'agents' : String(availableParallelism())];
  if (how !== 'per-agent') args.push('--batch-agents', how === 'pool-unbatched' ? 'off' : 'on');
  const t0 = performance.now();
  const child = spawn(NODE, ['src/cli.ts', ...args, '--topology', topo, ...WORKLOAD, '--out', dir], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, treeRssMB(child.pid!))), 250);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const wallSeconds = (performance.now() - t0) / 1000;
  if (code !== 0) console.error(`${graph}-${agents} ${how}: exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  // A run that never started (bad options) has nothing to read: it is reported above and left out.
  if (!existsSync(join(dir, 'config.json'))) return undefined;
  const run = readRun(dir);
  const records = run.agents.flatMap((a) => a.rounds);
  const sum = (f: (r: (typeof records)[number]) => number) => records.reduce((x, r) => x + f(r), 0);
  const times = (type: 'start' | 'end') =>
    run.agents.flatMap((a) => (type === 'start' ? a.start?.time : a.end?.time) ?? []).map((t) => Date.parse(t));
  const span = (Math.max(...times('end')) - Math.min(...times('start'))) / 1000;
  return {
    graph,
    agents,
    how,
    wallSeconds,
    perRound: span / rounds,
    startSeconds: wallSeconds - span,
    peakMB: peak,
    exchangeShare: sum((r) => r.exchangeSeconds) / sum((r) => r.seconds),
    bytesPerAgentRound: sum((r) => Object.values(r.bytesSent).reduce((a, b) => a + b, 0)) / Math.max(1, records.length),
    finished: run.agents.filter((a) => a.end?.status === 'finished').length,
    ...perAgentStep(records.map((r) => r.stackedAgents)),
  };
}

function perAgentStep(stacking: readonly (number | undefined)[]): { agentsPerUpdate: number; kernelsPerAgentStep: number } {
  const batched = stacking.filter((s): s is number => s !== undefined);
  if (batched.length === 0 || kernels.stacked === undefined) return { agentsPerUpdate: 1, kernelsPerAgentStep: kernels.alone };
  // Each record's figure is that agent's mean: the mean over agents of agents per update.
  const agentsPerUpdate = batched.reduce((a, b) => a + b, 0) / batched.length;
  return { agentsPerUpdate, kernelsPerAgentStep: kernels.stacked / agentsPerUpdate };
}

const results: Measure[] = [];
for (const graph of graphs) {
  for (const agents of sizes) {
    for (const how of HOWS) {
      if (how === 'per-agent' && agents > maxPerAgent) continue;
      const m = await measure(graph, agents, how);
      if (!m) continue;
      results.push(m);
      console.log(`${graph} ${agents} ${how}: ${m.perRound.toFixed(1)} s/round, peak ${(m.peakMB / 1024).toFixed(2)} GB, ${m.finished}/${agents} finished`);
    }
  }
}

const rows = results.map((m) => [
  m.graph,
  m.agents,
  m.how,
  m.perRound.toFixed(1),
  m.startSeconds.toFixed(0),
  (m.peakMB / 1024).toFixed(2),
  Math.round(m.peakMB / m.agents),
  `${(100 * m.exchangeShare).toFixed(0)}%`,
  m.agentsPerUpdate.toFixed(1),
  m.kernelsPerAgentStep.toFixed(1),
  Math.round(m.bytesPerAgentRound / 1024),
  `${m.finished}/${m.agents}`,
]);
const table = formatTable(['graph', 'agents', 'run', 's/round', 'start-up s', 'peak GB', 'MB/agent', 'exchange', 'agents/update', 'kernels/agent-step', 'KB sent/agent/round', 'finished'], rows);
const ratio = graphs.flatMap((g) => {
  const at = (how: string) => results.find((m) => m.graph === g && m.agents === 64 && m.how === how);
  const s = at('simulate');
  const p = at('pool');
  const lines = s && p ? [`${g}-64: cluster (pool) wall time ${(p.wallSeconds / s.wallSeconds).toFixed(2)}x simulate's (${p.wallSeconds.toFixed(0)} s vs ${s.wallSeconds.toFixed(0)} s)`] : [];
  for (const n of sizes) {
    const b = results.find((m) => m.graph === g && m.agents === n && m.how === 'pool');
    const u = results.find((m) => m.graph === g && m.agents === n && m.how === 'pool-unbatched');
    if (b && u) lines.push(`${g}-${n}: batched pool ${(b.perRound / u.perRound).toFixed(2)}x the unbatched one's seconds per round (${b.perRound.toFixed(1)} against ${u.perRound.toFixed(1)}), wall ${(b.wallSeconds / u.wallSeconds).toFixed(2)}x`);
  }
  return lines;
});
const chart = (g: string, key: 'perRound' | 'peakMB', title: string, yMax: number, fmt: (v: number) => string) =>
  lineChart(
    title,
    HOWS.map((how): Series => ({
      label: how,
      points: results.filter((m) => m.graph === g && m.how === how).map((m): [number, number] => [m.agents, key === 'peakMB' ? m.peakMB / 1024 : m[key]]),
    })),
    { xLabel: 'agents', logX: true, xTicks: sizes, yMax, yFormat: fmt, width: 420, height: 260, markers: true },
  );
const LABELS: Record<How, string> = { simulate: 'simulate', pool: 'cluster (a worker per core, batched)', 'pool-unbatched': 'cluster (a worker per core, --batch-agents off)', 'per-agent': 'cluster (one process per agent)' };
const maxRound = Math.max(...results.map((m) => m.perRound));
const maxGB = Math.max(...results.map((m) => m.peakMB / 1024));
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="860" height="${290 * graphs.length + 10}" font-family="sans-serif">${graphs
  .map(
    (g, i) =>
      `<g transform="translate(0,${290 * i})">${chart(g, 'perRound', `${g}: seconds per round`, Math.ceil(maxRound), (v) => v.toFixed(0))}</g><g transform="translate(430,${290 * i})">${chart(g, 'peakMB', `${g}: peak memory, GB`, Math.ceil(maxGB), (v) => v.toFixed(1))}</g>`,
  )
  .join('')}<text x="10" y="${290 * graphs.length + 4}" font-size="11">in order of colour: ${HOWS.map((h) => LABELS[h]).join(', ')}</text></svg>`;
writeFileSync(join(out, 'scale.svg'), svg);
const text = `${table}\n\n${ratio.join('\n')}\n`;
writeFileSync(join(out, 'results.md'), text);
writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2));
console.log(`\n${values.backend} backend, ${availableParallelism()} cores, Node ${process.version}; ${rounds} rounds of ${WORKLOAD.join(' ')}\n`);
console.log(text);
console.log(`chart: ${join(out, 'scale.svg')}`);
