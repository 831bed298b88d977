// One agent as its own OS process: the body of `mhd node`, which the cluster launcher also spawns.
// Peers come from the command line (a node on another machine) or from the launcher over IPC.
import { multiaddr } from '@multiformats/multiaddr';
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

/**
 * An error before the agent's first round (its data, its listen address, its identity): the command
 * that started it removes the run directory it created, and prints the message as its one line.
 */
export class StartupError extends Error {
  override name = 'StartupError';
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
  let agent: Agent;
  try {
    agent = await Agent.create({
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
  } catch (err) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw new StartupError((err as Error).message, { cause: err });
  }
  try {
    let peers = o.peers;
    let gotPeers: (peers: Record<string, Peer>) => void = () => undefined;
    let stopped: (err: Error) => void = () => undefined;
    const got = new Promise<Record<string, Peer>>((resolve, reject) => {
      gotPeers = resolve;
      stopped = reject;
    });
    process.on('message', (m: ToAgent) => {
      if (m.type === 'peers') gotPeers(m.peers);
      else if (m.type === 'gone') agent.markGone(m.agent);
      else if (m.type === 'stop') {
        stop.abort();
        stopped(new Error('stopped by the launcher before the run began'));
      }
    });
    if (!peers) {
      if (!process.send) throw new Error('no peers given (use --peer AGENT=MULTIADDR) and no launcher to ask');
      tell({ type: 'ready', agent: agent.id, peerId: agent.peerId, addrs: agent.addrs });
      peers = await got;
    } else {
      // Nobody awaits it: a late stop must not be an unhandled rejection.
      got.catch(() => undefined);
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

/** Checks a `--listen` value: a multiaddr such as /ip4/0.0.0.0/tcp/4001. */
export function parseListen(value: string): string {
  try {
    return multiaddr(value).toString();
  } catch (err) {
    throw new Error(`bad --listen "${value}": ${(err as Error).message} (expected a multiaddr such as /ip4/0.0.0.0/tcp/4001)`);
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
