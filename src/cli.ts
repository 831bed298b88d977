#!/usr/bin/env node
// mhd command line. Each command parses its options here and calls into the library; no logic lives here.
import { Command, InvalidArgumentError, Option } from 'commander';
import { prepareExperimentData } from './data/experiment-data.ts';
import { formatTable, percent } from './report/table.ts';
import { addExperimentOptions, buildRunConfig, defaultRunDir, type ExperimentOptions } from './cluster/run-options.ts';
import { simulate } from './cluster/simulate.ts';
import { formatBackend, selectBackend } from './model/backend.ts';
import { runningAgents } from './node/config.ts';
import { formatHeads, formatSummary } from './report/summary.ts';
import { writeFileSync } from 'node:fs';
import { loadTopology } from './topology/load.ts';
import { describeTopology } from './topology/describe.ts';
import { renderTopologySvg } from './topology/render-svg.ts';

export function intOption(name: string, min = 0) {
  return (raw: string): number => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${raw}"`);
    return v;
  };
}

const program = new Command()
  .name('mhd')
  .description('Decentralized learning with multi-headed distillation: agents trade predictions on a public set over libp2p.')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: false });

program
  .command('data')
  .description("split a dataset into a public set and per-agent private data; print each agent's class histogram")
  .addOption(new Option('--dataset <name>', 'mnist, fashion-mnist or idx:DIR').default('mnist'))
  .addOption(new Option('--partition <spec>', 'iid | skew:S:C | dirichlet:ALPHA | shards:K').default('skew:0.9:2'))
  .addOption(new Option('--agents <k>', 'number of agents').default(8).argParser(intOption('--agents', 1)))
  .addOption(new Option('--private <n>', 'private samples per agent').default(1000).argParser(intOption('--private', 1)))
  .addOption(new Option('--public <n>', 'public (unlabelled) samples').default(5000).argParser(intOption('--public', 0)))
  .addOption(new Option('--seed <s>', 'seed of splits and partition').default(1).argParser(intOption('--seed')))
  .action((opts: { dataset: string; partition: string; agents: number; private: number; public: number; seed: number }) => {
    const data = prepareExperimentData({
      dataset: opts.dataset,
      partition: opts.partition,
      agents: opts.agents,
      privatePerAgent: opts.private,
      publicSize: opts.public,
      seed: opts.seed,
    });
    const { dataset, split, partition } = data;
    console.log(`dataset ${dataset.name}: train ${dataset.train.n}, test ${dataset.test.n}, ${dataset.classes} classes, input ${dataset.inputShape.join('x')}`);
    console.log(`public set ${split.publicSet.n} (unlabelled), private pool ${split.privatePool.n}, partition ${opts.partition}, seed ${opts.seed}`);
    const header = ['agent', ...dataset.classNames.map((_, c) => String(c)), 'total'];
    const rows = partition.histograms.map((h, a) => [`a${a}`, ...h, h.reduce((x, y) => x + y, 0)]);
    console.log(formatTable(header, rows));
  });

addExperimentOptions(
  program
    .command('simulate')
    .description('run every agent in this process, each a real libp2p node on loopback TCP, and print per-agent accuracy per head'),
).action(async (opts: ExperimentOptions) => {
  const config = buildRunConfig(opts);
  const runDir = opts.out ?? defaultRunDir(config.topology.name, config.mode);
  for (const w of config.topology.warnings) console.warn(`warning: ${w}`);
  const backend = formatBackend(await selectBackend(config.backend));
  console.log(`simulating ${config.mode} on ${config.topology.name} (${runningAgents(config).length} agents), ${config.rounds} rounds, backend ${backend}`);
  console.log(`run directory: ${runDir}`);
  const summary = await simulate(config, runDir, {
    onRound: (r) => {
      if (r.eval) console.log(`  ${r.agent} round ${r.round}: shared ${r.eval.sharedAccuracy.map((a) => percent(a)).join(' ')}`);
    },
  });
  console.log('');
  console.log(formatSummary(summary));
  console.log('');
  console.log(formatHeads(summary));
});

const topology = program.command('topology').description('inspect topology files');
topology
  .command('show')
  .description('print agents, edges, degrees, diameter and connectivity of a topology file')
  .argument('<file>', 'topology file (YAML or JSON)')
  .option('--svg <out.svg>', 'also write a drawing of the graph')
  .action((file: string, opts: { svg?: string }) => {
    const t = loadTopology(file);
    console.log(describeTopology(t));
    if (opts.svg) {
      writeFileSync(opts.svg, renderTopologySvg(t));
      console.log(`drawing written to ${opts.svg}`);
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`mhd: ${(err as Error).message}`);
  process.exitCode = 1;
}
