// The resolved configuration of a run: everything an agent needs, written to the run's config.json so
// that a run can be understood (and repeated) from its directory alone. One type for every mode and
// every launcher (simulate, cluster, node).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { prepareExperimentData, type DataOptions, type ExperimentData } from '../data/experiment-data.ts';
import { profileSchema, type Profile } from '../learning/profile.ts';
import { DEFAULT_TRUST, type TrustPolicy } from '../learning/trust.ts';
import { ENCODINGS, type Encoding } from '../network/codec.ts';
import { ConfigError, parseWith, readConfigText } from '../text/config-source.ts';
import type { AgentId, Topology } from '../topology/types.ts';
import { parseBehaviour } from '../topology/adversaries.ts';

export const MODES = ['mhd', 'isolated', 'gossip', 'central'] as const;
export type Mode = (typeof MODES)[number];

/** The single learner of the central baseline. */
export const CENTRAL_AGENT = 'central';

export const EVAL_SPLITS = ['test', 'val'] as const;
export type EvalSplit = (typeof EVAL_SPLITS)[number];
export const BASELINE_MODELS = ['same', 'single-head'] as const;
export type BaselineModel = (typeof BASELINE_MODELS)[number];

export interface RunConfig {
  name: string;
  mode: Mode;
  dataset: string;
  partition: string;
  privatePerAgent: number;
  publicSize: number;
  seed: number;
  rounds: number;
  /** Public samples per round's chunk. */
  chunkSize: number;
  evalEvery: number;
  /** Samples per evaluation; 0 = the whole split. */
  evalSamples: number;
  /** Labelled rows of the train split held out for validation (apart from the public set and the pool). */
  valSize: number;
  /** What accuracies are reported on: the test split (final figures) or the validation set (tuning). */
  evalSplit: EvalSplit;
  /** The baselines' model: `same` as the MHD run's (heads, label losses), or `single-head` (one head). */
  baselineModel: BaselineModel;
  encoding: Encoding;
  /** Also exchange (and distil) embeddings. */
  embeddings: boolean;
  /** How long an agent waits for a neighbour's round before skipping it. */
  fetchTimeoutMs: number;
  /** Accept a neighbour's predictions up to this many rounds old. */
  staleness: number;
  checkpointEvery: number;
  /** After its last round, how long an agent keeps serving neighbours that are still behind. */
  lingerMs: number;
  backend?: string;
  /** The defence against lying neighbours (src/learning/trust.ts); `enabled: false` turns it off. */
  defence: TrustPolicy;
  topology: Topology;
  /** Profile of every agent (by name and resolved values). */
  profiles: Record<AgentId, { name: string; profile: Profile }>;
}

/** The agents that actually run: the topology's, or the one central learner. */
export function runningAgents(c: RunConfig): AgentId[] {
  return c.mode === 'central' ? [CENTRAL_AGENT] : [...c.topology.agents];
}

/** What the run's data is made of: every agent derives the same split and partition from it. */
export function runDataOptions(c: RunConfig): DataOptions {
  return {
    dataset: c.dataset,
    partition: c.partition,
    agents: c.topology.agents.length,
    privatePerAgent: c.privatePerAgent,
    publicSize: c.publicSize,
    seed: c.seed,
    valSize: c.valSize,
  };
}

/**
 * Loads the run's data and makes its split and partition (memoised per process): the start-up check of
 * every launcher, so that a missing or truncated dataset or a pool too small for the agents fails once,
 * before any agent starts.
 */
export function loadRunData(c: RunConfig): ExperimentData {
  return prepareExperimentData(runDataOptions(c));
}

const count = z.number().int().min(0);
const topologySchema = z
  .object({
    name: z.string(),
    source: z.string(),
    agents: z.array(z.string().min(1)).min(1),
    directed: z.boolean(),
    edges: z.array(z.object({ from: z.string(), to: z.string() }).strict()),
    profiles: z.record(z.string(), z.string()),
    generator: z.object({ graph: z.string(), params: z.record(z.string(), z.number()) }).strict().optional(),
    adversaries: z.record(z.string(), z.string()).optional(),
    warnings: z.array(z.string()),
  })
  .strict();

const runConfigSchema = z
  .object({
    name: z.string(),
    mode: z.enum(MODES),
    dataset: z.string().min(1),
    partition: z.string().min(1),
    privatePerAgent: count.min(1),
    publicSize: count.min(1),
    seed: count,
    rounds: count.min(1),
    chunkSize: count.min(1),
    evalEvery: count.min(1),
    evalSamples: count,
    // Configs written before these fields had no validation set, reported on test, and gave baselines one head.
    valSize: count.default(0),
    evalSplit: z.enum(EVAL_SPLITS).default('test'),
    baselineModel: z.enum(BASELINE_MODELS).default('single-head'),
    encoding: z.enum(ENCODINGS),
    embeddings: z.boolean(),
    fetchTimeoutMs: count,
    staleness: count,
    checkpointEvery: count,
    lingerMs: count,
    backend: z.string().optional(),
    defence: z
      .object({
        enabled: z.boolean(),
        confidence: z.number().min(0).max(1),
        minSamples: count,
        threshold: z.number().min(0).max(1),
        margin: z.number().min(0).max(1),
        minRoundsOut: count,
        drop: z.number().min(0).max(1),
        rise: z.number().min(0).max(1),
        // Configs written before this field judged every neighbour.
        minTeacherConfidence: z.number().min(0).max(1).default(0),
      })
      .strict()
      // Runs from before the defence existed had none.
      .default({ ...DEFAULT_TRUST, enabled: false }),
    topology: topologySchema,
    profiles: z.record(z.string(), z.object({ name: z.string(), profile: profileSchema }).strict()),
  })
  .strict();

/** Reads a run's config.json back, checking every field: a hand-edited or damaged file is a ConfigError. */
export function readRunConfig(file: string): RunConfig {
  if (!existsSync(file)) throw new ConfigError(file, undefined, 'no such run configuration');
  const src = readConfigText(readFileSync(file, 'utf8'), file);
  const config = parseWith(runConfigSchema, src);
  const known = new Set(config.topology.agents);
  config.topology.edges.forEach((e, i) => {
    for (const a of [e.from, e.to]) if (!known.has(a)) src.fail(['topology', 'edges', i], `edge ${i + 1} names unknown agent "${a}"`);
  });
  for (const [a, spec] of Object.entries(config.topology.adversaries ?? {})) {
    if (!known.has(a)) src.fail(['topology', 'adversaries', a], `adversary "${a}" is no agent of the run`);
    try {
      parseBehaviour(spec);
    } catch (err) {
      src.fail(['topology', 'adversaries', a], (err as Error).message);
    }
  }
  for (const a of runningAgents(config)) if (!config.profiles[a]) src.fail(['profiles'], `no profile for agent "${a}"`);
  if (config.chunkSize > config.publicSize) src.fail(['chunkSize'], `chunk of ${config.chunkSize} is larger than the public set (${config.publicSize})`);
  return config;
}

/** Writes `runDir/config.json`. */
export function writeRunConfig(runDir: string, config: RunConfig): void {
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
}
