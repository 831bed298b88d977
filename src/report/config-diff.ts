// What differs between runs' configurations (config.json): each run's configuration flattened to dotted
// keys (the agents' profiles folded into `profile.<field>`, the graph into counts), and only the keys
// whose values are not the same in every run.
import type { RunConfig } from '../node/config.ts';
import { adversarySpecs } from '../topology/adversaries.ts';

/** Value of a flattened key in a run that lacks it. */
export const ABSENT = '(absent)';

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function flattenInto(out: Record<string, string>, prefix: string, v: unknown): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flattenInto(out, prefix ? `${prefix}.${k}` : k, x);
  } else if (v !== undefined) out[prefix] = show(v);
}

/** One value, or each value with the agents that have it: "50 (a0 a1), 150 (a2)". */
function fold(byAgent: [string, string][]): string {
  const groups = new Map<string, string[]>();
  for (const [a, v] of byAgent) groups.set(v, [...(groups.get(v) ?? []), a]);
  if (groups.size === 1) return [...groups.keys()][0];
  return [...groups.entries()].map(([v, as]) => `${v} (${as.length > 3 ? `${as.length} agents` : as.join(' ')})`).join(', ');
}

/** A run's configuration as dotted keys and printable values. */
export function flattenConfig(c: RunConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const { profiles, topology, ...rest } = c;
  flattenInto(out, '', rest);
  const { agents, edges, warnings: _warnings, adversaries, generator, ...graph } = topology;
  flattenInto(out, 'topology', graph);
  out['topology.agents'] = String(agents.length);
  out['topology.edges'] = String(edges.length);
  if (generator) flattenInto(out, 'topology.generator', generator);
  flattenInto(out, 'topology.adversaries', adversarySpecs(adversaries));
  const entries = Object.entries(profiles);
  out['profile.name'] = fold(entries.map(([a, p]) => [a, p.name]));
  const fields = [...new Set(entries.flatMap(([, p]) => Object.keys(p.profile)))];
  for (const f of fields) out[`profile.${f}`] = fold(entries.map(([a, p]) => [a, show((p.profile as Record<string, unknown>)[f] ?? ABSENT)]));
  return out;
}

export interface Difference {
  key: string;
  /** One per run, in the runs' order. */
  values: string[];
}

/** The keys whose values differ between the runs (a key one run lacks differs), in a stable order. */
export function configDifferences(configs: readonly Record<string, string>[]): Difference[] {
  if (configs.length < 2) return [];
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))];
  return keys
    .map((key) => ({ key, values: configs.map((c) => c[key] ?? ABSENT) }))
    .filter((d) => d.values.some((v) => v !== d.values[0]));
}
