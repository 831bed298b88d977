import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRunReport } from '../../src/report/build.ts';
import { firstDifference, mergeRunDirs } from '../../src/report/merge.ts';
import { tempDir } from '../helpers/config.ts';
import { craftRun, finished } from './fixture.ts';

// One run of a line of 3 on three machines: `mhd node` on each wrote config.json and its own agent.
const topology = 'name: line-3\nagents: 3\ngraph: line\n';
const machine = (agent: string, shared: number, options = {}) => {
  const dir = craftRun({ topology, options, agents: { [agent]: finished(agent, 3, [shared, shared + 0.1], [0.9, 0.8], ['a1']) } });
  writeFileSync(join(dir, 'agents', agent, 'key'), 'secret');
  return dir;
};

describe('merging the run directories of one run across machines', () => {
  it('gives one run directory with every agent, and one summary over all of them', () => {
    // backends given, not the suite's own: on the native pass the default would be native everywhere
    const dirs = [machine('a0', 0.5, { backend: 'wasm' }), machine('a1', 0.6, { backend: 'native' }), machine('a2', 0.7, { backend: 'wasm' })];
    const out = join(tempDir(), 'merged');
    const warnings = mergeRunDirs(dirs, out);
    // a per-machine key that differs is a warning, not an error
    expect(warnings).toEqual([expect.stringMatching(/^"backend" differs between .* \("wasm"\) and .* \("native"\): the merged config.json has/)]);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).backend).toBe('wasm');
    // the identity keys stay on their machines
    expect(existsSync(join(out, 'agents', 'a1', 'metrics.jsonl'))).toBe(true);
    expect(existsSync(join(out, 'agents', 'a1', 'key'))).toBe(false);
    const { summary, reportFile } = buildRunReport(out);
    expect(summary.agents.map((a) => [a.id, a.status])).toEqual([['a0', 'finished'], ['a1', 'finished'], ['a2', 'finished']]);
    expect(summary.mean.sharedAccuracy[0]).toBeCloseTo(0.6, 10);
    expect(summary.untaught).toEqual([]);
    expect(reportFile).toBe(join(out, 'report.html'));
  });

  it('an agent of the run in no directory is a warning, and reports as not started', () => {
    const out = join(tempDir(), 'merged');
    expect(mergeRunDirs([machine('a0', 0.5), machine('a2', 0.7)], out)).toEqual(['a1: in none of the run directories (reported as not started)']);
    expect(buildRunReport(out).summary.notStarted).toEqual(['a1']);
  });

  it('configs that differ are an error naming both directories and the key', () => {
    const [a, b] = [machine('a0', 0.5), machine('a1', 0.6, { rounds: 5 })];
    expect(() => mergeRunDirs([a, b], join(tempDir(), 'm'))).toThrow(`${a} and ${b} are not one run: their config.json differ in "rounds" (3 against 5)`);
    const c = machine('a2', 0.6, { seed: 7 });
    expect(() => mergeRunDirs([a, c], join(tempDir(), 'm'))).toThrow(/differ in "seed" \(1 against 7\)$/);
  });

  it('an agent in two directories is an error naming it; so are a directory given twice and a non-empty --out', () => {
    const [a, b] = [machine('a1', 0.5), machine('a1', 0.6)];
    expect(() => mergeRunDirs([a, b], join(tempDir(), 'm'))).toThrow(`agent a1 is in both ${a} and ${b}: each agent of a run runs on one machine`);
    expect(() => mergeRunDirs([a, a], join(tempDir(), 'm'))).toThrow(`${a} is given twice`);
    expect(() => mergeRunDirs([a], b)).toThrow(`${b} is not empty: merge into a new directory`);
    expect(() => mergeRunDirs([tempDir()], join(tempDir(), 'm'))).toThrow(/not a run directory \(no config\.json\)$/);
  });

  it('firstDifference names the first key path that differs', () => {
    expect(firstDifference({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } })).toBe('b.c.1');
    expect(firstDifference({ a: 1 }, { a: 1, z: 2 })).toBe('z');
    expect(firstDifference({ a: [1] }, { a: [1] })).toBeUndefined();
  });
});
