// Human-readable summary of a topology, for `mhd topology show`.
import { graphFacts } from './facts.ts';
import { inNeighbours, type Topology } from './types.ts';
import { formatTable } from '../text/table.ts';

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
    `  edges: ${t.edges.map((e) => `${e.from}${t.directed ? '->' : '-'}${e.to}`).join(' ')}`,
    '',
    formatTable(
      ['agent', 'profile', 'learns from'],
      t.agents.map((a) => [a, t.profiles[a] ?? '(default)', inNeighbours(t, a).join(', ') || '(nobody)']),
    ),
  ];
  for (const w of t.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
