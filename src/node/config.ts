// The resolved configuration of a run (RunConfig, the type of its schema): everything an agent needs,
// written to the run's config.json so that a run can be understood (and repeated) from its directory
// alone. One type for every mode and every launcher (simulate, cluster, node).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { prepareExperimentData, type DataOptions, type ExperimentData } from '../data/experiment-data.ts';
import { profileSchema } from '../learning/profile.ts';
import { DEFAULT_TRUST, trustPolicySchema } from '../learning/trust.ts';
import { backboneFile, isFileBackbone, layersFileFor } from '../model/layers-file.ts';
import { ENCODINGS } from '../network/messages.ts';
import { ConfigError, parseWith, readConfigText } from '../text/config-source.ts';
import { topologySchema, type AgentId } from '../topology/types.ts';

export const MODES = ['mhd', 'isolated', 'gossip', 'central'] as const;
export type Mode = (typeof MODES)[number];

/** The single learner of the central baseline. */
export const CENTRAL_AGENT = 'central';

export const EVAL_SPLITS = ['test', 'val'] as const;
export type EvalSplit = (typeof EVAL_SPLITS)[number];
export const BASELINE_MODELS = ['same', 'single-head'] as const;
export type BaselineModel = (typeof BASELINE_MODELS)[number];

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
 * Loads the run's data and makes its split and partition (memoised per process), and reads every agent's
 * model file (`backbone: file:...`) against the dataset's image shape: the start-up check of every
 * launcher, so that a missing or truncated dataset, a pool too small for the agents, or a model file
 * that is missing, malformed, unsupported or made for other images fails once, before any agent starts.
 */
export function loadRunData(c: RunConfig): ExperimentData {
  const data = prepareExperimentData(runDataOptions(c));
  for (const { profile } of Object.values(c.profiles)) {
    if (isFileBackbone(profile.backbone)) layersFileFor(backboneFile(profile.backbone), data.dataset.inputShape, `dataset ${data.dataset.name}`);
  }
  return data;
}

const count = z.number().int().min(0);

/**
 * The five waits of an exchange, apart (`--fetch-timeout` sets them all; timeoutsFrom). Named for the
 * side that waits, so that a slow neighbour, a slow server and a missing address can be told apart.
 */
export const timeoutsSchema = z
  .object({
    /** How long a request asks the neighbour to hold it while the round is not ready yet. */
    fetchWaitMs: count,
    /** The whole fetch of one neighbour's round, dial to last byte: past it, the neighbour is skipped. */
    fetchDeadlineMs: count,
    /** The longest this agent's server holds any request waiting for one of its rounds. */
    serveWaitMs: count,
    /** How long a fetch waits for discovery to find a neighbour's address, or for a route to its host. */
    locateWaitMs: count,
    /** After its last round, how long an agent keeps serving neighbours that are still behind. */
    lingerMs: count,
  })
  .strict();
export type ExchangeTimeouts = z.output<typeof timeoutsSchema>;

/** Slack of a fetch's deadline over the wait it asks for: the transfer after the wait. */
const TRANSFER_SLACK_MS = 5000;

/** What one `--fetch-timeout` gives: every wait that long, and the fetch's deadline the transfer's slack longer. */
export function timeoutsFrom(fetchTimeoutMs: number): ExchangeTimeouts {
  const t = fetchTimeoutMs;
  return { fetchWaitMs: t, fetchDeadlineMs: t + TRANSFER_SLACK_MS, serveWaitMs: t, locateWaitMs: t, lingerMs: t };
}

const runConfigSchema = z.preprocess(
  // Configs written before the five timeouts had one fetch timeout and a linger.
  (raw) => {
    const o = raw as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || 'timeouts' in o || typeof o.fetchTimeoutMs !== 'number') return raw;
    const { fetchTimeoutMs, lingerMs, ...rest } = o;
    return { ...rest, timeouts: { ...timeoutsFrom(fetchTimeoutMs as number), ...(typeof lingerMs === 'number' ? { lingerMs } : {}) } };
  },
  z
    .object({
      name: z.string(),
      mode: z.enum(MODES),
      dataset: z.string().min(1),
      partition: z.string().min(1),
      privatePerAgent: count.min(1),
      publicSize: count.min(1),
      seed: count,
      rounds: count.min(1),
      /** Public samples per round's chunk. */
      chunkSize: count.min(1),
      evalEvery: count.min(1),
      /** Samples per evaluation; 0 = the whole split. */
      evalSamples: count,
      // Configs written before these fields had no validation set, reported on test, and gave baselines one head.
      /** Labelled rows of the train split held out for validation (apart from the public set and the pool). */
      valSize: count.default(0),
      /** What accuracies are reported on: the test split (final figures) or the validation set (tuning). */
      evalSplit: z.enum(EVAL_SPLITS).default('test'),
      /** The baselines' model: `same` as the MHD run's (heads, label losses), or `single-head` (one head). */
      baselineModel: z.enum(BASELINE_MODELS).default('single-head'),
      encoding: z.enum(ENCODINGS),
      /** Also exchange (and distil) embeddings. */
      embeddings: z.boolean(),
      timeouts: timeoutsSchema,
      /** Accept a neighbour's predictions up to this many rounds old. */
      staleness: count,
      checkpointEvery: count,
      backend: z.string().optional(),
      /** The defence against lying neighbours (src/learning/trust.ts); `enabled: false` turns it off. Runs from before the defence had none. */
      defence: trustPolicySchema.default({ ...DEFAULT_TRUST, enabled: false }),
      /** Co-located agents of one model train as one stacked model (src/learning/step-batcher.ts). Runs from before trained each alone. */
      batchAgents: z.boolean().default(false),
      topology: topologySchema,
      /** Profile of every agent (by name and resolved values). */
      profiles: z.record(z.string(), z.object({ name: z.string(), profile: profileSchema }).strict()),
    })
    .strict(),
);

/**
 * The resolved configuration of a run: everything an agent needs, written to the run's config.json so
 * that a run can be understood (and repeated) from its directory alone.
 */
export type RunConfig = z.output<typeof runConfigSchema>;

/** Reads a run's config.json back, checking every field: a hand-edited or damaged file is a ConfigError. */
export function readRunConfig(file: string): RunConfig {
  if (!existsSync(file)) throw new ConfigError(file, undefined, 'no such run configuration');
  const src = readConfigText(readFileSync(file, 'utf8'), file);
  const config = parseWith(runConfigSchema, src);
  const known = new Set(config.topology.agents);
  config.topology.edges.forEach((e, i) => {
    for (const a of [e.from, e.to]) if (!known.has(a)) src.fail(['topology', 'edges', i], `edge ${i + 1} names unknown agent "${a}"`);
  });
  for (const a of Object.keys(config.topology.adversaries ?? {})) {
    if (!known.has(a)) src.fail(['topology', 'adversaries', a], `adversary "${a}" is no agent of the run`);
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
