// One agent on its own: the body of `mhd node`, for a cluster across machines. Peers come from the
// command line (`--peer`), or from a roster whose addresses discovery finds (`--roster`, `--bootstrap`,
// `--mdns`); `--peer` wins where both name an agent. The local cluster runs the same Agent in workers
// (./run-worker.ts).
import { existsSync } from 'node:fs';
import { multiaddr } from '@multiformats/multiaddr';
import type { TransportKind } from '../network/host.ts';
import { loadOrCreateKey, peerIdString } from '../network/identity.ts';
import type { Peer } from '../network/round-service.ts';
import { checkOwnEntry, resolveBootstrap, rosterPeers, RosterMismatchError, type Roster } from '../network/roster.ts';
import { inNeighbours } from '../topology/types.ts';
import { Agent } from './agent.ts';
import { runningAgents, type RunConfig } from './config.ts';
import { StartupError } from './errors.ts';

export interface NodeOptions {
  config: RunConfig;
  agent: string;
  runDir: string;
  listen: string[];
  keyFile?: string;
  resume?: boolean;
  /** Neighbours' addresses given on the command line. */
  peers?: Record<string, Peer>;
  transport?: TransportKind;
  echoLog?: boolean;
  /** Every agent's peer id (the allow-list); addresses of the rest are found by discovery. */
  roster?: Roster;
  /** Multiaddrs to dial first (with /p2p/<id>, or a roster address without it). */
  bootstrap?: string[];
  /** Also look on the local network with multicast DNS. */
  mdns?: boolean;
  /** Called once the agent is up (its run directory written, its host listening), before its first round. */
  onStarted?: (agent: Agent) => void;
}

/**
 * Refuses a node that could learn from nobody: its mode exchanges, the topology gives it neighbours to
 * learn from, and it has neither a roster (discovery) nor a --peer for any of them.
 */
export function assertReachable(o: Pick<NodeOptions, 'config' | 'agent' | 'peers' | 'roster'>): void {
  if (o.roster || o.config.mode === 'isolated' || o.config.mode === 'central') return;
  const teachers = inNeighbours(o.config.topology, o.agent);
  if (teachers.length === 0 || teachers.some((t) => o.peers?.[t])) return;
  const given = Object.keys(o.peers ?? {});
  throw new Error(
    `${o.agent} learns from ${teachers.join(', ')} in ${o.config.topology.name}, but ${given.length ? `--peer names only ${given.join(', ')}` : 'no peer is given'}: ` +
      `give --peer AGENT=MULTIADDR for its neighbours, or --roster FILE (from \`mhd keys\`) to find them`,
  );
}

/** Checks the roster against the run and the key; returns the agent's peers and discovery options. */
async function fromRoster(o: NodeOptions, roster: Roster): Promise<Pick<Parameters<typeof Agent.create>[0], 'peers' | 'discovery'>> {
  const lacking = runningAgents(o.config).filter((a) => !roster.agents[a]);
  if (lacking.length > 0) throw new RosterMismatchError(`${roster.source} lacks ${lacking.join(', ')} of the run's topology`);
  if (!o.keyFile || !existsSync(o.keyFile)) throw new RosterMismatchError(`no key file ${o.keyFile ?? ''} for ${o.agent}: write keys and roster with \`mhd keys\``);
  checkOwnEntry(roster, o.agent, peerIdString(await loadOrCreateKey(o.keyFile)), o.keyFile);
  // --peer wins where given.
  const peers = { ...rosterPeers(roster), ...(o.peers ?? {}) };
  const bootstrap = (o.bootstrap ?? []).map((b) => resolveBootstrap(roster, b));
  return { peers, discovery: { bootstrap, dht: true, mdns: o.mdns ?? false } };
}

export async function runNode(o: NodeOptions): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  // Ctrl-C stops the agent between rounds and leaves its metrics readable, instead of dying mid-write.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let agent: Agent;
  let peers: Record<string, Peer>;
  try {
    assertReachable(o);
    const discovered = o.roster ? await fromRoster(o, o.roster) : {};
    peers = discovered.peers ?? o.peers ?? {};
    agent = await Agent.create({ ...discovered, agent: o.agent, config: o.config, runDir: o.runDir, transport: o.transport ?? 'tcp', listen: o.listen, keyFile: o.keyFile, resume: o.resume, echoLog: o.echoLog });
  } catch (err) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    throw new StartupError((err as Error).message, { cause: err });
  }
  const discovering = new AbortController();
  try {
    agent.setPeers(peers);
    o.onStarted?.(agent);
    const search = agent.discover(discovering.signal);
    await agent.run(stop.signal);
    discovering.abort();
    await search;
  } finally {
    discovering.abort();
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
