// `mhd export RUN_DIR --out DIR`: each agent's last checkpoint as a TF.js LayersModel that plain
// @tensorflow/tfjs loads with tf.loadLayersModel (src/model/export-layers.ts), one folder per agent.
import type { Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../data/datasets.ts';
import { selectBackend } from '../model/backend.ts';
import { readCheckpoint } from '../model/checkpoint.ts';
import { EXPORT_FILES, exportModel, PIXEL_DIVISOR } from '../model/export-layers.ts';
import { MultiHeadModel } from '../model/multi-head.ts';
import { readRunConfig, runningAgents, type RunConfig } from '../node/config.ts';
import { warn } from './common.ts';

interface ExportFlags {
  agent?: string;
  out: string;
}

const checkpointOf = (runDir: string, agent: string) => join(runDir, 'agents', agent, 'checkpoint.bin');

/** A list of names for a message: the first ten, and how many there are when more. */
const some = (names: readonly string[]) => (names.length > 10 ? `${names.slice(0, 10).join(', ')}, ... (${names.length} in all)` : names.join(', '));

/** The run's configuration, or one line saying why `runDir` is no run directory. */
function runConfigOf(runDir: string): RunConfig {
  const file = join(runDir, 'config.json');
  if (!existsSync(file)) throw new Error(`${runDir} is not a run directory (no config.json)`);
  return readRunConfig(file);
}

/** The agents to export: the one asked for, or every agent with a checkpoint; one line when there is none. */
function agentsToExport(runDir: string, config: RunConfig, wanted?: string): string[] {
  const agents = runningAgents(config);
  const hint = 'run with --checkpoint-every N';
  if (wanted !== undefined) {
    if (!agents.includes(wanted)) throw new Error(`unknown agent "${wanted}": the agents of ${runDir} are ${some(agents)}`);
    if (!existsSync(checkpointOf(runDir, wanted))) throw new Error(`agent ${wanted} of ${runDir} has no checkpoint: ${hint}`);
    return [wanted];
  }
  const withCheckpoint = agents.filter((a) => existsSync(checkpointOf(runDir, a)));
  if (withCheckpoint.length === 0) throw new Error(`${runDir} has no checkpoint: ${hint}`);
  const without = agents.filter((a) => !withCheckpoint.includes(a));
  if (without.length > 0) warn(`${some(without)} of ${runDir} ${without.length === 1 ? 'has' : 'have'} no checkpoint: not exported`);
  return withCheckpoint;
}

/** Refuses an --out that holds anything: an export never mixes with other files. */
function assertEmptyOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new Error(`--out ${out} exists and is not a directory`);
  if (readdirSync(out).length > 0) throw new Error(`--out ${out} exists and is not empty`);
}

/** The dataset's class names for heads.json; without them (the data moved away) the export still goes on. */
function classNamesOf(config: RunConfig): readonly string[] | undefined {
  try {
    return loadDataset(config.dataset).classNames;
  } catch (err) {
    warn(`no class names in heads.json: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

export function addExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      "write each agent's trained model (backbone and every head) as a TF.js LayersModel, DIR/AGENT/model.json and weights.bin, which tf.loadLayersModel loads, and heads.json: which output is which head, the classes, the input",
    )
    .argument('<run-dir>', 'a run directory (runs/...) whose agents wrote checkpoints (--checkpoint-every N)')
    .option('--agent <id>', 'export this agent only (default: every agent with a checkpoint)')
    .requiredOption('--out <dir>', 'the directory to write, new or empty: one folder per agent in it')
    .action(async (runDir: string, opts: ExportFlags) => {
      const config = runConfigOf(runDir);
      const agents = agentsToExport(runDir, config, opts.agent);
      assertEmptyOut(opts.out);
      await selectBackend();
      const classNames = classNamesOf(config);
      const shapes = new Set<string>();
      for (const agent of agents) {
        const cp = readCheckpoint(checkpointOf(runDir, agent));
        const model = new MultiHeadModel(cp.spec);
        try {
          model.setWeights(cp.weights);
          const round = Number(cp.meta.round);
          shapes.add(cp.spec.inputShape.join('x'));
          const dir = join(opts.out, agent);
          await exportModel(model, dir, { run: config.name, agent, round, classNames });
          console.log(`${agent}: ${cp.spec.backbone}, ${model.headCount} head${model.headCount === 1 ? '' : 's'}, after round ${round + 1} of ${config.rounds} -> ${dir}/ (${EXPORT_FILES.join(', ')})`);
        } finally {
          model.dispose();
        }
      }
      const what = `${agents.length} agent${agents.length === 1 ? '' : 's'}`;
      console.log(`exported ${what} of ${runDir} to ${opts.out}: input ${[...shapes].join(' or ')} pixels / ${PIXEL_DIVISOR}, one softmax output per head (heads.json)`);
    });
}
