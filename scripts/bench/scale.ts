// Cost against the number of agents: simulate (every agent in one process), cluster with the default
// pool (one worker per core) and cluster with one process per agent, on a ring and a small-world graph.
// Each run is a child process whose whole process tree is sampled for resident memory.
// Usage: npm run bench:scale [-- --sizes 8,16,32,64,128,256 --graphs ring,small-world --rounds 2 --max-per-agent 64
//        --workload small|issue]
// `small` (default) is the ring-256 acceptance workload of issue 14: tiny rounds, so the cost of many
// agents shows. `issue` is the workload the issue used to compare simulate and cluster (3 rounds,
// 20 steps, 200 private, 2000 public, chunk 200, whole test split), where the rounds dominate.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
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
    workload: one('small|issue', 'the rounds measured', choice('small', 'issue'), 'small'),
  },
});
const { sizes, graphs } = values;
const WORKLOADS = {
  small: { rounds: values.rounds, args: ['--steps', '5', '--private', '100', '--public', '1000', '--chunk', '100', '--eval-samples', '1000'] },
  issue: { rounds: 3, args: ['--steps', '20', '--private', '200', '--public', '2000', '--chunk', '200'] },
} as const;
const workload = WORKLOADS[values.workload];
const rounds = workload.rounds;
const maxPerAgent = values['max-per-agent'];
const out = values.out ?? join(PROJECT_ROOT, 'runs', 'bench-scale', runStamp());
mkdirSync(out, { recursive: true });
const NODE = process.execPath;
const WORKLOAD = ['--rounds', String(rounds), ...workload.args, '--checkpoint-every', '0', '--fetch-timeout', '120', '--backend', 'wasm'];

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
}

async function measure(graph: string, agents: number, how: 'simulate' | 'pool' | 'per-agent'): Promise<Measure> {
  const topo = join(out, `${graph}-${agents}.yaml`);
  writeFileSync(topo, `name: ${graph}-${agents}\nagents: ${agents}\ngraph: ${graph}\n${graph === 'small-world' ? 'params: { k: 4, p: 0.1 }\n' : ''}`);
  const dir = join(out, `${graph}-${agents}-${how}`);
  const args = how === 'simulate' ? ['simulate'] : ['cluster', '--processes', how === 'pool' ? String(availableParallelism()) : 'agents'];
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
  };
}

const results: Measure[] = [];
for (const graph of graphs) {
  for (const agents of sizes) {
    for (const how of ['simulate', 'pool', 'per-agent'] as const) {
      if (how === 'per-agent' && agents > maxPerAgent) continue;
      const m = await measure(graph, agents, how);
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
  Math.round(m.bytesPerAgentRound / 1024),
  `${m.finished}/${m.agents}`,
]);
const table = formatTable(['graph', 'agents', 'run', 's/round', 'start-up s', 'peak GB', 'MB/agent', 'exchange', 'KB sent/agent/round', 'finished'], rows);
const ratio = graphs.flatMap((g) => {
  const at = (how: string) => results.find((m) => m.graph === g && m.agents === 64 && m.how === how);
  const s = at('simulate');
  const p = at('pool');
  return s && p ? [`${g}-64: cluster (pool) wall time ${(p.wallSeconds / s.wallSeconds).toFixed(2)}x simulate's (${p.wallSeconds.toFixed(0)} s vs ${s.wallSeconds.toFixed(0)} s)`] : [];
});
const chart = (g: string, key: 'perRound' | 'peakMB', title: string, yMax: number, fmt: (v: number) => string) =>
  lineChart(
    title,
    (['simulate', 'pool', 'per-agent'] as const).map((how): Series => ({
      label: how,
      points: results.filter((m) => m.graph === g && m.how === how).map((m): [number, number] => [m.agents, key === 'peakMB' ? m.peakMB / 1024 : m[key]]),
    })),
    { xLabel: 'agents', logX: true, xTicks: sizes, yMax, yFormat: fmt, width: 420, height: 260, markers: true },
  );
const maxRound = Math.max(...results.map((m) => m.perRound));
const maxGB = Math.max(...results.map((m) => m.peakMB / 1024));
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="860" height="${290 * graphs.length + 10}" font-family="sans-serif">${graphs
  .map(
    (g, i) =>
      `<g transform="translate(0,${290 * i})">${chart(g, 'perRound', `${g}: seconds per round`, Math.ceil(maxRound), (v) => v.toFixed(0))}</g><g transform="translate(430,${290 * i})">${chart(g, 'peakMB', `${g}: peak memory, GB`, Math.ceil(maxGB), (v) => v.toFixed(1))}</g>`,
  )
  .join('')}<text x="10" y="${290 * graphs.length + 4}" font-size="11">blue: simulate, orange: cluster (one worker per core), green: cluster (one process per agent)</text></svg>`;
writeFileSync(join(out, 'scale.svg'), svg);
const text = `${table}\n\n${ratio.join('\n')}\n`;
writeFileSync(join(out, 'results.md'), text);
writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2));
console.log(`\nwasm backend, ${availableParallelism()} cores, Node ${process.version}; ${rounds} rounds of ${WORKLOAD.join(' ')}\n`);
console.log(text);
console.log(`chart: ${join(out, 'scale.svg')}`);
