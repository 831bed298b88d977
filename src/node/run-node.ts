// One agent as its own OS process: the body of `mhd node`, which the cluster launcher also spawns.
// Peers come from the command line (a node on another machine) or from the launcher over IPC.
import type { ToAgent, ToLauncher } from './ipc.ts';
import type { TransportKind } from '../network/host.ts';
import type { Peer } from '../network/round-protocol.ts';
import { Agent } from './agent.ts';
import type { RunConfig } from './config.ts';

export interface NodeOptions {
  config: RunConfig;
  agent: string;
  runDir: string;
  listen: string[];
  keyFile?: string;
  resume?: boolean;
  /** Peers given up front; absent when the launcher sends them over IPC. */
  peers?: Record<string, Peer>;
  transport?: TransportKind;
  echoLog?: boolean;
}

function tell(msg: ToLauncher): void {
  process.send?.(msg);
}

export async function runNode(o: NodeOptions): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  // Ctrl-C reaches every process of the terminal's group: each agent stops between rounds and leaves
  // its metrics readable, instead of dying mid-write.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const agent = await Agent.create({
    agent: o.agent,
    config: o.config,
    runDir: o.runDir,
    transport: o.transport ?? 'tcp',
    listen: o.listen,
    keyFile: o.keyFile,
    resume: o.resume,
    echoLog: o.echoLog,
    onRound: (r) =>
      tell({ type: 'round', agent: r.agent, round: r.round, rounds: o.config.rounds, loss: r.loss.total, shared: r.eval?.sharedAccuracy, seconds: r.seconds }),
  });
  try {
    let peers = o.peers;
    if (!peers) {
      if (!process.send) throw new Error('no peers given (use --peer AGENT=MULTIADDR) and no launcher to ask');
      const got = new Promise<Record<string, Peer>>((resolve, reject) => {
        process.on('message', (m: ToAgent) => {
          if (m.type === 'peers') resolve(m.peers);
          if (m.type === 'stop') {
            stop.abort();
            reject(new Error('stopped by the launcher before the run began'));
          }
        });
      });
      tell({ type: 'ready', agent: agent.id, peerId: agent.peerId, addrs: agent.addrs });
      peers = await got;
    } else {
      process.on('message', (m: ToAgent) => m.type === 'stop' && stop.abort());
    }
    agent.setPeers(peers);
    const outcome = await agent.run(stop.signal);
    tell({ type: 'done', agent: agent.id, outcome });
  } finally {
    await agent.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Parses `--peer AGENT=MULTIADDR` values (the multiaddr ends in /p2p/<peer id>). */
export function parsePeers(values: readonly string[]): Record<string, Peer> {
  const peers: Record<string, Peer> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Error(`bad --peer "${v}": expected AGENT=MULTIADDR, e.g. a1=/ip4/10.0.0.2/tcp/4001/p2p/12D3KooW...`);
    const agent = v.slice(0, eq);
    const addr = v.slice(eq + 1);
    const m = /\/p2p\/([^/]+)$/.exec(addr);
    if (!m) throw new Error(`bad --peer "${v}": the multiaddr must end in /p2p/<peer id> (the id the peer prints at start)`);
    const prev = peers[agent];
    if (prev && prev.peerId !== m[1]) throw new Error(`bad --peer "${v}": ${agent} was given two peer ids`);
    peers[agent] = { agent, peerId: m[1], addrs: [...(prev?.addrs ?? []), addr] };
  }
  return peers;
}
