// Merging the run directories of one run across machines (`mhd node` on each, every one writing its
// own config.json and agents/<id>/ for the agent it ran) into one run directory, which then reads,
// summarises and reports as one run (build.ts).
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readRunConfig, runningAgents, writeRunConfig, type RunConfig } from '../node/config.ts';
import type { AgentId } from '../topology/types.ts';

/**
 * Config keys that may differ from machine to machine of one run: they do not change what is learnt.
 * - `backend`: unset, each machine picks the best it has (tfjs-node on one, wasm on another);
 * - `topology.source`: the path of the topology file on that machine;
 * - `timeouts`: how long that machine waits for its neighbours (a slow link gets more);
 * - `checkpointEvery`: how often that machine saves its agent.
 * Every other key (data, seed, rounds, profiles, the topology's graph, mode, defence...) must be equal.
 * The merged config.json keeps the first directory's values of these, and a warning says so (but for
 * the topology's path, which differs as a rule).
 */
export const PER_MACHINE_KEYS = ['backend', 'topology.source', 'timeouts', 'checkpointEvery'] as const;
const UNREMARKABLE = new Set<string>(['topology.source']);

/** Files of an agent's directory left out of the merge: its secret identity key. */
const NOT_COPIED = new Set(['key']);

type Json = unknown;

const get = (o: Json, path: string): Json => path.split('.').reduce<Json>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, Json>)[k] : undefined), o);

/** `o` without the per-machine keys (a deep copy). */
function shared(o: RunConfig): Json {
  const copy = structuredClone(o) as unknown as Record<string, Json>;
  for (const path of PER_MACHINE_KEYS) {
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce<Record<string, Json> | undefined>((v, k) => v?.[k] as Record<string, Json> | undefined, copy);
    if (parent) delete parent[keys[keys.length - 1]];
  }
  return copy;
}

/** The first key path (a.b.0.c) at which `a` and `b` differ, or undefined when they are equal. */
export function firstDifference(a: Json, b: Json, path: string[] = []): string | undefined {
  if (Object.is(a, b)) return undefined;
  const isObject = (v: Json) => v !== null && typeof v === 'object';
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) return path.join('.') || '(the whole config)';
  const ra = a as Record<string, Json>;
  const rb = b as Record<string, Json>;
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    const d = firstDifference(ra[k], rb[k], [...path, k]);
    if (d !== undefined) return d;
  }
  return undefined;
}

const show = (v: Json) => {
  const text = v === undefined ? 'absent' : JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

function readConfig(dir: string): RunConfig {
  const file = join(dir, 'config.json');
  if (!existsSync(file)) throw new Error(`${dir}: not a run directory (no config.json)`);
  return readRunConfig(file);
}

/** The agent directories of a run directory (agents/<id>/). */
function agentDirs(dir: string): AgentId[] {
  const agents = join(dir, 'agents');
  return existsSync(agents) ? readdirSync(agents).filter((d) => statSync(join(agents, d)).isDirectory()) : [];
}

/**
 * Merges the run directories of the machines of one run into `out` (which must not exist, or be
 * empty): one config.json (the inputs' must be equal but for PER_MACHINE_KEYS) and every agents/<id>/
 * copied, but for its key file. Errors (one line each): a directory given twice, or that is `out`; a
 * directory without config.json; two configs that differ (naming both directories and the key); an
 * agent in two directories (naming it and both); an agent the topology does not have. Returns warnings:
 * per-machine keys that differ, agents of the run found in no directory (they report as not started),
 * launcher records (launcher.json, written by `cluster`) that are not merged.
 */
export function mergeRunDirs(dirs: string[], out: string): string[] {
  if (dirs.length === 0) throw new Error('no run directory to merge');
  const seen = new Map<string, string>();
  for (const d of dirs) {
    const abs = resolve(d);
    if (seen.has(abs)) throw new Error(`${d} is given twice (as ${seen.get(abs)} before)`);
    if (abs === resolve(out)) throw new Error(`${d} is also the directory to merge into: give a new --out`);
    seen.set(abs, d);
  }
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0)) throw new Error(`${out} is not empty: merge into a new directory`);
  const configs = dirs.map(readConfig);
  const warnings: string[] = [];
  const first = dirs[0];
  const base = configs[0];
  configs.forEach((c, i) => {
    const key = firstDifference(shared(base), shared(c));
    if (key !== undefined) {
      throw new Error(`${first} and ${dirs[i]} are not one run: their config.json differ in "${key}" (${show(get(base, key))} against ${show(get(c, key))})`);
    }
    for (const k of PER_MACHINE_KEYS) {
      if (i > 0 && !UNREMARKABLE.has(k) && firstDifference(get(base, k), get(c, k)) !== undefined) {
        warnings.push(`"${k}" differs between ${first} (${show(get(base, k))}) and ${dirs[i]} (${show(get(c, k))}): the merged config.json has ${first}'s`);
      }
    }
  });
  const known = new Set(runningAgents(base));
  const from = new Map<AgentId, string>();
  for (const d of dirs) {
    for (const agent of agentDirs(d)) {
      if (!known.has(agent)) throw new Error(`${d}/agents/${agent}: "${agent}" is no agent of the run (it has ${[...known].join(', ')})`);
      const other = from.get(agent);
      if (other !== undefined) throw new Error(`agent ${agent} is in both ${other} and ${d}: each agent of a run runs on one machine`);
      from.set(agent, d);
    }
    if (existsSync(join(d, 'launcher.json'))) warnings.push(`${d}/launcher.json (a cluster launcher's record) is not merged: the failures it saw are not in the merged summary`);
  }
  const missing = [...known].filter((a) => !from.has(a));
  if (missing.length > 0) warnings.push(`${missing.join(', ')}: in none of the run directories (reported as not started)`);
  writeRunConfig(out, base);
  for (const [agent, d] of from) {
    const src = join(d, 'agents', agent);
    mkdirSync(join(out, 'agents'), { recursive: true });
    cpSync(src, join(out, 'agents', agent), { recursive: true, filter: (file) => !(NOT_COPIED.has(basename(file)) && resolve(file, '..') === resolve(src)) });
  }
  return warnings;
}
