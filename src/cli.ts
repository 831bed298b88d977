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
import { parsePeers, runNode } from './node/run-node.ts';
import { loadOrCreateKey, peerIdString } from './network/identity.ts';
import { keyFile, readRoster, rosterDir, writeKeys } from './network/roster.ts';
import { readRunConfig, writeRunConfig, type RunConfig } from './node/config.ts';
import { formatBackend, selectBackend } from './model/backend.ts';
import { runningAgents } from './node/config.ts';
import { formatHeads, formatSummary } from './report/summary.ts';
import { writeFileSync } from 'node:fs';
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
  .showHelpAfterError()
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

/** Resolves the options, warns about the topology, picks the backend: the start of every run command. */
async function prepareRun(opts: ExperimentOptions): Promise<{ config: RunConfig; runDir: string; backend: string }> {
  const config = buildRunConfig(opts);
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
  const result = await launchCluster(config, runDir, { signal: stop.signal, onEvent: (e) => progress.update(e) });
  progress.stop();
  process.off('SIGINT', onSigint);
  const { summary, reportFile } = buildRunReport(runDir);
  console.log('');
  console.log(formatSummary(summary));
  console.log(`\nresults: ${runDir} (summary.json, summary.csv, agents/*/metrics.jsonl); report: ${reportFile}`);
  const failed = Object.entries(result.failed);
  if (failed.length > 0) {
    console.error(`\n${failed.length} agent(s) failed: ${failed.map(([a, why]) => `${a} (${why})`).join(', ')}`);
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
    const launched = process.env.MHD_AGENT_PROCESS === '1';
    if (!launched) {
      writeRunConfig(runDir, config);
      console.log(`node ${agent}: run directory ${runDir}`);
    }
    const peers = launched && opts.peer.length === 0 ? undefined : parsePeers(opts.peer);
    const key = opts.key ?? (opts.roster ? keyFile(rosterDir(opts.roster), agent) : undefined);
    await runNode({ config, agent, runDir, listen: [opts.listen], keyFile: key, resume: opts.resume, peers, echoLog: !launched, roster, bootstrap: opts.bootstrap, mdns: opts.mdns });
    if (!launched) {
      const { summary } = buildRunReport(runDir);
      console.log(formatHeads(summary));
    }
    // The IPC channel and libp2p's timers would keep the process alive; every file is written.
    process.exit(0);
  });

program
  .command('keys')
  .description('write one identity key per agent of a topology and DIR/roster.yaml (peer ids, known addresses) for `node --roster`')
  .requiredOption('--topology <file>', 'topology file (YAML or JSON)')
  .requiredOption('--out <dir>', 'directory for <agent>.key files and roster.yaml (existing keys are kept)')
  .option('--addr <agent=multiaddr...>', 'a known listen address of an agent, written to the roster (repeat)', [])
  .action(async (opts: { topology: string; out: string; addr: string[] }) => {
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

program
  .command('report')
  .description('rebuild summary.json, summary.csv and report.html of a run directory and print the table')
  .argument('<run-dir>', 'a run directory (runs/...)')
  .action((dir: string) => {
    const { summary, reportFile } = buildRunReport(dir);
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

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`mhd: ${(err as Error).message}`);
  process.exitCode = 1;
}
// An agent process of a cluster exits as soon as its command is done (its IPC channel would keep it up).
if (process.env.MHD_AGENT_PROCESS === '1') process.exit(process.exitCode ?? 0);
