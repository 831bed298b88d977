#!/usr/bin/env node
// mhd command line. Each command parses its options here and calls into the library; no logic lives here.
import { Command, Option } from 'commander';
import { prepareExperimentData } from './data/experiment-data.ts';
import { formatTable, percent } from './text/table.ts';
import { addExperimentOptions, buildRunConfig, defaultRunDir, int, type ExperimentOptions } from './cluster/run-options.ts';
import { simulate } from './cluster/simulate.ts';
import { launchCluster } from './cluster/launcher.ts';
import { createProgress } from './cluster/progress.ts';
import { buildRunReport } from './report/build.ts';
import { parseListen, parsePeers, runNode, StartupError } from './node/run-node.ts';
import { loadOrCreateKey, peerIdString } from './network/identity.ts';
import { loadRunData, readRunConfig, writeRunConfig, type RunConfig } from './node/config.ts';
import { formatBackend, selectBackend } from './model/backend.ts';
import { runningAgents } from './node/config.ts';
import { failedAgents, formatHeads, formatSummary } from './report/summary.ts';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { loadTopology } from './topology/load.ts';
import { describeTopology } from './topology/describe.ts';
import { renderTopologySvg } from './topology/render-svg.ts';

const program = new Command()
  .name('mhd')
  .description('Decentralized learning with multi-headed distillation: agents trade predictions on a public set over libp2p.')
  .configureHelp({ sortSubcommands: false });

program
  .command('data')
  .description("split a dataset into a public set and per-agent private data; print each agent's class histogram")
  .addOption(new Option('--dataset <name>', 'mnist, fashion-mnist or idx:DIR').default('mnist'))
  .addOption(new Option('--partition <spec>', 'iid | skew:S:C | dirichlet:ALPHA | shards:K').default('skew:0.9:2'))
  .addOption(new Option('--agents <k>', 'number of agents').default(8).argParser(int('--agents', 1)))
  .addOption(new Option('--private <n>', 'private samples per agent').default(1000).argParser(int('--private', 1)))
  .addOption(new Option('--public <n>', 'public (unlabelled) samples').default(5000).argParser(int('--public', 0)))
  .addOption(new Option('--seed <s>', 'seed of splits and partition').default(1).argParser(int('--seed', 0)))
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

/** Rebuilds a run's summary and report, saying which torn metrics lines were skipped. */
function report(runDir: string): ReturnType<typeof buildRunReport> {
  const built = buildRunReport(runDir);
  for (const s of built.skipped) console.error(`warning: skipped a torn line: ${s}`);
  return built;
}

/**
 * Runs the start of a command that creates `runDir`: on a StartupError, whatever it created of the run
 * directory is removed (a directory that was there before, e.g. for --resume, is left as it was).
 */
async function startingIn<T>(runDir: string, start: () => Promise<T>): Promise<T> {
  const existed = existsSync(runDir);
  try {
    return await start();
  } catch (err) {
    if (err instanceof StartupError && !existed) rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
}

/** Resolves the options, warns about the topology, picks the backend: the start of every run command. */
async function prepareRun(opts: ExperimentOptions): Promise<{ config: RunConfig; runDir: string; backend: string }> {
  const config = buildRunConfig(opts);
  // The data is loaded and split once here (memoised), so that bad data fails before anything is printed or written.
  loadRunData(config);
  for (const w of config.topology.warnings) console.warn(`warning: ${w}`);
  const backend = formatBackend(await selectBackend(config.backend));
  return { config, runDir: opts.out ?? defaultRunDir(config.topology.name, config.mode), backend };
}

addExperimentOptions(
  program
    .command('simulate')
    .description('run every agent in this process, each a real libp2p node on loopback TCP, and print per-agent accuracy per head'),
).action(async (opts: ExperimentOptions) => {
  const { config, runDir, backend } = await prepareRun(opts);
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
  console.log(`\nreport: ${runDir}/report.html`);
});

addExperimentOptions(
  program
    .command('cluster')
    .description('launch one OS process per agent (libp2p over 127.0.0.1 TCP, Noise, yamux), show progress, print per-agent accuracy'),
).action(async (opts: ExperimentOptions) => {
  const { config, runDir, backend } = await prepareRun(opts);
  const agents = runningAgents(config);
  console.log(`cluster: ${config.mode} on ${config.topology.name}, ${agents.length} agent processes, ${config.rounds} rounds, ${config.dataset} ${config.partition}, backend ${backend}`);
  console.log(`run directory: ${runDir}`);
  const stop = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) console.log('\nstopping every agent after its current round (Ctrl-C again to quit at once)...');
    else process.exit(130);
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = createProgress(agents, config.rounds);
  const result = await startingIn(runDir, () => launchCluster(config, runDir, { signal: stop.signal, onEvent: (e) => progress.update(e) })).finally(() =>
    progress.stop(),
  );
  process.off('SIGINT', onSigint);
  const { summary, reportFile } = report(runDir);
  console.log('');
  console.log(formatSummary(summary));
  console.log(`\nresults: ${runDir} (summary.json, summary.csv, agents/*/metrics.jsonl); report: ${reportFile}`);
  // The agents' last word decides: one the launcher saw crash but that was restarted and finished is no failure.
  const failed = failedAgents(summary);
  if (failed.length > 0) {
    console.error(`\n${failed.length} agent(s) failed: ${failed.map((a) => `${a} (${result.failed[a] ?? 'no end record'})`).join(', ')}`);
    process.exitCode = 1;
  }
  if (result.interrupted) process.exitCode = 130;
});

addExperimentOptions(
  program
    .command('node')
    .description('run one agent: its id, the topology, a listen address and its neighbours\' multiaddrs (a cluster across machines)'),
)
  .option('--agent <id>', 'which agent of the topology this node is (required unless --print-id)')
  .option('--listen <multiaddr>', 'address to listen on', '/ip4/127.0.0.1/tcp/0')
  .option('--peer <agent=multiaddr...>', "a neighbour's address, ending in /p2p/<peer id> (repeat for each)", [])
  .option('--key <file>', 'identity key file (created if missing; default agents/<id>/key in the run directory)')
  .option('--config <file>', "a resolved config.json (as a cluster writes) instead of the experiment options")
  .option('--resume', 'continue from the last checkpoint in the run directory', false)
  .option('--print-id', 'print the peer id of --key (creating the key) and exit', false)
  .action(async (opts: ExperimentOptions & { agent?: string; listen: string; peer: string[]; key?: string; config?: string; resume: boolean; printId: boolean }) => {
    if (opts.printId) {
      if (!opts.key) throw new Error('--print-id needs --key FILE');
      console.log(peerIdString(await loadOrCreateKey(opts.key)));
      return;
    }
    if (!opts.agent) throw new Error("missing --agent: which agent of the topology this node is");
    const agent = opts.agent;
    const config = opts.config ? readRunConfig(opts.config) : buildRunConfig(opts);
    const runDir = opts.out ?? defaultRunDir(config.topology.name, `${config.mode}-${agent}`);
    const launched = process.env.MHD_AGENT_PROCESS === '1';
    // Every input is checked before anything is written: peers, listen address, data.
    const peers = launched && opts.peer.length === 0 ? undefined : parsePeers(opts.peer);
    const listen = parseListen(opts.listen);
    if (!launched) loadRunData(config);
    await startingIn(runDir, async () => {
      if (!launched) {
        writeRunConfig(runDir, config);
        console.log(`node ${agent}: run directory ${runDir}`);
      }
      await runNode({ config, agent: agent, runDir, listen: [listen], keyFile: opts.key, resume: opts.resume, peers, echoLog: !launched });
    });
    if (!launched) {
      const { summary } = report(runDir);
      console.log(formatHeads(summary));
    }
    // The IPC channel and libp2p's timers would keep the process alive; every file is written.
    process.exit(0);
  });

program
  .command('report')
  .description('rebuild summary.json, summary.csv and report.html of a run directory and print the table')
  .argument('<run-dir>', 'a run directory (runs/...)')
  .action((dir: string) => {
    const { summary, reportFile } = report(dir);
    console.log(formatSummary(summary));
    console.log('');
    console.log(formatHeads(summary));
    console.log(`\nreport: ${reportFile}`);
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

/** A usage error is one line and a pointer to the command's help, never the whole help. */
function oneLineErrors(cmd: Command, path: string): void {
  cmd.configureOutput({ outputError: (str, write) => write(`mhd: ${str.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()} (see ${path} --help)\n`) });
  for (const sub of cmd.commands) oneLineErrors(sub, `${path} ${sub.name()}`);
}
oneLineErrors(program, 'mhd');

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // One line, no stack: whatever a library put in its message.
  console.error(`mhd: ${(err as Error).message.replace(/\s*\n\s*/g, ' ').trim()}`);
  process.exitCode = 1;
}
// An agent process of a cluster exits as soon as its command is done (its IPC channel would keep it up).
if (process.env.MHD_AGENT_PROCESS === '1') process.exit(process.exitCode ?? 0);
