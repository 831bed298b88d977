// Topology files (YAML, or JSON, which the YAML parser also reads) to a resolved Topology. Every error
// names the file, the line where the parser gives one, and the problem.
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { GENERATORS, GeneratorParamError, generatorNames } from './generators.ts';
import { graphFacts } from './facts.ts';
import type { AgentId, Edge, Topology } from './types.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_PROFILES_DIR = join(PROJECT_ROOT, 'nodes');

export class TopologyError extends Error {
  constructor(source: string, line: number | undefined, problem: string) {
    super(`${source}${line !== undefined ? `:${line}` : ''}: ${problem}`);
  }
}

const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const fileSchema = z
  .object({
    name: z.string().min(1).optional(),
    agents: z.union([z.number().int().min(1), z.array(z.string().regex(AGENT_NAME, 'agent names use letters, digits, _ . - only')).min(1)]).optional(),
    graph: z.string().optional(),
    params: z.record(z.string(), z.number()).optional(),
    seed: z.number().int().optional(),
    edges: z.array(z.tuple([z.string(), z.string()])).optional(),
    directed: z.boolean().optional(),
    profiles: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type TopologyFile = z.infer<typeof fileSchema>;

export interface LoadOptions {
  /** Folder of agent profiles (`<name>.yaml`); profiles named in the file must exist there. */
  profilesDir?: string;
}

export function loadTopology(file: string, opts: LoadOptions = {}): Topology {
  if (!existsSync(file)) throw new TopologyError(file, undefined, 'file not found');
  return parseTopology(readFileSync(file, 'utf8'), file, opts);
}

export function parseTopology(text: string, source: string, opts: LoadOptions = {}): Topology {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new TopologyError(source, e.linePos?.[0].line, `not valid YAML/JSON: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const lineOf = (path: (string | number)[]): number | undefined => {
    for (let p = path; p.length >= 0; p = p.slice(0, -1)) {
      const node = (doc as Document).getIn(p, true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
      if (p.length === 0) return undefined;
    }
    return undefined;
  };
  const raw = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TopologyError(source, 1, 'a topology file must be a mapping with agents and graph or edges');
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const where = path.length > 0 ? `field ${path.join('.')}: ` : '';
    const message = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
    throw new TopologyError(source, lineOf(issue.code === 'unrecognized_keys' ? [issue.keys[0]] : path), `${where}${message}`);
  }
  return resolve(parsed.data, source, lineOf, opts);
}

function resolve(
  f: TopologyFile,
  source: string,
  lineOf: (path: (string | number)[]) => number | undefined,
  opts: LoadOptions,
): Topology {
  const fail = (path: (string | number)[], problem: string): never => {
    throw new TopologyError(source, lineOf(path), problem);
  };
  if (f.graph !== undefined && f.edges !== undefined) fail(['edges'], 'give either graph (a generator) or edges, not both');
  if (f.graph === undefined && f.edges === undefined) fail([], 'missing graph (a generator name) or edges (an explicit list)');
  const name = f.name ?? basename(source, extname(source));
  const seed = f.seed ?? 1;
  const params: Record<string, number> = { ...(f.params ?? {}) };

  let agents: AgentId[];
  let edges: Edge[] = [];
  let generator: Topology['generator'];
  if (f.graph !== undefined) {
    const gen = GENERATORS[f.graph];
    if (!gen) fail(['graph'], `unknown generator "${f.graph}": expected one of ${generatorNames().join(', ')}`);
    for (const key of Object.keys(params)) {
      if (!(key in gen.params)) fail(['params', key], `unknown parameter "${key}" for ${f.graph}: it takes ${Object.keys(gen.params).join(', ') || 'none'}`);
    }
    for (const [key, def] of Object.entries(gen.params)) {
      if (params[key] === undefined) {
        if (def === undefined) fail(['params'], `missing parameter "${key}" for ${f.graph}`);
        else params[key] = def;
      }
    }
    const implied = gen.agentsFrom?.(params);
    if (f.agents === undefined && implied === undefined) fail([], `missing agents (a count or a list of names) for ${f.graph}`);
    agents = f.agents === undefined ? names(implied!) : typeof f.agents === 'number' ? names(f.agents) : f.agents;
    try {
      edges = gen.build(agents.length, params, seed).map(([a, b]) => ({ from: agents[a], to: agents[b] }));
    } catch (err) {
      if (err instanceof GeneratorParamError) fail(['params', err.param], `bad parameter for ${f.graph}: ${err.message}`);
      throw err;
    }
    generator = { graph: f.graph, params };
    if (f.directed) fail(['directed'], 'generated graphs are undirected; list edges to make a directed graph');
  } else {
    const listed = f.edges!;
    agents = f.agents === undefined ? [...new Set(listed.flat())] : typeof f.agents === 'number' ? names(f.agents) : f.agents;
    const known = new Set(agents);
    const seen = new Set<string>();
    listed.forEach(([from, to], i) => {
      for (const a of [from, to]) if (!known.has(a)) fail(['edges', i], `unknown agent "${a}" in edge ${i + 1} [${from}, ${to}]`);
      if (from === to) fail(['edges', i], `self-loop on "${from}" in edge ${i + 1}`);
      const key = f.directed ? `${from}>${to}` : [from, to].sort().join('~');
      if (seen.has(key)) fail(['edges', i], `duplicate edge [${from}, ${to}] (edge ${i + 1})`);
      seen.add(key);
      edges.push({ from, to });
    });
  }
  if (agents.length === 0) fail(['agents'], 'no agents');
  if (new Set(agents).size !== agents.length) fail(['agents'], 'agent names must be unique');

  const profiles: Record<AgentId, string> = {};
  const profilesDir = opts.profilesDir ?? DEFAULT_PROFILES_DIR;
  for (const [agent, profile] of Object.entries(f.profiles ?? {})) {
    if (!agents.includes(agent)) fail(['profiles', agent], `profile given for unknown agent "${agent}"`);
    if (!existsSync(join(profilesDir, `${profile}.yaml`))) {
      fail(['profiles', agent], `profile "${profile}" of agent ${agent} not found (no ${join(profilesDir, `${profile}.yaml`)})`);
    }
    profiles[agent] = profile;
  }

  const topology: Topology = { name, source, agents, directed: f.directed ?? false, edges, profiles, generator, warnings: [] };
  const facts = graphFacts(topology);
  const warnings: string[] = [];
  if (!facts.connected) warnings.push(`${source}: the graph is disconnected (${facts.components} components): knowledge cannot reach every agent`);
  else if (!facts.stronglyConnected) warnings.push(`${source}: some agents cannot learn, even indirectly, from some others (not strongly connected)`);
  return { ...topology, warnings };
}

export function names(n: number): AgentId[] {
  return Array.from({ length: n }, (_, i) => `a${i}`);
}
