// Runs that cannot mix, and agents that learnt from nobody, through the real command line: a run
// directory that holds a run is refused by simulate, cluster and node (node continues it with
// --resume); node refuses to start with no way to its neighbours; a run where an agent had no teacher
// in any round exits 1, naming it; every run command prints the one table.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { holdsRun } from '../../src/cluster/run-dir.ts';
import { formatHeads, formatSummary, type Summary } from '../../src/report/summary.ts';
import { runCli } from '../helpers/node-bin.ts';
import { tempDir, topologyFile } from '../helpers/config.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');
const tiny = ['--topology', line3, '--nodes', 'small', '--private', '100', '--public', '400', '--chunk', '100', '--steps', '1', '--rounds', '2', '--eval-samples', '100', '--fetch-timeout', '1', '--backend', 'wasm'];

const mhd = (args: string[]) => runCli(args, 150_000);

/** Every file under `dir` with its size and modification time: what "untouched" compares. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => `${f} ${statSync(f).size} ${statSync(f).mtimeMs}`)
    .sort();
}

/** The run's summary.json, and that stdout holds the one table of it. */
function printedTheTable(dir: string, stdout: string): Summary {
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
  const heads = formatHeads(summary);
  expect(stdout).toContain(`${formatSummary(summary)}${heads ? `\n\n${heads}` : ''}\n\nresults: ${dir} (`);
  return summary;
}

describe('a run directory that holds a run', () => {
  it('is a directory with config.json, summary.json, launcher.json or an agent file other than its key', () => {
    const dir = tempDir();
    expect(holdsRun(dir)).toBe(false);
    expect(holdsRun(join(dir, 'missing'))).toBe(false);
    mkdirSync(join(dir, 'agents', 'a0'), { recursive: true });
    writeFileSync(join(dir, 'agents', 'a0', 'key'), 'k');
    expect(holdsRun(dir)).toBe(false);
    writeFileSync(join(dir, 'agents', 'a0', 'metrics.jsonl'), '');
    expect(holdsRun(dir)).toBe(true);
    const other = tempDir();
    writeFileSync(join(other, 'config.json'), '{}');
    expect(holdsRun(other)).toBe(true);
  });

  it('is refused by simulate, cluster and node in one line naming it, and left untouched; node --resume continues it', async () => {
    const dir = join(tempDir(), 'run');
    const first = await mhd(['simulate', ...tiny, '--mode', 'isolated', '--out', dir]);
    expect(first.code, first.stderr).toBe(0);
    printedTheTable(dir, first.stdout);
    const before = snapshot(dir);
    for (const command of ['simulate', 'cluster']) {
      const res = await mhd([command, ...tiny, '--out', dir]);
      expect(res.code, command).toBe(1);
      expect(res.stderr).toBe(`mhd: run directory ${dir} already holds a run: choose another --out\n`);
    }
    const node = await mhd(['node', '--agent', 'a1', ...tiny, '--mode', 'isolated', '--out', dir]);
    expect(node.code).toBe(1);
    expect(node.stderr).toBe(`mhd: run directory ${dir} already holds a run: choose another --out, or --resume to continue it\n`);
    expect(snapshot(dir)).toEqual(before);
    const resumed = await mhd(['node', '--agent', 'a1', ...tiny, '--mode', 'isolated', '--resume', '--out', dir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`^node a1: run directory ${dir}$`, 'm'));
  }, 200_000);
});

describe('an agent that learnt from nobody', () => {
  it('node refuses to start with neither --peer nor --roster where the topology gives it neighbours, in one line, writing nothing', async () => {
    const dir = join(tempDir(), 'run');
    const res = await mhd(['node', '--agent', 'a1', ...tiny, '--out', dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('mhd: a1 learns from a0, a2 in line-3, but no peer is given: give --peer AGENT=MULTIADDR for its neighbours, or --roster FILE (from `mhd keys`) to find them\n');
    expect(res.stdout).not.toMatch(/run directory/);
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  it('a node whose peers never answer finishes, prints the table, and exits 1 naming itself', async () => {
    const dir = join(tempDir(), 'run');
    const key = join(tempDir(), 'peer.key');
    const id = (await mhd(['node', '--print-id', '--key', key])).stdout.trim();
    const res = await mhd(['node', '--agent', 'a0', ...tiny, '--peer', `a1=/ip4/127.0.0.1/tcp/9/p2p/${id}`, '--out', dir]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(new RegExp(`^node a0: run directory ${dir}$`, 'm'));
    expect(printedTheTable(dir, res.stdout).untaught).toEqual(['a0']);
    expect(res.stderr.trim().split('\n').at(-1)).toBe('mhd: a0 learnt from no neighbour in any round (no peers reached: check --peer/--roster)');
  }, 60_000);

  it('simulate exits 1 naming the agent whose one neighbour never answered, after the table', async () => {
    const dir = join(tempDir(), 'run');
    const line2 = topologyFile('name: line-2\nagents: 2\ngraph: line\nadversaries: { a0: silent }\n');
    const res = await mhd(['simulate', ...tiny, '--topology', line2, '--out', dir]);
    expect(res.code, res.stderr).toBe(1);
    expect(printedTheTable(dir, res.stdout).untaught).toEqual(['a1']);
    expect(res.stderr.trim().split('\n').at(-1)).toBe("mhd: a1 learnt from no neighbour in any round (no neighbour answered: see each agent's log, agents/<id>/log)");
  }, 60_000);
});
