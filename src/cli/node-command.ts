// `mhd node` (one agent, for a cluster across machines), `mhd keys` (its identities and roster) and the
// cluster launcher's hidden `mhd worker`. Modules that pull in libp2p are imported by the commands
// that need them.
import type { Command } from 'commander';
import { join } from 'node:path';
import { assertNewRunDir } from '../cluster/run-dir.ts';
import { addExperimentOptions, buildRunConfig, defaultRunDir, type ExperimentOptions } from '../cluster/run-options.ts';
import { loadRunData, readRunConfig, runningAgents, writeRunConfig } from '../node/config.ts';
import { formatTable } from '../text/table.ts';
import { loadTopology } from '../topology/load.ts';
import { checkTaught, printResults, rebuildReport, startingIn } from './common.ts';

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

export function addNodeCommand(program: Command): void {
  addExperimentOptions(
    program
      .command('node')
      .description("run one agent: its id, the topology, a listen address, and a roster with a bootstrap address or its neighbours' multiaddrs (a cluster across machines)"),
  )
    .option('--agent <id>', 'which agent of the topology this node is (required unless --print-id)')
    .option('--roster <file>', "roster.yaml from `mhd keys`: every agent's peer id; neighbours are found by discovery")
    .option('--bootstrap <multiaddr...>', 'with --roster: peers to dial first (/p2p/<id> may be left out for a roster address)', [])
    .option('--mdns', 'with --roster: also discover peers on the local network by multicast DNS', false)
    .option('--listen <multiaddr>', 'address to listen on', '/ip4/127.0.0.1/tcp/0')
    .option('--peer <agent=multiaddr...>', "a neighbour's address, ending in /p2p/<peer id> (repeat for each)", [])
    .option('--key <file>', 'identity key file (created if missing; default agents/<id>/key in the run directory)')
    .option('--config <file>', 'a resolved config.json (as a cluster writes) instead of the experiment options')
    .option('--resume', 'continue from the last checkpoint in the run directory', false)
    .option('--print-id', 'print the peer id of --key (creating the key) and exit', false)
    .action(async (opts: ExperimentOptions & NodeFlags) => {
      const { assertReachable, parseListen, parsePeers, runNode } = await import('../node/run-node.ts');
      const { loadOrCreateKey, peerIdString } = await import('../network/identity.ts');
      const { keyFile, readRoster, resolveBootstrap, rosterDir } = await import('../network/roster.ts');
      if (opts.printId) {
        if (!opts.key) throw new Error('--print-id needs --key FILE');
        console.log(peerIdString(await loadOrCreateKey(opts.key)));
        return;
      }
      if (!opts.agent) throw new Error('missing --agent: which agent of the topology this node is');
      const agent = opts.agent;
      const roster = opts.roster ? readRoster(opts.roster) : undefined;
      if (!roster && (opts.bootstrap.length > 0 || opts.mdns)) throw new Error('--bootstrap and --mdns need --roster FILE (write one with `mhd keys`)');
      const config = opts.config ? readRunConfig(opts.config) : buildRunConfig(opts);
      const agents = runningAgents(config);
      if (!agents.includes(agent)) throw new Error(`unknown agent "${agent}": the run has ${agents.join(', ')}`);
      const runDir = opts.out ?? defaultRunDir(config.topology.name, `${config.mode}-${agent}`);
      // Every input is checked before anything is written: the run directory, peers, listen address, bootstrap, data.
      assertNewRunDir(runDir, { resume: opts.resume });
      const peers = opts.peer.length === 0 ? undefined : parsePeers(opts.peer);
      const listen = parseListen(opts.listen);
      if (roster) for (const b of opts.bootstrap) resolveBootstrap(roster, b);
      assertReachable({ config, agent, peers, roster });
      loadRunData(config);
      const key = opts.key ?? (opts.roster ? keyFile(rosterDir(opts.roster), agent) : undefined);
      await startingIn(runDir, async () => {
        writeRunConfig(runDir, config);
        const started = () => console.log(`node ${agent}: run directory ${runDir}`);
        await runNode({ config, agent, runDir, listen: [listen], keyFile: key, resume: opts.resume, peers, echoLog: true, roster, bootstrap: opts.bootstrap, mdns: opts.mdns, onStarted: started });
      });
      const { summary, reportFile } = rebuildReport(runDir);
      printResults(summary, runDir, reportFile);
      checkTaught(summary, 'no peers reached: check --peer/--roster');
      // libp2p's timers would keep the process alive; every file is written.
      process.exit(process.exitCode ?? 0);
    });
}

export function addKeysCommand(program: Command): void {
  program
    .command('keys')
    .description('write one identity key per agent of a topology and DIR/roster.yaml (peer ids, known addresses) for `node --roster`')
    .requiredOption('--topology <file>', 'topology file (YAML or JSON)')
    .requiredOption('--out <dir>', 'directory for <agent>.key files and roster.yaml (existing keys are kept)')
    .option('--addr <agent=multiaddr...>', 'a known listen address of an agent, written to the roster (repeat)', [])
    .action(async (opts: { topology: string; out: string; addr: string[] }) => {
      const { readRoster, writeKeys } = await import('../network/roster.ts');
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
}

/** The cluster launcher's worker: hosts some of a run's agents (not for direct use). */
export function addWorkerCommand(program: Command): void {
  program
    .command('worker', { hidden: true })
    .requiredOption('--agents <ids>', 'comma-separated agents to host')
    .requiredOption('--config <file>', 'the run configuration')
    .requiredOption('--out <dir>', 'the run directory')
    .action(async (opts: { agents: string; config: string; out: string }) => {
      const { runWorker } = await import('../node/run-worker.ts');
      await runWorker({ config: readRunConfig(opts.config), agents: opts.agents.split(','), runDir: opts.out });
    });
}
