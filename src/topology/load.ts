// Topology files (YAML, or JSON, which the YAML parser also reads) to a resolved Topology. Every error
// names the file, the line where the parser gives one, and the problem.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, parseWith, readConfigText, type ConfigSource } from '../text/config-source.ts';
import { GENERATORS, GeneratorParamError, generatorNames } from './generators.ts';
import { graphFacts } from './facts.ts';
import type { AgentId, Edge, Topology } from './types.ts';
import { parseBehaviour, type Behaviour } from './adversaries.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_PROFILES_DIR = join(PROJECT_ROOT, 'nodes');

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
    /** Agents that lie (experiments): `{ a3: shift }`. */
    adversaries: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type TopologyFile = z.infer<typeof fileSchema>;

export interface LoadOptions {
  /** Folder of agent profiles (`<name>.yaml`); profiles named in the file must exist there. */
  profilesDir?: string;
}

export function loadTopology(file: string, opts: LoadOptions = {}): Topology {
  if (!existsSync(file)) throw new ConfigError(file, undefined, 'file not found');
  return parseTopology(readFileSync(file, 'utf8'), file, opts);
}

export function parseTopology(text: string, source: string, opts: LoadOptions = {}): Topology {
  const src = readConfigText(text, source);
  if (src.value === null || typeof src.value !== 'object' || Array.isArray(src.value)) {
    src.fail([], 'a topology file must be a mapping with agents and graph or edges');
  }
  return resolve(parseWith(fileSchema, src), src, opts);
}

function resolve(f: TopologyFile, src: ConfigSource, opts: LoadOptions): Topology {
  const { source, fail } = src;
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
    // A name is nodes/<name>.yaml; a path ending in .yaml (or .yml) is a profile file, relative to this file's folder.
    const isPath = profile.endsWith('.yaml') || profile.endsWith('.yml');
    const file = isPath ? (isAbsolute(profile) ? profile : resolvePath(dirname(source), profile)) : join(profilesDir, `${profile}.yaml`);
    if (!existsSync(file)) fail(['profiles', agent], `profile "${profile}" of agent ${agent} not found (no ${file})`);
    profiles[agent] = isPath ? file : profile;
  }

  const adversaries: Record<AgentId, Behaviour> = {};
  for (const [agent, spec] of Object.entries(f.adversaries ?? {})) {
    if (!agents.includes(agent)) fail(['adversaries', agent], `adversary given for unknown agent "${agent}"`);
    try {
      adversaries[agent] = parseBehaviour(spec);
    } catch (err) {
      fail(['adversaries', agent], (err as Error).message);
    }
  }

  const topology: Topology = {
    name, source, agents, directed: f.directed ?? false, edges, profiles, generator, warnings: [],
    ...(Object.keys(adversaries).length ? { adversaries } : {}),
  };
  const facts = graphFacts(topology);
  const warnings: string[] = [];
  if (!facts.connected) warnings.push(`${source}: the graph is disconnected (${facts.components} components): knowledge cannot reach every agent`);
  else if (!facts.stronglyConnected) warnings.push(`${source}: some agents cannot learn, even indirectly, from some others (not strongly connected)`);
  return { ...topology, warnings };
}

export function names(n: number): AgentId[] {
  return Array.from({ length: n }, (_, i) => `a${i}`);
}
