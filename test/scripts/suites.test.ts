// The experiment suites as values: what each declares, and what a tuning suite and the pareto suite run
// after their declared runs, driven by a fake runner (no run is trained).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRow, RunSpec } from '../../scripts/experiments/report/types.ts';
import { SUITES } from '../../scripts/experiments/suites/index.ts';
import type { SuiteContext } from '../../scripts/experiments/suites/suite.ts';
import type { Summary } from '../../src/report/summary.ts';

const suite = (name: string) => SUITES.find((s) => s.name === name)!;
const summary = (privateMain: number, sharedBest: number) =>
  ({ mean: { privateAccuracy: [privateMain], sharedAccuracy: [sharedBest] }, min: { privateAccuracy: [privateMain], sharedAccuracy: [sharedBest] }, best: { privateAccuracy: privateMain, sharedAccuracy: sharedBest }, agents: [], adversaries: {} }) as unknown as Summary;

/** A context whose runs return `score(spec)` at once, recording every spec run. */
function fakeContext(score: (spec: RunSpec) => [number, number], over: Partial<SuiteContext> = {}) {
  const ran: RunSpec[] = [];
  const ctx: SuiteContext = {
    grid: 'quick',
    selectSeed: 1,
    reportSeeds: [2, 3],
    wanted: () => true,
    run: async (spec) => {
      ran.push(spec);
      return { spec, dir: '', summary: summary(...score(spec)), kbPerRound: 1, config: {} } as unknown as RunRow;
    },
    ...over,
  };
  return { ctx, ran };
}

describe('experiment suites', () => {
  it('every suite has a unique name, and every run of a suite a unique label (its directory)', () => {
    expect(SUITES.map((s) => s.name)).toEqual(['baselines', 'topologies', 'heterogeneous', 'ablations', 'fashion', 'pareto', 'default', 'attacks']);
    for (const s of SUITES) {
      for (const grid of ['quick', 'full'] as const) {
        const labels = s.runs(fakeContext(() => [0, 0], { grid }).ctx).map((r) => r.label);
        expect(new Set(labels).size, s.name).toBe(labels.length);
      }
    }
    expect(suite('pareto').runs(fakeContext(() => [0, 0], { grid: 'full' }).ctx).length).toBe(4 * (1 + 144 - 12));
    expect(suite('attacks').runs(fakeContext(() => [0, 0]).ctx).length).toBe(5 * 2 * (1 + 2 * (1 + 6) + (1 + 2 * (1 + 1))));
  });

  it('a tuning suite runs each candidate with its isolated baseline on val, then the chosen one on test per report seed', async () => {
    const s = suite('default');
    expect(s.ownSeeds).toBe(true);
    expect(s.options).toEqual({ nodes: 'default' });
    // chain-labels is the best shared accuracy within the tolerance; consensus-head is better but loses private accuracy.
    const score = (spec: RunSpec): [number, number] =>
      spec.options.mode === 'isolated' ? [0.9, 0.5] : spec.options.nodes === 'chain-labels' ? [0.899, 0.8] : spec.options.nodes === 'consensus-head' ? [0.85, 0.9] : [0.9, 0.7];
    const { ctx, ran } = fakeContext(score, { wanted: (label) => label.includes('mnist'), selectSeed: 7, reportSeeds: [4] });
    const lines = await s.select!([], ctx);
    expect(lines[0]).toBe('Chosen on the validation set (seed 7), for mnist:');
    expect(lines.find((l) => l.startsWith('*'))).toMatch(/^\* chain-labels:/);
    expect(ran.map((r) => r.label)).toEqual([
      'mnist val seed 7 default isolated',
      'mnist val seed 7 default',
      'mnist val seed 7 chain-labels isolated',
      'mnist val seed 7 chain-labels',
      'mnist val seed 7 consensus-head isolated',
      'mnist val seed 7 consensus-head',
      'mnist test seed 4 chain-labels isolated',
      'mnist test seed 4 chain-labels',
    ]);
    expect(ran[0].options).toEqual({ nodes: 'default', evalSplit: 'val', seed: 7, mode: 'isolated' });
    expect(ran.at(-1)!.options).toEqual({ nodes: 'chain-labels', evalSplit: 'test', seed: 4 });
  });

  it('the pareto suite reruns the setting its rule picks, and the isolated runs, on test; its table marks the front', async () => {
    const s = suite('pareto');
    const { ctx, ran } = fakeContext((spec) => (spec.setting === 'isolated' ? [0.9, 0.5] : spec.setting === 'nodes/default.yaml' ? [0.9, 0.8] : [0.8, 0.85]));
    const rows: RunRow[] = [];
    for (const spec of s.runs(ctx)) rows.push(await ctx.run(spec));
    ran.length = 0;
    const lines = await s.select!(rows, ctx);
    expect(lines).toEqual(['Chosen on the validation set: nodes/default.yaml; on the test split with seeds 2, 3:']);
    expect(ran.map((r) => r.label)).toEqual(
      ['mnist ring-8', 'fashion ring-8'].flatMap((g) => ['isolated', 'nodes/default.yaml'].flatMap((setting) => [2, 3].map((seed) => `${g} test seed ${seed} ${setting}`))),
    );
    expect(ran.every((r) => r.options.evalSplit === 'test' && r.group === undefined)).toBe(true);
    const outDir = mkdtempSync(join(tmpdir(), 'mhd-pareto-'));
    const [section] = s.tables!(rows, { outDir, backend: 'wasm' });
    expect(section).toMatch(/^## Pareto front\n/);
    expect(section).toContain('Chosen: **nodes/default.yaml**.');
    expect(section).toMatch(/\| nodes\/default\.yaml \| 90\.0 \| 80\.0 \| 90\.0 \| 80\.0 \| \+0\.00 \| 1 \| \*\*front\*\* \|/);
    expect(readFileSync(join(outDir, 'pareto.html'), 'utf8')).toContain('<h2>mnist ring-8</h2>');
  });

  it('the suites without a selection declare only their runs; attacks adds its table', () => {
    for (const name of ['baselines', 'topologies', 'heterogeneous', 'fashion']) expect(suite(name).select, name).toBeUndefined();
    expect(suite('attacks').simulate).toBe(true);
    expect(suite('attacks').tables!([], { outDir: '', backend: 'wasm' })[0]).toMatch(/^Backend: wasm; /);
  });
});
