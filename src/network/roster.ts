// The roster of a run across machines: every agent's peer id and, optionally, addresses where it is
// known to listen. `mhd keys` writes it with one key per agent; `mhd node --roster` reads it. It is the
// allow-list: only its peers may connect.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ConfigError, parseWith, readConfigText } from '../text/config-source.ts';
import { loadOrCreateKey, peerIdString } from './identity.ts';
import type { Peer } from './round-service.ts';

const PEER_ID = /^(12D3KooW|Qm)[1-9A-HJ-NP-Za-km-z]{40,60}$/;

const addrSchema = z.string().refine((a) => {
  try {
    multiaddr(a);
    return true;
  } catch {
    return false;
  }
}, 'not a multiaddr');

const entrySchema = z
  .object({
    peerId: z.string().regex(PEER_ID, 'not a libp2p peer id'),
    /** Addresses without /p2p (or with this entry's own /p2p suffix). */
    addrs: z.array(addrSchema).default([]),
  })
  .strict();
export type RosterEntry = z.output<typeof entrySchema>;

const rosterSchema = z.object({ topology: z.string().optional(), agents: z.record(z.string().min(1), entrySchema) }).strict();

export type Roster = z.output<typeof rosterSchema> & {
  /** The file it was read from (for messages). */
  source: string;
};

/** Reads and checks a roster file; every problem is a ConfigError naming file:line. */
export function readRoster(file: string): Roster {
  if (!existsSync(file)) throw new ConfigError(file, undefined, 'no such roster (write one with `mhd keys`)');
  const src = readConfigText(readFileSync(file, 'utf8'), file);
  const parsed = parseWith(rosterSchema, src);
  const seen = new Map<string, string>();
  const agents: Record<string, RosterEntry> = {};
  for (const [agent, e] of Object.entries(parsed.agents)) {
    const other = seen.get(e.peerId);
    if (other) src.fail(['agents', agent, 'peerId'], `${agent} has the same peer id as ${other}`);
    seen.set(e.peerId, agent);
    (e.addrs ?? []).forEach((a, i) => {
      const id = multiaddr(a).getComponents().find((c) => c.name === 'p2p')?.value;
      if (id !== undefined && id !== e.peerId) src.fail(['agents', agent, 'addrs', i], `address ends in another peer id than ${agent}'s`);
    });
    agents[agent] = { peerId: e.peerId, addrs: e.addrs ?? [] };
  }
  return { source: file, topology: parsed.topology, agents };
}

/** A dialable address of `peerId`: `addr` with /p2p/<peerId> appended unless it has it. */
export function withPeerId(addr: string, peerId: string): string {
  return /\/p2p\/[^/]+$/.test(addr) ? addr : `${addr.replace(/\/$/, '')}/p2p/${peerId}`;
}

/** The roster as the agent's peer directory: every agent, with the addresses the roster knows. */
export function rosterPeers(roster: Roster): Record<string, Peer> {
  return Object.fromEntries(
    Object.entries(roster.agents).map(([agent, e]) => [agent, { agent, peerId: e.peerId, addrs: e.addrs.map((a) => withPeerId(a, e.peerId)) }]),
  );
}

/**
 * Resolves a bootstrap address: one ending in /p2p/<id> is taken as is; one without is looked up among
 * the roster's addresses. Either way its peer must be in the roster.
 */
export function resolveBootstrap(roster: Roster, addr: string): string {
  const m = /\/p2p\/([^/]+)$/.exec(addr);
  if (m) {
    if (!Object.values(roster.agents).some((e) => e.peerId === m[1])) {
      throw new ConfigError(roster.source, undefined, `bootstrap ${addr}: peer ${m[1]} is not in the roster`);
    }
    return addr;
  }
  const bare = addr.replace(/\/$/, '');
  const listed = (a: string) => Object.values(roster.agents).find((e) => e.addrs.some((x) => x.replace(/\/p2p\/[^/]+$/, '') === a));
  const entry = listed(bare);
  if (entry) return withPeerId(bare, entry.peerId);
  // HOST:PORT is no multiaddr: the suggestion is the multiaddr it means (as is when the roster lists it).
  const meant = hostPortMultiaddr(bare);
  if (meant) throw new ConfigError(roster.source, undefined, `bootstrap ${addr} is not a multiaddr: give it as ${listed(meant) ? meant : `${meant}/p2p/<peer id>`}`);
  throw new ConfigError(roster.source, undefined, `bootstrap ${addr}: no roster agent lists this address; give it as ${bare}/p2p/<peer id>`);
}

/** The multiaddr of a HOST:PORT address (127.0.0.1:4001, [::1]:4001, host.lan:4001); undefined for anything else. */
export function hostPortMultiaddr(addr: string): string | undefined {
  const m = /^(?:tcp:\/\/)?(?:\[([0-9a-fA-F:.]+)\]|([^/:\s]+)):(\d{1,5})$/.exec(addr);
  if (!m) return undefined;
  const host = m[1] ?? m[2];
  const proto = m[1] !== undefined ? 'ip6' : /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? 'ip4' : 'dns';
  return `/${proto}/${host}/tcp/${m[3]}`;
}

/** The error of an agent whose key is not the one the roster names for it. */
export class RosterMismatchError extends Error {
  override name = 'RosterMismatchError';
}

/** Checks that `agent` is in the roster with the peer id of its key. */
export function checkOwnEntry(roster: Roster, agent: string, peerId: string, keyFile: string): void {
  const entry = roster.agents[agent];
  if (!entry) throw new RosterMismatchError(`${roster.source}: agent ${agent} is not in the roster (it has ${Object.keys(roster.agents).join(', ')})`);
  if (entry.peerId !== peerId) {
    throw new RosterMismatchError(`${keyFile} is peer ${peerId}, but ${roster.source} lists ${agent} as ${entry.peerId}: wrong --key or a stale roster`);
  }
}

export interface WriteKeysOptions {
  agents: readonly string[];
  dir: string;
  topology?: string;
  /** Known listen addresses, by agent. */
  addrs?: Record<string, string[]>;
}

/** Writes (or keeps) DIR/<agent>.key for every agent and DIR/roster.yaml; returns the roster file. */
export async function writeKeys(o: WriteKeysOptions): Promise<string> {
  for (const a of Object.keys(o.addrs ?? {})) {
    if (!o.agents.includes(a)) throw new ConfigError('--addr', undefined, `unknown agent "${a}": the topology has ${o.agents.join(', ')}`);
  }
  mkdirSync(o.dir, { recursive: true });
  const agents: Record<string, { peerId: string; addrs?: string[] }> = {};
  for (const agent of o.agents) {
    const file = keyFile(o.dir, agent);
    const key = await loadOrCreateKey(file);
    chmodSync(file, 0o600);
    const addrs = o.addrs?.[agent];
    agents[agent] = { peerId: peerIdString(key), ...(addrs && addrs.length > 0 ? { addrs } : {}) };
  }
  const file = join(o.dir, 'roster.yaml');
  const head = '# Written by `mhd keys`: every agent\'s peer id (only these may connect) and known addresses.\n';
  writeFileSync(file, head + stringify({ ...(o.topology ? { topology: o.topology } : {}), agents }));
  return file;
}

/** The key file of `agent` next to a roster. */
export function keyFile(dir: string, agent: string): string {
  return join(dir, `${agent}.key`);
}

/** The directory holding a roster file (where `mhd keys` put the keys). */
export const rosterDir = (file: string) => dirname(file);
