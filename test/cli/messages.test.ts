// The messages of issue 27, each one line that says what is wrong and what to write instead: a
// misspelt field of any config file, a HOST:PORT bootstrap, the --defence flag, and --version.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProfile } from '../../src/learning/profile.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { readRoster, resolveBootstrap, hostPortMultiaddr, writeKeys } from '../../src/network/roster.ts';
import { readRunConfig, writeRunConfig } from '../../src/node/config.ts';
import { runCli } from '../helpers/node-bin.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

const mhd = (args: string[]) => runCli(args, 60_000);

describe('an unknown field is named, at its line, with the field it was meant to be', () => {
  it('a profile: learingRate is the error, not a missing learningRate', () => {
    const text = readFileSync('nodes/small.yaml', 'utf8').replace('learningRate:', 'learingRate:');
    const line = text.split('\n').findIndex((l) => l.startsWith('learingRate:')) + 1;
    expect(() => parseProfile(text, 'nodes/x.yaml')).toThrow(`nodes/x.yaml:${line}: unknown field "learingRate" (did you mean "learningRate"?)`);
  });

  it('a topology, a nested key, and a key near nothing known', () => {
    expect(() => parseTopology('name: t\nagents: 3\ngrph: ring\n', 't.yaml')).toThrow('t.yaml:3: unknown field "grph" (did you mean "graph"?)');
    expect(() => parseTopology('name: t\nagents: 3\ngraph: ring\nadversary: { a1: silent }\n', 't.yaml')).toThrow('t.yaml:4: unknown field "adversary" (did you mean "adversaries"?)');
    expect(() => parseTopology('name: t\nagents: 3\ngraph: ring\ncolour: red\n', 't.yaml')).toThrow(/^t\.yaml:4: unknown field "colour"$/);
  });

  it('a roster entry and a config.json', async () => {
    const dir = tempDir();
    const file = await writeKeys({ agents: ['a0', 'a1'], dir, topology: 't', addrs: {} });
    writeFileSync(file, readFileSync(file, 'utf8').replace(/peerId:/, 'peerid:'));
    expect(() => readRoster(file)).toThrow(/roster\.yaml:\d+: unknown field "agents\.a0\.peerid" \(did you mean "peerId"\?\)/);
    writeRunConfig(dir, tinyConfig({ topology: topologyFile('agents: 2\ngraph: line\n') }));
    const config = join(dir, 'config.json');
    writeFileSync(config, readFileSync(config, 'utf8').replace('"stepsPerRound"', '"stepsPerRond"'));
    expect(() => readRunConfig(config)).toThrow(/config\.json:\d+: unknown field "profiles\.a0\.profile\.stepsPerRond" \(did you mean "stepsPerRound"\?\)/);
  });
});

describe('--bootstrap HOST:PORT', () => {
  it('suggests the multiaddr it means, with /p2p/<peer id>, or as is when the roster lists it', async () => {
    const dir = tempDir();
    const roster = readRoster(await writeKeys({ agents: ['a0', 'a1'], dir, topology: 't', addrs: { a0: ['/ip4/127.0.0.1/tcp/47101'] } }));
    expect(() => resolveBootstrap(roster, '127.0.0.1:47102')).toThrow(/: bootstrap 127\.0\.0\.1:47102 is not a multiaddr: give it as \/ip4\/127\.0\.0\.1\/tcp\/47102\/p2p\/<peer id>$/);
    expect(() => resolveBootstrap(roster, '127.0.0.1:47101')).toThrow(/: bootstrap 127\.0\.0\.1:47101 is not a multiaddr: give it as \/ip4\/127\.0\.0\.1\/tcp\/47101$/);
    expect(resolveBootstrap(roster, '/ip4/127.0.0.1/tcp/47101')).toBe(`/ip4/127.0.0.1/tcp/47101/p2p/${roster.agents.a0.peerId}`);
    expect(hostPortMultiaddr('[::1]:4001')).toBe('/ip6/::1/tcp/4001');
    expect(hostPortMultiaddr('host.lan:4001')).toBe('/dns/host.lan/tcp/4001');
    expect(hostPortMultiaddr('/ip4/1.2.3.4/tcp/1')).toBeUndefined();
  });

  it('node says so in one line before it writes anything', async () => {
    const dir = tempDir();
    const keys = await mhd(['keys', '--topology', 'topologies/ring-4.yaml', '--out', join(dir, 'keys')]);
    expect(keys.code, keys.stderr).toBe(0);
    const res = await mhd(['node', '--agent', 'a1', '--roster', join(dir, 'keys', 'roster.yaml'), '--bootstrap', '127.0.0.1:47101', '--topology', 'topologies/ring-4.yaml', '--out', join(dir, 'run')]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^mhd: \S+roster\.yaml: bootstrap 127\.0\.0\.1:47101 is not a multiaddr: give it as \/ip4\/127\.0\.0\.1\/tcp\/47101\/p2p\/<peer id>$/);
    expect(res.stdout).not.toMatch(/run directory/);
  }, 60_000);
});

describe('flags', () => {
  it('--defence shows its default as on, and a bad value says on or off', async () => {
    const help = await mhd(['simulate', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/--defence <on\|off> the defence against lying neighbours \(trust scores, exclusion\) \(default: on\)/);
    const bad = await mhd(['simulate', '--defence', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^mhd: .*--defence must be on or off, got "x" \(see mhd simulate --help\)$/);
  }, 60_000);

  it('--version prints the version of package.json, one line, exit 0', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const res = await mhd([flag]);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`${version}\n`);
    }
  }, 60_000);
});
