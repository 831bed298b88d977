import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { NODE } from '../helpers/node-bin.ts';
import { tempDir } from '../helpers/config.ts';

const run = (args: string[]) => spawnSync(NODE, ['src/cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('node --roster', () => {
  const dir = tempDir();
  const keys = run(['keys', '--topology', 'topologies/ring-4.yaml', '--out', join(dir, 'keys')]);
  const roster = join(dir, 'keys', 'roster.yaml');
  const opts = ['--topology', 'topologies/ring-4.yaml', '--out', join(dir, 'run')];

  it('keys prints every agent with its peer id', () => {
    expect(keys.status).toBe(0);
    expect(keys.stdout).toMatch(/^a3\s+12D3KooW\S+/m);
  });

  it('stops with one line when the key is not the roster entry of the agent', () => {
    const res = run(['node', '--agent', 'a0', '--roster', roster, '--key', join(dir, 'keys', 'a1.key'), ...opts]);
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^mhd: .*a1\.key is peer 12D3KooW\S+, but .*roster\.yaml lists a0 as 12D3KooW\S+: wrong --key or a stale roster/);
  });

  it('stops when the roster lacks agents of the topology, and --bootstrap needs a roster', () => {
    const res = run(['node', '--agent', 'a0', '--roster', roster, '--topology', 'topologies/ring-8.yaml', '--out', join(dir, 'run8')]);
    expect(res.stderr).toMatch(/^mhd: .*roster\.yaml lacks a4, a5, a6, a7 of the run's topology/);
    const noRoster = run(['node', '--agent', 'a0', '--bootstrap', '/ip4/127.0.0.1/tcp/1', ...opts]);
    expect(noRoster.stderr).toMatch(/^mhd: --bootstrap and --mdns need --roster FILE/);
  });
});
