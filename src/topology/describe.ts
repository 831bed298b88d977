// Human-readable summary of a topology, for `mhd topology show`.
import { graphFacts } from './facts.ts';
import { inNeighbours, type Topology } from './types.ts';
import { formatTable } from '../text/table.ts';
import { adversarySpecs } from './adversaries.ts';

// Past these sizes a listing stops being readable: the summary shows counts instead.
const MAX_LISTED_EDGES = 200;
const MAX_LISTED_AGENTS = 64;

function agentTable(t: Topology): string {
  return formatTable(
    ['agent', 'profile', 'learns from'],
    t.agents.map((a) => [a, t.profiles[a] ?? '(default)', inNeighbours(t, a).join(', ') || '(nobody)']),
  );
}

/** How many agents have each number of teachers, with a few of them named. */
function degreeTable(t: Topology): string {
  const byDegree = new Map<number, string[]>();
  for (const a of t.agents) {
    const d = inNeighbours(t, a).length;
    byDegree.set(d, [...(byDegree.get(d) ?? []), a]);
  }
  const rows = [...byDegree.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([d, agents]) => [d, agents.length, agents.slice(0, 5).join(', ') + (agents.length > 5 ? ', ...' : '')]);
  const profiled = Object.keys(t.profiles).length;
  const note = profiled > 0 ? `\n${profiled} agents have their own profile (see the topology file)` : '';
  return formatTable(['teachers', 'agents', 'for example'], rows) + note;
}

export function describeTopology(t: Topology): string {
  const f = graphFacts(t);
  const gen = t.generator ? `${t.generator.graph} ${JSON.stringify(t.generator.params)}` : 'explicit edge list';
  const lines = [
    `topology ${t.name} (${t.source})`,
    `  graph: ${gen}, ${t.directed ? 'directed' : 'undirected'}`,
    `  agents: ${f.agents}, edges: ${f.edges}`,
    `  teachers per agent (in-degree): min ${f.degree.min}, mean ${f.degree.mean.toFixed(2)}, max ${f.degree.max}`,
    `  connected: ${f.connected ? 'yes' : `no (${f.components} components)`}${t.directed ? `, strongly connected: ${f.stronglyConnected ? 'yes' : 'no'}` : ''}`,
    `  diameter: ${Number.isFinite(f.diameter) ? f.diameter : 'infinite (some agent cannot reach another)'}`,
    t.edges.length <= MAX_LISTED_EDGES
      ? `  edges: ${t.edges.map((e) => `${e.from}${t.directed ? '->' : '-'}${e.to}`).join(' ')}`
      : `  edges: ${t.edges.length}, too many to list (--svg draws them)`,
    '',
    t.agents.length <= MAX_LISTED_AGENTS ? agentTable(t) : degreeTable(t),
  ];
  const liars = Object.entries(adversarySpecs(t.adversaries));
  if (liars.length > 0) lines.push(`  adversaries (an experiment: they lie about their predictions): ${liars.map(([a, b]) => `${a}=${b}`).join(', ')}`);
  for (const w of t.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
