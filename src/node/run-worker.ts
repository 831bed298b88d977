// A worker process of a local cluster: it hosts one or more agents, each still its own libp2p node with
// its own key, port, round loop and run-directory files, and loads the data and its split once for all
// of them. The launcher talks to it over Node's IPC channel (./ipc.ts), agent by agent.
import type { Peer } from '../network/round-service.ts';
import type { AgentId } from '../topology/types.ts';
import { StepBatcher } from '../learning/step-batcher.ts';
import { Agent } from './agent.ts';
import { loadRunData, type RunConfig } from './config.ts';
import type { ToAgent, ToLauncher } from './ipc.ts';

export interface WorkerOptions {
  config: RunConfig;
  agents: readonly AgentId[];
  runDir: string;
}

/**
 * How long a worker whose launcher is gone lets its agents finish their round before it ends anyway.
 * Metrics lines are written whole (synchronously), so what is on disk stays readable either way.
 */
export const ORPHAN_GRACE_MS = 30_000;

let launcherGone = false;

function tell(msg: ToLauncher): void {
  // A message on a closed channel (the launcher died, maybe a moment before its 'disconnect' reached
  // this process) is otherwise an 'error' event that nobody handles: the worker would crash.
  if (!launcherGone) process.send?.(msg, undefined, {}, () => undefined);
}

export async function runWorker(o: WorkerOptions): Promise<void> {
  if (!process.send) throw new Error('a worker runs under the cluster launcher (mhd cluster), not on its own');
  const stops = new Map(o.agents.map((a) => [a, new AbortController()]));
  const stopAll = () => stops.forEach((s) => s.abort());
  // Ctrl-C reaches every process of the terminal's group: each agent stops between rounds and leaves
  // its metrics readable, instead of dying mid-write.
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  // A launcher that died (killed, or quit at once on a second Ctrl-C that did not reach this process)
  // can stop this worker no more. Its agents stop after their current round and write their end
  // records, and the worker ends at the latest ORPHAN_GRACE_MS later (it used to crash on its next
  // message, mid-round, leaving agents with no end record).
  let orphanTimer: NodeJS.Timeout | undefined;
  const onDisconnect = () => {
    launcherGone = true;
    stopAll();
    orphanTimer = setTimeout(() => process.exit(1), ORPHAN_GRACE_MS).unref();
  };
  launcherGone = false;
  process.once('disconnect', onDisconnect);
  const agents = new Map<AgentId, Agent>();
  // One for the worker's agents: those of one model train as one stacked model (when the run says so).
  const batcher = new StepBatcher();
  let gotPeers: (peers: Record<string, Peer>) => void = () => undefined;
  const peers = new Promise<Record<string, Peer> | undefined>((resolve) => {
    gotPeers = resolve;
    // A stop before the peers arrive ends the worker without a run.
    for (const s of stops.values()) s.signal.addEventListener('abort', () => [...stops.values()].every((x) => x.signal.aborted) && resolve(undefined));
  });
  process.on('message', (m: ToAgent) => {
    if (m.type === 'peers') gotPeers(m.peers);
    else if (m.type === 'gone') agents.forEach((a) => a.markGone(m.agent));
    else if (m.type === 'stop') (m.agent === undefined ? stopAll() : stops.get(m.agent)?.abort());
  });
  try {
    loadRunData(o.config);
    for (const id of o.agents) {
      try {
        const agent = await Agent.create({
          agent: id,
          config: o.config,
          runDir: o.runDir,
          transport: 'tcp',
          listen: ['/ip4/127.0.0.1/tcp/0'],
          batcher,
          onRound: (r) => tell({ type: 'round', agent: r.agent, round: r.round, rounds: o.config.rounds, loss: r.loss.total, shared: r.eval?.sharedAccuracy, seconds: r.seconds }),
        });
        agents.set(id, agent);
        tell({ type: 'ready', agent: id, peerId: agent.peerId, addrs: agent.addrs });
      } catch (err) {
        // One agent that cannot start (its key, its port) does not take the others down.
        tell({ type: 'failed', agent: id, reason: (err as Error).message.split('\n')[0] });
      }
    }
    const map = await peers;
    if (map === undefined) return;
    await Promise.all(
      [...agents.values()].map(async (agent) => {
        agent.setPeers(map);
        const outcome = await agent.run(stops.get(agent.id)!.signal);
        // A stopped agent goes off the network at once, as its own process would.
        if (outcome === 'stopped') await agent.stop();
        tell({ type: 'done', agent: agent.id, outcome });
      }),
    );
  } finally {
    await Promise.all([...agents.values()].map((a) => a.stop()));
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
    process.off('disconnect', onDisconnect);
    clearTimeout(orphanTimer);
  }
}
