// The commands around a run: `mhd data` (the split it would train on), `mhd report` (its summary and
// page, merging the machines of one run first), `mhd compare` (several runs side by side) and
// `mhd topology show`.
import { Option, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { EXPERIMENT_DEFAULTS, int } from '../cluster/run-options.ts';
import { prepareExperimentData } from '../data/experiment-data.ts';
import { formatComparison, writeComparison } from '../report/compare.ts';
import { mergeRunDirs } from '../report/merge.ts';
import { formatTable } from '../text/table.ts';
import { describeTopology } from '../topology/describe.ts';
import { loadTopology } from '../topology/load.ts';
import { renderTopologySvg } from '../topology/render-svg.ts';
import { printResults, rebuildReport, warn } from './common.ts';

interface DataFlags {
  dataset: string;
  partition: string;
  agents: number;
  private: number;
  public: number;
  val: number;
  seed: number;
}

export function addDataCommand(program: Command): void {
  program
    .command('data')
    .description("split a dataset into a public set and per-agent private data; print each agent's class histogram")
    .addOption(new Option('--dataset <name>', 'mnist, fashion-mnist, idx:DIR or cifar10:DIR').default('mnist'))
    .addOption(new Option('--partition <spec>', 'iid | skew:S:C | dirichlet:ALPHA | shards:K').default('skew:0.9:2'))
    .addOption(new Option('--agents <k>', 'number of agents').default(8).argParser(int('--agents', 1)))
    .addOption(new Option('--private <n>', 'private samples per agent').default(1000).argParser(int('--private', 1)))
    .addOption(new Option('--public <n>', 'public (unlabelled) samples').default(5000).argParser(int('--public', 0)))
    .addOption(new Option('--val <n>', 'labelled train rows held out as the validation set').default(EXPERIMENT_DEFAULTS.val).argParser(int('--val', 0)))
    .addOption(new Option('--seed <s>', 'seed of splits and partition').default(1).argParser(int('--seed', 0)))
    .action((opts: DataFlags) => {
      const data = prepareExperimentData({
        dataset: opts.dataset,
        partition: opts.partition,
        agents: opts.agents,
        privatePerAgent: opts.private,
        publicSize: opts.public,
        seed: opts.seed,
        valSize: opts.val,
      });
      const { dataset, split, partition } = data;
      console.log(`dataset ${dataset.name}: train ${dataset.train.n}, test ${dataset.test.n}, ${dataset.classes} classes, input ${dataset.inputShape.join('x')}`);
      console.log(`public set ${split.publicSet.n} (unlabelled), validation set ${split.valSet.n}, private pool ${split.privatePool.n}, partition ${opts.partition}, seed ${opts.seed}`);
      const header = ['agent', ...dataset.classNames.map((_, c) => String(c)), 'total'];
      const rows = partition.histograms.map((h, a) => [`a${a}`, ...h, h.reduce((x, y) => x + y, 0)]);
      console.log(formatTable(header, rows));
    });
}

export function addReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'rebuild summary.json, summary.csv and report.html of a run directory and print the table; the run directories of every machine of one run are first merged into --out',
    )
    .argument('<run-dirs...>', 'a run directory (runs/...), or one per machine of a run across machines')
    .option('--out <dir>', 'the run directory to merge the given ones into (needed for more than one)')
    .option('--baseline <dir>', "a baseline's run directory (e.g. --mode isolated): its curve is drawn in the report too")
    .action((dirs: string[], opts: { out?: string; baseline?: string }) => {
      let dir = dirs[0];
      if (dirs.length > 1 || opts.out !== undefined) {
        if (opts.out === undefined) throw new Error(`${dirs.length} run directories are merged into one run: give --out DIR for it`);
        for (const w of mergeRunDirs(dirs, opts.out)) warn(w);
        console.log(`merged ${dirs.join(', ')} into ${opts.out}`);
        dir = opts.out;
      }
      const { summary, reportFile } = rebuildReport(dir, opts.baseline);
      printResults(summary, dir, reportFile);
    });
}

export function addCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('one table and one self-contained page (compare.html) for several run directories: mean and min accuracy per round, bytes per round')
    .argument('<run-dirs...>', 'run directories (runs/...)')
    .option('--out <file>', 'the page to write', 'compare.html')
    .option('--title <text>', 'title of the page')
    .action((dirs: string[], opts: { out: string; title?: string }) => {
      const { runs, warnings } = writeComparison(opts.out, dirs.map((dir) => ({ dir })), opts.title);
      for (const w of warnings) warn(w);
      console.log(formatComparison(runs));
      console.log(`\npage: ${opts.out}`);
    });
}

export function addTopologyCommand(program: Command): void {
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
}
