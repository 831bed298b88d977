#!/usr/bin/env node
// mhd command line. Each command parses its options here and calls into the library; no logic lives here.
// Modules that pull in libp2p are imported by the commands that need them: a cluster's launcher then
// starts in a fraction of the time, before its workers, which pay for those imports themselves.
import { Command, Option } from 'commander';
import { prepareExperimentData } from './data/experiment-data.ts';
import { formatTable, percent } from './text/table.ts';
import { addExperimentOptions, buildRunConfig, EXPERIMENT_DEFAULTS, defaultRunDir, int, processCount, type ExperimentOptions } from './cluster/run-options.ts';
import { assignWorkers, launchCluster, type ProcessCount } from './cluster/launcher.ts';
import { createProgress } from './cluster/progress.ts';
import { buildRunReport } from './report/build.ts';
import { formatComparison, writeComparison } from './report/compare.ts';
import { StartupError } from './node/errors.ts';
import { loadRunData, readRunConfig, writeRunConfig, type RunConfig } from './node/config.ts';
import { formatBackend } from './model/backend.ts';
import { chooseBackend, describeChoice } from './model/backend-choice.ts';
import { runningAgents } from './node/config.ts';
import { failedAgents, formatHeads, formatSummary } from './report/summary.ts';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTopology } from './topology/load.ts';
import { describeTopology } from './topology/describe.ts';
import { renderTopologySvg } from './topology/render-svg.ts';

interface NodeFlags {
  agent?: string;
  listen: string;
  peer: string[];
  key?: string;
  config?: string;
  resume: boolean;
  printId: boolean;
  roster?: string;
  bootstrap: string[];
  mdns: boolean;
}

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
  .addOption(new Option('--val <n>', 'labelled train rows held out as the validation set').default(EXPERIMENT_DEFAULTS.val).argParser(int('--val', 0)))
  .addOption(new Option('--seed <s>', 'seed of splits and partition').default(1).argParser(int('--seed', 0)))
  .action((opts: { dataset: string; partition: string; agents: number; private: number; public: number; val: number; seed: number }) => {
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
  const choice = await chooseBackend(Object.values(config.profiles).map((p) => p.profile.backbone), config.backend);
  console.log(`backend ${describeChoice(choice)}`);
  // Workers and resumed agents use the backend chosen here.
  config.backend ??= choice.info.name;
  const backend = formatBackend(choice.info);
  return { config, runDir: opts.out ?? defaultRunDir(config.topology.name, config.mode), backend };
}

addExperimentOptions(
  program
    .command('simulate')
    .description('run every agent in this process, each a real libp2p node on loopback TCP, and print per-agent accuracy per head'),
).action(async (opts: ExperimentOptions) => {
  const { config, runDir, backend } = await prepareRun(opts);
  const { simulate } = await import('./cluster/simulate.ts');
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
    .description('launch every agent as a libp2p node on 127.0.0.1 TCP (Noise, yamux) in a pool of worker processes, show progress, print per-agent accuracy'),
)
  .addOption(new Option('--processes <n|agents>', 'worker processes: a count, or "agents" for one per agent (default: one per core)').argParser(processCount))
  .action(async (opts: ExperimentOptions & { processes?: ProcessCount }) => {
  const { config, runDir, backend } = await prepareRun(opts);
  const agents = runningAgents(config);
  const workers = assignWorkers(agents, opts.processes).length;
  console.log(`cluster: ${config.mode} on ${config.topology.name}, ${agents.length} agents in ${workers} processes, ${config.rounds} rounds, ${config.dataset} ${config.partition}, backend ${backend}`);
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
  const result = await startingIn(runDir, () => launchCluster(config, runDir, { signal: stop.signal, processes: opts.processes, onEvent: (e) => progress.update(e) })).finally(() =>
    progress.stop(),
  );
  process.off('SIGINT', onSigint);
  const { summary, reportFile } = report(runDir);
  console.log('');
  console.log(formatSummary(summary));
  console.log(`\nresults: ${runDir} (summary.json, summary.csv, agents/*/metrics.jsonl); report: ${reportFile}`);
  // The agents' last word decides: one the launcher saw crash but that was restarted and finished is no failure.
  // An agent that never started has no metrics, so no say of its own: the launcher's word stands.
  const listed = new Set(summary.agents.map((a) => a.id));
  const failed = [...failedAgents(summary), ...Object.keys(result.failed).filter((a) => !listed.has(a))];
  if (failed.length > 0) {
    console.error(`\n${failed.length} agent(s) failed: ${failed.map((a) => `${a} (${result.failed[a] ?? 'no end record'})`).join(', ')}`);
    process.exitCode = 1;
  }
  if (result.interrupted) process.exitCode = 130;
});

addExperimentOptions(
  program
    .command('node')
    .description('run one agent: its id, the topology, a listen address, and a roster with a bootstrap address or its neighbours\' multiaddrs (a cluster across machines)'),
)
  .option('--agent <id>', 'which agent of the topology this node is (required unless --print-id)')
  .option('--roster <file>', 'roster.yaml from `mhd keys`: every agent\'s peer id; neighbours are found by discovery')
  .option('--bootstrap <multiaddr...>', 'with --roster: peers to dial first (/p2p/<id> may be left out for a roster address)', [])
  .option('--mdns', 'with --roster: also discover peers on the local network by multicast DNS', false)
  .option('--listen <multiaddr>', 'address to listen on', '/ip4/127.0.0.1/tcp/0')
  .option('--peer <agent=multiaddr...>', "a neighbour's address, ending in /p2p/<peer id> (repeat for each)", [])
  .option('--key <file>', 'identity key file (created if missing; default agents/<id>/key in the run directory)')
  .option('--config <file>', "a resolved config.json (as a cluster writes) instead of the experiment options")
  .option('--resume', 'continue from the last checkpoint in the run directory', false)
  .option('--print-id', 'print the peer id of --key (creating the key) and exit', false)
  .action(async (opts: ExperimentOptions & NodeFlags) => {
    const { parseListen, parsePeers, runNode } = await import('./node/run-node.ts');
    const { loadOrCreateKey, peerIdString } = await import('./network/identity.ts');
    const { keyFile, readRoster, rosterDir } = await import('./network/roster.ts');
    if (opts.printId) {
      if (!opts.key) throw new Error('--print-id needs --key FILE');
      console.log(peerIdString(await loadOrCreateKey(opts.key)));
      return;
    }
    if (!opts.agent) throw new Error("missing --agent: which agent of the topology this node is");
    const agent = opts.agent;
    const roster = opts.roster ? readRoster(opts.roster) : undefined;
    if (!roster && (opts.bootstrap.length > 0 || opts.mdns)) throw new Error('--bootstrap and --mdns need --roster FILE (write one with `mhd keys`)');
    const config = opts.config ? readRunConfig(opts.config) : buildRunConfig(opts);
    const runDir = opts.out ?? defaultRunDir(config.topology.name, `${config.mode}-${agent}`);
    // Every input is checked before anything is written: peers, listen address, data.
    const peers = opts.peer.length === 0 ? undefined : parsePeers(opts.peer);
    const listen = parseListen(opts.listen);
    loadRunData(config);
    const key = opts.key ?? (opts.roster ? keyFile(rosterDir(opts.roster), agent) : undefined);
    await startingIn(runDir, async () => {
      writeRunConfig(runDir, config);
      console.log(`node ${agent}: run directory ${runDir}`);
      await runNode({ config, agent, runDir, listen: [listen], keyFile: key, resume: opts.resume, peers, echoLog: true, roster, bootstrap: opts.bootstrap, mdns: opts.mdns });
    });
    const { summary } = report(runDir);
    console.log(formatHeads(summary));
    // libp2p's timers would keep the process alive; every file is written.
    process.exit(0);
  });

program
  .command('keys')
  .description('write one identity key per agent of a topology and DIR/roster.yaml (peer ids, known addresses) for `node --roster`')
  .requiredOption('--topology <file>', 'topology file (YAML or JSON)')
  .requiredOption('--out <dir>', 'directory for <agent>.key files and roster.yaml (existing keys are kept)')
  .option('--addr <agent=multiaddr...>', 'a known listen address of an agent, written to the roster (repeat)', [])
  .action(async (opts: { topology: string; out: string; addr: string[] }) => {
    const { readRoster, writeKeys } = await import('./network/roster.ts');
    const t = loadTopology(opts.topology);
    const addrs: Record<string, string[]> = {};
    for (const v of opts.addr) {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new Error(`bad --addr "${v}": expected AGENT=MULTIADDR, e.g. a0=/ip4/10.0.0.1/tcp/4001`);
      (addrs[v.slice(0, eq)] ??= []).push(v.slice(eq + 1));
    }
    const file = await writeKeys({ agents: t.agents, dir: opts.out, topology: t.name, addrs });
    const roster = readRoster(file);
    console.log(formatTable(['agent', 'peer id', 'addresses'], t.agents.map((a) => [a, roster.agents[a].peerId, roster.agents[a].addrs.join(' ')])));
    console.log(`\nkeys: ${join(opts.out, '<agent>.key')} (copy each to its machine); roster: ${file} (copy to every machine)`);
  });

// The cluster launcher's worker: hosts some of a run's agents (not for direct use).
program
  .command('worker', { hidden: true })
  .requiredOption('--agents <ids>', 'comma-separated agents to host')
  .requiredOption('--config <file>', 'the run configuration')
  .requiredOption('--out <dir>', 'the run directory')
  .action(async (opts: { agents: string; config: string; out: string }) => {
    const { runWorker } = await import('./node/run-worker.ts');
    await runWorker({ config: readRunConfig(opts.config), agents: opts.agents.split(','), runDir: opts.out });
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

program
  .command('compare')
  .description('one table and one self-contained page (compare.html) for several run directories: mean and min accuracy per round, bytes per round')
  .argument('<run-dirs...>', 'run directories (runs/...)')
  .option('--out <file>', 'the page to write', 'compare.html')
  .option('--title <text>', 'title of the page')
  .action((dirs: string[], opts: { out: string; title?: string }) => {
    const runs = writeComparison(opts.out, dirs.map((dir) => ({ dir })), opts.title);
    console.log(formatComparison(runs));
    console.log(`\npage: ${opts.out}`);
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
// A cluster's worker process exits as soon as its command is done (its IPC channel would keep it up).
if (process.env.MHD_AGENT_PROCESS === '1') process.exit(process.exitCode ?? 0);
