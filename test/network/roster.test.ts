import { describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateKey, peerIdString } from '../../src/network/identity.ts';
import { checkOwnEntry, readRoster, resolveBootstrap, rosterPeers, RosterMismatchError, withPeerId, writeKeys } from '../../src/network/roster.ts';
import { ConfigError } from '../../src/text/config-source.ts';
import { tempDir } from '../helpers/config.ts';

describe('roster', () => {
  it('writes one private key per agent and a roster that reads back with their peer ids', async () => {
    const dir = tempDir();
    const file = await writeKeys({ agents: ['a0', 'a1', 'a2'], dir, topology: 'line-3', addrs: { a0: ['/ip4/127.0.0.1/tcp/4001'] } });
    const roster = readRoster(file);
    expect(roster.topology).toBe('line-3');
    for (const a of ['a0', 'a1', 'a2']) {
      expect(statSync(join(dir, `${a}.key`)).mode & 0o777).toBe(0o600);
      expect(roster.agents[a].peerId).toBe(peerIdString(await loadOrCreateKey(join(dir, `${a}.key`))));
    }
    const id0 = roster.agents.a0.peerId;
    expect(rosterPeers(roster).a0.addrs).toEqual([`/ip4/127.0.0.1/tcp/4001/p2p/${id0}`]);
    expect(rosterPeers(roster).a1.addrs).toEqual([]);
    // keys are kept: a second run gives the same ids
    const again = readRoster(await writeKeys({ agents: ['a0', 'a1', 'a2'], dir }));
    expect(again.agents.a2.peerId).toBe(roster.agents.a2.peerId);
  });

  it('resolves a bootstrap address with or without /p2p, and only to roster peers', async () => {
    const dir = tempDir();
    const roster = readRoster(await writeKeys({ agents: ['a0', 'a1'], dir, addrs: { a0: ['/ip4/127.0.0.1/tcp/4001'] } }));
    const id0 = roster.agents.a0.peerId;
    expect(resolveBootstrap(roster, '/ip4/127.0.0.1/tcp/4001')).toBe(`/ip4/127.0.0.1/tcp/4001/p2p/${id0}`);
    expect(resolveBootstrap(roster, `/ip4/10.0.0.9/tcp/1/p2p/${roster.agents.a1.peerId}`)).toMatch(/10\.0\.0\.9/);
    expect(() => resolveBootstrap(roster, '/ip4/127.0.0.1/tcp/9999')).toThrow(/no roster agent lists this address/);
    const stranger = peerIdString(await loadOrCreateKey(join(tempDir(), 'x.key')));
    expect(() => resolveBootstrap(roster, `/ip4/127.0.0.1/tcp/4001/p2p/${stranger}`)).toThrow(/not in the roster/);
  });

  it('refuses a key that is not the one the roster names', async () => {
    const dir = tempDir();
    const roster = readRoster(await writeKeys({ agents: ['a0', 'a1'], dir }));
    expect(() => checkOwnEntry(roster, 'a0', roster.agents.a1.peerId, 'a1.key')).toThrow(RosterMismatchError);
    expect(() => checkOwnEntry(roster, 'a0', roster.agents.a1.peerId, 'a1.key')).toThrow(/a1\.key is peer .* lists a0 as/);
    expect(() => checkOwnEntry(roster, 'a9', roster.agents.a1.peerId, 'a1.key')).toThrow(/a9 is not in the roster/);
  });

  it('names file and line of a bad roster', async () => {
    const dir = tempDir();
    const file = await writeKeys({ agents: ['a0', 'a1'], dir });
    const text = readFileSync(file, 'utf8');
    const bad = (t: string) => {
      const f = join(dir, 'bad.yaml');
      writeFileSync(f, t);
      try {
        readRoster(f);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    const lines = text.split('\n');
    const a1Line = lines.findIndex((l) => l.trim() === 'a1:') + 1;
    expect(bad(text.replace(/(a1:\n\s+peerId: )\S+/, '$1nope'))).toMatch(new RegExp(`bad\\.yaml:${a1Line + 1}: field "agents\\.a1\\.peerId": not a libp2p peer id`));
    expect(bad(text.replace(/(a1:\n)/, '$1    port: 3\n'))).toMatch(/bad\.yaml:\d+: unknown field "agents\.a1\.port"/);
    const id0 = readRoster(file).agents.a0.peerId;
    expect(bad(text.replace(/(a1:\n\s+peerId: )\S+/, `$1${id0}`))).toMatch(/bad\.yaml:\d+: a1 has the same peer id as a0/);
    expect(bad(text + '    addrs: [/ip4/1.2.3/tcp/1]\n')).toMatch(/bad\.yaml:\d+: field "agents\.a1\.addrs\.0": not a multiaddr/);
    expect(() => readRoster(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: no such roster/);
  });

  it('an address must end in its own agent\'s peer id, if in any; withPeerId appends it once', async () => {
    const dir = tempDir();
    const file = await writeKeys({ agents: ['a0', 'a1'], dir });
    const roster = readRoster(file);
    const [id0, id1] = [roster.agents.a0.peerId, roster.agents.a1.peerId];
    const text = readFileSync(file, 'utf8');
    const f = join(dir, 'with-addrs.yaml');
    writeFileSync(f, text + `    addrs: [/ip4/10.0.0.1/tcp/1/p2p/${id1}]\n`);
    expect(rosterPeers(readRoster(f)).a1.addrs).toEqual([`/ip4/10.0.0.1/tcp/1/p2p/${id1}`]);
    writeFileSync(f, text + `    addrs: [/ip4/10.0.0.1/tcp/1/p2p/${id0}]\n`);
    expect(() => readRoster(f)).toThrow(/address ends in another peer id than a1's/);
    expect(withPeerId('/ip4/10.0.0.1/tcp/1/', id0)).toBe(`/ip4/10.0.0.1/tcp/1/p2p/${id0}`);
    expect(withPeerId(`/ip4/10.0.0.1/tcp/1/p2p/${id0}`, id0)).toBe(`/ip4/10.0.0.1/tcp/1/p2p/${id0}`);
  });
});
