// `mhd report` through the real command line: one run directory rebuilt in place; the directories of a
// run's machines merged into --out (required then) with one summary and one report; --baseline. And
// `mhd compare`'s warnings.
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/node-bin.ts';
import { tempDir, topologyFile } from '../helpers/config.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');
const tiny = ['--topology', line3, '--nodes', 'small', '--private', '100', '--public', '400', '--chunk', '100', '--steps', '1', '--rounds', '1', '--eval-samples', '100', '--backend', 'wasm'];

const mhd = (args: string[]) => runCli(args, 150_000);

/** A machine's run directory: the run's config.json and the agents it ran. */
function machine(run: string, dir: string, agents: string[]): string {
  mkdirSync(join(dir, 'agents'), { recursive: true });
  cpSync(join(run, 'config.json'), join(dir, 'config.json'));
  for (const a of agents) cpSync(join(run, 'agents', a), join(dir, 'agents', a), { recursive: true });
  return dir;
}

describe('mhd report and compare', () => {
  it('merges the run directories of one run into --out, draws a baseline; compare warns of a directory given twice', async () => {
    const root = tempDir();
    const run = join(root, 'run');
    const baseline = join(root, 'isolated');
    for (const [dir, mode] of [[run, 'mhd'], [baseline, 'isolated']]) {
      const res = await mhd(['simulate', ...tiny, '--mode', mode, '--out', dir]);
      expect(res.code, res.stderr).toBe(0);
    }
    const a = machine(run, join(root, 'm1'), ['a0']);
    const b = machine(run, join(root, 'm2'), ['a1', 'a2']);
    const noOut = await mhd(['report', a, b]);
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toBe('mhd: 2 run directories are merged into one run: give --out DIR for it\n');

    const merged = join(root, 'merged');
    const res = await mhd(['report', a, b, '--out', merged]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^merged ${a}, ${b} into ${merged}$`, 'm'));
    expect(res.stdout).toMatch(/^mean\s/m);
    const summary = JSON.parse(readFileSync(join(merged, 'summary.json'), 'utf8'));
    expect(summary.agents.map((x: { id: string; status: string }) => `${x.id} ${x.status}`)).toEqual(['a0 finished', 'a1 finished', 'a2 finished']);
    expect(existsSync(join(merged, 'report.html'))).toBe(true);
    // Into a directory that is not empty: one line, and the run there is left alone.
    const again = await mhd(['report', a, b, '--out', run]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(new RegExp(`^mhd: .*${run}`));

    const withBase = await mhd(['report', merged, '--baseline', baseline]);
    expect(withBase.code, withBase.stderr).toBe(0);
    expect(withBase.stderr).toBe('');
    expect(readFileSync(join(merged, 'report.html'), 'utf8')).toMatch(/isolated/);

    // compare: the same directory twice is compared once, and the warning is one line on stderr.
    const page = join(root, 'compare.html');
    const cmp = await mhd(['compare', run, run, baseline, '--out', page]);
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stderr).toBe(`mhd: warning: ${run} and ${run} are the same run directory: compared once\n`);
    expect(cmp.stdout).toMatch(new RegExp(`page: ${page}`));
  }, 200_000);
});
