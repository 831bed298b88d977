import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { accuracyAgainstBytes, dedupeEntries, formatComparison, logTicks, loadComparedRun, renderComparison, writeComparison } from '../../src/report/compare.ts';
import { configDifferences, flattenConfig } from '../../src/report/config-diff.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { richRun } from './rich-run.ts';
import { paretoFront } from '../../src/report/pareto.ts';
import { scatterChart } from '../../src/report/charts.ts';
import { htmlTable } from '../../src/text/html-table.ts';
import { fakeRun } from '../helpers/run-dir.ts';
import { tempDir } from '../helpers/config.ts';
import { NODE } from '../helpers/node-bin.ts';

describe('mhd compare', () => {
  it('mean and min curves per head, bytes per round, one row per run', () => {
    const a = loadComparedRun(fakeRun({ agents: 4, heads: 2, bytes: 1024 }), 'a <ring>');
    const b = loadComparedRun(fakeRun({ agents: 3, heads: 1, shared: () => 0.5 }));
    // agent i after round r: (i + r) / 7; mean over i = 0..3 is (1.5 + r) / 7, min r / 7; rounds from 0 as recorded
    expect(a.curves.sharedAccuracy).toHaveLength(2);
    expect(a.curves.sharedAccuracy[0].mean[2][0]).toBe(2);
    expect(a.curves.sharedAccuracy[0].mean[2][1]).toBeCloseTo(3.5 / 7, 10);
    expect(a.curves.sharedAccuracy[0].min[2][1]).toBeCloseTo(2 / 7, 10);
    // two neighbours, 1 KiB each per round
    expect(a.bytesPerRound).toEqual([[0, 2048], [1, 2048], [2, 2048]]);
    expect(b.bytesPerRound.every(([, v]) => v === 0)).toBe(true);
    const text = formatComparison([a, b]);
    // header, rule, two rows, the note on the columns; the configurations differ in auxHeads
    expect(text.split('\n').slice(0, 4).join('\n')).toMatch(/^run +mode +graph[^]*\na <ring> +mhd[^]*\n\S+ +mhd /);
    expect(text).toContain('a <ring>');
    expect(text).toMatch(/50\.0%/);

    const html = renderComparison([a, b]);
    // main head: private and shared charts, 2 runs x (mean, min); head 1: run a only; bytes: 2 lines
    expect(html.match(/<polyline/g)).toHaveLength(2 * 4 + 2 * 2 + 2 + 1);
    expect(html).toContain('<h2>Configuration that differs</h2>');
    expect(html.match(/stroke-dasharray/g)!.length).toBeGreaterThanOrEqual(2 * 2 + 2);
    expect(html).toContain('a &lt;ring&gt;');
    expect(html).not.toContain('a <ring>');
    expect(html).toContain('KB received per agent per round');
    // accuracy against bytes: run a only (b received nothing, and says so)
    expect(html).toContain(`Not drawn, having received nothing: ${b.label}.`);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('accuracy against bytes: the best head at the end, against the MiB received by the end of each round', () => {
    // 2 neighbours x 512 KiB a round: 1 MiB per agent per round; head 1 is 0.1 ahead of head 0
    const r = loadComparedRun(fakeRun({ agents: 4, heads: 2, bytes: 512 * 1024, shared: (i, h, round) => (i + round + h) / 10 }));
    const c = accuracyAgainstBytes(r)!;
    expect(c.head).toBe(1);
    // mean over agents 0..3 of (i + round + 1) / 10 = (2.5 + round) / 10, at 1, 2, 3 MiB
    expect(c.points.map(([x]) => x)).toEqual([1, 2, 3]);
    c.points.forEach(([, y], round) => expect(y).toBeCloseTo((2.5 + round) / 10, 10));
    expect(accuracyAgainstBytes(loadComparedRun(fakeRun({ agents: 3 })))).toBeUndefined();
  });

  it('log ticks: the 1-2-5 values in range, else the two ends', () => {
    expect(logTicks(0.6, 19)).toEqual([1, 2, 5, 10]);
    expect(logTicks(0.05, 0.3)).toEqual([0.05, 0.1, 0.2]);
    expect(logTicks(0.21, 0.28)).toEqual([0.21, 0.28]);
  });

  it('the CLI prints the table and writes the page', async () => {
    const dirs = [fakeRun({ agents: 4 }), fakeRun({ agents: 4, shared: () => 0.8 })];
    const out = join(tempDir(), 'cmp.html');
    const res = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(NODE, ['src/cli.ts', 'compare', ...dirs, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^run\s+mode\s+graph/);
    expect(res.stdout).toContain('80.0%');
    expect(res.stdout).toContain(`page: ${out}`);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('writeComparison writes what it returns', () => {
    const out = join(tempDir(), 'c.html');
    const { runs, warnings } = writeComparison(out, [{ dir: fakeRun({ agents: 2 }), label: 'x' }], 'title & more');
    expect(runs.map((r) => r.label)).toEqual(['x']);
    expect(warnings).toEqual([]);
    expect(readFileSync(out, 'utf8')).toContain('<title>title &amp; more</title>');
  });
});

describe('pareto front and scatter', () => {
  it('keeps the points that nothing dominates', () => {
    const pts = [[0.9, 0.7], [0.95, 0.6], [0.85, 0.8], [0.8, 0.75], [0.9, 0.7], [0.95, 0.55]];
    // [0.9, 0.7] twice: equal points do not dominate each other
    expect(paretoFront(pts, (p) => p[0], (p) => p[1])).toEqual([true, true, true, false, true, false]);
  });

  it('draws points, the front in red, the reference as a square', () => {
    const svg = scatterChart('t', [
      { x: 0.9, y: 0.7, label: 'a', front: true },
      { x: 0.95, y: 0.6, label: 'b', front: true },
      { x: 0.8, y: 0.6, label: 'c' },
      { x: 0.95, y: 0.5, label: 'iso', reference: true },
    ]);
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg.match(/fill="#d62728"/g)).toHaveLength(2);
    expect(svg.match(/<rect/g)).toHaveLength(1);
    expect(svg).toContain('<polyline');
  });

  it('html tables escape text and right-align numbers', () => {
    const t = htmlTable(['name', 'acc'], [['<b>', '91.2%'], ['mean', '90.0%']], ['mean']);
    expect(t).toContain('<td>&lt;b&gt;</td><td class="num">91.2%</td>');
    expect(t).toContain('<tr class="stat"><td>mean</td>');
  });
});

describe('mhd compare: what differs, wall time, duplicates', () => {
  it('lists the configuration keys that differ, and only those', () => {
    const a = loadComparedRun(richRun({ options: { steps: 150 } }), 'steps150');
    const b = loadComparedRun(richRun({ options: { steps: 50 } }), 'steps50');
    const diffs = configDifferences([a.config, b.config]);
    expect(diffs).toContainEqual({ key: 'profile.stepsPerRound', values: ['150', '50'] });
    // every key listed differs; keys the runs share are not listed
    for (const d of diffs) expect(new Set(d.values).size).toBeGreaterThan(1);
    for (const same of ['dataset', 'rounds', 'seed', 'topology.name', 'topology.edges', 'profile.learningRate', 'defence.threshold']) {
      expect(a.config[same]).toBeDefined();
      expect(diffs.map((d) => d.key)).not.toContain(same);
    }
    const text = formatComparison([a, b]);
    expect(text).toMatch(/^ {2}profile\.stepsPerRound: steps150 150 {2}\| {2}steps50 50$/m);
    expect(text).not.toMatch(/^ {2}dataset:/m);
    expect(renderComparison([a, b])).toMatch(/<td>profile\.stepsPerRound<\/td><td( class="num")?>150<\/td><td( class="num")?>50<\/td>/);
    // the same configuration twice: said so
    expect(formatComparison([a, loadComparedRun(richRun({ options: { steps: 150 } }), 'again')])).toContain('the same in every run');
  });

  it('agents with different profiles are folded into one key per field', () => {
    const c = flattenConfig(readRun(richRun()).config);
    const mixed = readRun(richRun()).config;
    mixed.profiles.a1 = { ...mixed.profiles.a1, profile: { ...mixed.profiles.a1.profile, stepsPerRound: 9 } };
    const m = flattenConfig(mixed);
    expect(c['profile.stepsPerRound']).toBe('3');
    expect(m['profile.stepsPerRound']).toBe('3 (a0 a2 a3), 9 (a1)');
    expect(Object.keys(m).filter((k) => k.startsWith('profiles.'))).toEqual([]);
    expect(m['topology.agents']).toBe('4');
  });

  it('the table fits 100 columns, with long labels and graph names, and shows each run\'s wall time', () => {
    const dir = richRun();
    const long = loadComparedRun(dir, 'a-very-long-run-label-that-goes-on-2026-12-01T21-36-52-seed-1');
    const withLauncher = richRun();
    writeFileSync(join(withLauncher, 'launcher.json'), JSON.stringify({ wallSeconds: 42.25, failed: {} }));
    const runs = [long, loadComparedRun(withLauncher, 'b'), loadComparedRun(fakeRun({ agents: 3 }), 'c')];
    const text = formatComparison(runs);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    const rows = text.split('\n').slice(2, 5);
    // from the start and end records (90 s apart), from launcher.json, and none
    expect(rows[0]).toMatch(/ 90\.0$/);
    expect(rows[1]).toMatch(/ 42\.3$/);
    expect(rows[2]).toMatch(/ -$/);
    expect(rows[0]).toMatch(/^a-very-long\S*…\S*seed-1 +mhd /);
    expect(text).toContain('wall s');
  });

  it('the same directory given twice is compared once, with a warning; labels are unique', () => {
    const dir = richRun();
    const link = join(tempDir(), 'link');
    symlinkSync(dir, link);
    const out = join(tempDir(), 'c.html');
    const { runs, warnings } = writeComparison(out, [{ dir }, { dir: `${dir}/` }, { dir: link }]);
    expect(runs).toHaveLength(1);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toBe(`${dir} and ${dir}/ are the same run directory: compared once`);
    expect(warnings[1]).toBe(`${dir} and ${link} are the same run directory: compared once`);
    // neither spelling is the real path: it is said
    expect(dedupeEntries([{ dir: link }, { dir: `${dir}/` }]).warnings).toEqual([`${link} and ${dir}/ are the same run directory (${realpathSync(dir)}): compared once`]);
    // two different runs in directories of the same name: the parent tells them apart
    const [p, q] = [tempDir(), tempDir()];
    for (const parent of [p, q]) cpSync(dir, join(parent, 'run'), { recursive: true });
    const twins = dedupeEntries([{ dir: join(p, 'run') }, { dir: join(q, 'run') }]);
    expect(twins.warnings).toEqual([]);
    expect(twins.entries.map((e) => e.label)).toEqual([`${basename(p)}/run`, `${basename(q)}/run`]);
    // labels given twice get a number
    expect(dedupeEntries([{ dir: join(p, 'run'), label: 'x' }, { dir: join(q, 'run'), label: 'x' }]).entries.map((e) => e.label)).toEqual(['x', 'x (2)']);
  });
});
