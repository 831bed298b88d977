// Options shared by every command that runs an experiment (simulate, cluster, node), and their
// resolution into a RunConfig. One place, so that every mode takes the same flags.
import { Command, InvalidArgumentError, Option } from 'commander';
import { basename, extname, join } from 'node:path';
import { ENCODINGS, isEncoding, type Encoding } from '../network/messages.ts';
import { runStamp } from '../text/format.ts';
import { BASELINE_MODELS, CENTRAL_AGENT, EVAL_SPLITS, MODES, timeoutsFrom, type BaselineModel, type EvalSplit, type Mode, type RunConfig } from '../node/config.ts';
import { loadProfile, PROFILE_KNOBS, profileSchema, type Profile, type ProfileOverrides } from '../learning/profile.ts';
import { baselineValues, knobOverrides, parseBoolean, type Knob } from '../learning/profile-knobs.ts';
import { loadTopology, PROJECT_ROOT } from '../topology/load.ts';
import { DEFAULT_TRUST } from '../learning/trust.ts';
import { BEHAVIOUR_HELP, parseAdversaryOption, type Behaviour } from '../topology/adversaries.ts';
import type { Topology } from '../topology/types.ts';
import { assertDatasetName } from '../data/datasets.ts';
import { parsePartitionSpec } from '../data/partition.ts';

/** The experiment's options; the profile overrides (`steps`, `lr`, `nu0`, ...) come from the profile's knobs. */
export interface ExperimentOptions extends ProfileOverrides {
  topology: string;
  nodes: string;
  dataset: string;
  partition: string;
  private: number;
  public: number;
  rounds: number;
  mode: string;
  encoding: string;
  seed: number;
  out?: string;
  chunk: number;
  evalEvery: number;
  evalSamples: number;
  val: number;
  evalSplit: string;
  baselineModel: string;
  fetchTimeout: number;
  staleness: number;
  checkpointEvery: number;
  embeddings: boolean;
  backend?: string;
  /** `AGENT=BEHAVIOUR`, added to (and overriding) the topology file's adversaries. */
  adversary?: string[];
  /** The defence against lying neighbours (default on). */
  defence: boolean;
  /** Co-located agents of one model train as one stacked model (default off: docs/DESIGN.md, "Batched agents", says why). */
  batchAgents: boolean;
}

export const int = (name: string, min: number) => (raw: string) => {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return v;
};
/** `--processes`: a positive count, or `agents` for one process per agent. */
export const processCount = (raw: string): number | 'agents' => {
  if (raw === 'agents') return 'agents';
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`--processes must be a positive integer or "agents", got "${raw}"`);
  return v;
};

const num = (name: string, min: number) => (raw: string) => {
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min) throw new InvalidArgumentError(`${name} must be a number >= ${min}, got "${raw}"`);
  return v;
};
/** A parser whose errors are commander's: an invalid argument, reported with the option's name. */
const commanderParser =
  <T>(parse: (raw: string) => T) =>
  (raw: string): T => {
    try {
      return parse(raw);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
/** `--defence`: on or off (true, false, 1 and 0 are taken too, as the profile knobs take them). */
const onOff = (name: string) =>
  commanderParser((raw) => {
    try {
      return parseBoolean(name, raw);
    } catch {
      throw new Error(`${name} must be on or off, got "${raw}"`);
    }
  });
const PLACEHOLDER: Record<Knob['kind'], string> = { int: '<n>', number: '<x>', boolean: '<bool>', enum: '<name>' };

/** A profile knob's override flag, read off the schema: no default, so the profile's value stands. */
function knobOption(k: Knob): Option {
  const option = new Option(`${k.flag} ${PLACEHOLDER[k.kind]}`, `override: ${k.help}`);
  return k.choices ? option.choices(k.choices) : option.argParser(commanderParser(k.parse));
}

/**
 * The experiment defaults: what `npm start` runs, and the base that the scripts and the tests override.
 * The CLI's option defaults come from here, so there is one place to change them.
 */
export const EXPERIMENT_DEFAULTS = Object.freeze({
  topology: 'topologies/ring-8.yaml',
  nodes: 'default',
  dataset: 'mnist',
  partition: 'skew:0.9:2',
  private: 1000,
  public: 5000,
  rounds: 10,
  mode: 'mhd',
  encoding: 'f32',
  seed: 1,
  chunk: 500,
  evalEvery: 1,
  evalSamples: 0,
  val: 5000,
  evalSplit: 'test',
  baselineModel: 'same',
  fetchTimeout: 60,
  staleness: 1,
  checkpointEvery: 5,
  embeddings: false,
  defence: true,
  batchAgents: false,
} satisfies ExperimentOptions);

/** Full options: the defaults with `over` on top. */
export function experimentOptions(over: Partial<ExperimentOptions> = {}): ExperimentOptions {
  return { ...EXPERIMENT_DEFAULTS, ...over };
}

export function addExperimentOptions(cmd: Command): Command {
  const D = EXPERIMENT_DEFAULTS;
  cmd
    .addOption(new Option('--topology <file>', 'topology file (YAML or JSON)').default(D.topology))
    .addOption(new Option('--nodes <profile>', 'agent profile (nodes/<profile>.yaml or a path) for agents the topology does not give one').default(D.nodes))
    .addOption(new Option('--dataset <name>', 'mnist, fashion-mnist, idx:DIR (MNIST-style IDX files) or cifar10:DIR (CIFAR-10 binary version)').default(D.dataset))
    .addOption(new Option('--partition <spec>', 'iid | skew:S:C | dirichlet:ALPHA | shards:K').default(D.partition))
    .addOption(new Option('--private <n>', 'private samples per agent').default(D.private).argParser(int('--private', 1)))
    .addOption(new Option('--public <n>', 'public (unlabelled) samples').default(D.public).argParser(int('--public', 1)))
    .addOption(new Option('--rounds <r>', 'rounds').default(D.rounds).argParser(int('--rounds', 1)))
    .addOption(new Option('--mode <mode>', 'mhd, or a baseline: isolated | gossip | central').choices(MODES as unknown as string[]).default(D.mode))
    .addOption(new Option('--encoding <enc>', 'prediction encoding on the wire').choices(ENCODINGS as unknown as string[]).default(D.encoding))
    .addOption(new Option('--seed <s>', 'seed of data, models and chunks').default(D.seed).argParser(int('--seed', 0)))
    .addOption(new Option('--out <dir>', 'run directory: new, or one without a run in it (default runs/<time>-<topology>-<mode>)'))
    .addOption(new Option('--chunk <n>', 'public samples per round (the chunk predictions are exchanged on)').default(D.chunk).argParser(int('--chunk', 1)))
    .addOption(new Option('--eval-every <e>', 'evaluate every E rounds (and after the last)').default(D.evalEvery).argParser(int('--eval-every', 1)))
    .addOption(new Option('--eval-samples <n>', 'samples per evaluation, a class-stratified sample (0: the whole split)').default(D.evalSamples).argParser(int('--eval-samples', 0)))
    .addOption(new Option('--val <n>', 'labelled train rows held out as the validation set (0: none)').default(D.val).argParser(int('--val', 0)))
    .addOption(new Option('--eval-split <split>', 'report accuracy on the test split or the validation set (tune on val)').choices(EVAL_SPLITS as unknown as string[]).default(D.evalSplit))
    .addOption(new Option('--baseline-model <model>', "baselines' model: the MHD profile's own (same heads and label losses) or one head").choices(BASELINE_MODELS as unknown as string[]).default(D.baselineModel))
    .addOption(new Option('--fetch-timeout <s>', "seconds to wait for a neighbour's round before skipping it").default(D.fetchTimeout).argParser(num('--fetch-timeout', 0.1)))
    .addOption(new Option('--staleness <k>', 'accept neighbour predictions up to k rounds old').default(D.staleness).argParser(int('--staleness', 0)))
    .addOption(new Option('--checkpoint-every <n>', 'checkpoint every N rounds (0: never)').default(D.checkpointEvery).argParser(int('--checkpoint-every', 0)))
    .addOption(new Option('--embeddings', 'also exchange embeddings (distilled with the profile weight nuEmb)').default(D.embeddings))
    .addOption(new Option('--backend <name>', 'force a TensorFlow.js backend: native (or node: tfjs-node) | wasm | cpu (or MHD_BACKEND)'));
  for (const k of PROFILE_KNOBS) cmd.addOption(knobOption(k));
  return cmd
    .addOption(new Option('--adversary <agent=behaviour>', `experiments: make an agent lie (${BEHAVIOUR_HELP}); repeatable`).argParser(adversaryOption))
    .addOption(new Option('--defence <on|off>', 'the defence against lying neighbours (trust scores, exclusion)').default(D.defence, D.defence ? 'on' : 'off').argParser(onOff('--defence')))
    .addOption(new Option('--batch-agents <on|off>', "agents of one model in one process train as one stacked model (off: each alone; the same learning)").default(D.batchAgents, D.batchAgents ? 'on' : 'off').argParser(onOff('--batch-agents')));
}

const adversaryOption = (raw: string, prev: string[] | undefined): string[] => {
  try {
    parseAdversaryOption(raw);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return [...(prev ?? []), raw];
};

/** The topology file's adversaries with the --adversary options on top; unknown agents are errors. */
function withAdversaries(topology: Topology, options: readonly string[] = []): Topology {
  const adversaries: Record<string, Behaviour> = { ...(topology.adversaries ?? {}) };
  for (const raw of options) {
    const [agent, behaviour] = parseAdversaryOption(raw);
    if (!topology.agents.includes(agent)) throw new Error(`--adversary ${raw}: no agent "${agent}" in ${topology.source} (agents: ${topology.agents.join(', ')})`);
    adversaries[agent] = behaviour;
  }
  return Object.keys(adversaries).length ? { ...topology, adversaries } : topology;
}

export function defaultRunDir(topologyName: string, mode: string): string {
  return join(PROJECT_ROOT, 'runs', `${runStamp()}-${topologyName}-${mode}`);
}

/** Resolves options into a RunConfig: topology, every agent's profile with overrides, all defaults. */
export function buildRunConfig(o: ExperimentOptions): RunConfig {
  const topology = withAdversaries(loadTopology(o.topology), o.adversary);
  // Bad data options fail here, once, rather than in every agent process.
  assertDatasetName(o.dataset);
  parsePartitionSpec(o.partition);
  if (!(MODES as readonly string[]).includes(o.mode)) throw new Error(`unknown mode "${o.mode}": expected ${MODES.join(', ')}`);
  if (!isEncoding(o.encoding)) throw new Error(`unknown encoding "${o.encoding}": expected ${ENCODINGS.join(', ')}`);
  const extra = knobOverrides(PROFILE_KNOBS, o);
  const resolve = (name: string) => {
    const parsed = profileSchema.safeParse({ ...loadProfile(name), ...extra });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`profile "${name}" with the command-line overrides: field "${issue.path.join('.')}": ${issue.message}`);
    }
    const profile = parsed.data;
    return { name: name.endsWith('.yaml') ? basename(name, extname(name)) : name, profile };
  };
  const profiles: RunConfig['profiles'] = {};
  const mode = o.mode as Mode;
  for (const a of topology.agents) profiles[a] = resolve(topology.profiles[a] ?? o.nodes);
  if (mode === 'central') profiles[CENTRAL_AGENT] = resolve(o.nodes);
  if (mode !== 'mhd') {
    // A fair baseline is the MHD run's own model (same heads, same label losses: auxLabels gives the
    // backbone each head's label gradient) that just gets no targets. `single-head` is the older one:
    // the same backbone and steps with the main head alone. The values are the knobs' `baseline` and
    // `singleHead` (src/learning/profile.ts).
    const baseline = baselineValues(PROFILE_KNOBS, o.baselineModel === 'single-head') as Partial<Profile>;
    for (const p of Object.values(profiles)) p.profile = { ...p.profile, ...baseline };
  }
  if (o.evalSplit === 'val' && o.val === 0) throw new Error('--eval-split val needs a validation set: --val must be above 0');
  if (mode === 'gossip') {
    const backbones = new Set(Object.values(profiles).map((p) => p.profile.backbone));
    if (backbones.size > 1) throw new Error(`gossip needs equal backbones, but the agents use ${[...backbones].join(', ')}`);
  }
  if (o.chunk > o.public) throw new Error(`--chunk ${o.chunk} is larger than the public set (--public ${o.public})`);
  return {
    name: `${topology.name}-${mode}`,
    mode,
    dataset: o.dataset,
    partition: o.partition,
    privatePerAgent: o.private,
    publicSize: o.public,
    seed: o.seed,
    rounds: o.rounds,
    chunkSize: o.chunk,
    evalEvery: o.evalEvery,
    evalSamples: o.evalSamples,
    valSize: o.val,
    evalSplit: o.evalSplit as EvalSplit,
    baselineModel: o.baselineModel as BaselineModel,
    encoding: o.encoding as Encoding,
    embeddings: o.embeddings,
    // One flag for the five waits of an exchange (config.ts, timeoutsFrom).
    timeouts: timeoutsFrom(Math.round(o.fetchTimeout * 1000)),
    staleness: o.staleness,
    checkpointEvery: o.checkpointEvery,
    backend: o.backend,
    defence: { ...DEFAULT_TRUST, enabled: o.defence },
    batchAgents: o.batchAgents,
    topology,
    profiles,
  };
}
