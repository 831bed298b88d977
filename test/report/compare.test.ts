import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatComparison, loadComparedRun, renderComparison, writeComparison } from '../../src/report/compare.ts';
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
    // agent i after round r: (i + r) / 7; mean over i = 0..3 is (1.5 + r) / 7, min r / 7
    expect(a.curves.sharedAccuracy).toHaveLength(2);
    expect(a.curves.sharedAccuracy[0].mean[2][0]).toBe(3);
    expect(a.curves.sharedAccuracy[0].mean[2][1]).toBeCloseTo(3.5 / 7, 10);
    expect(a.curves.sharedAccuracy[0].min[2][1]).toBeCloseTo(2 / 7, 10);
    // two neighbours, 1 KiB each per round
    expect(a.bytesPerRound).toEqual([[1, 2048], [2, 2048], [3, 2048]]);
    expect(b.bytesPerRound.every(([, v]) => v === 0)).toBe(true);
    const text = formatComparison([a, b]);
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toContain('a <ring>');
    expect(text).toMatch(/50\.0%/);

    const html = renderComparison([a, b]);
    // main head: private and shared charts, 2 runs x (mean, min); head 1: run a only; bytes: 2 lines
    expect(html.match(/<polyline/g)).toHaveLength(2 * 4 + 2 * 2 + 2);
    expect(html.match(/stroke-dasharray/g)!.length).toBeGreaterThanOrEqual(2 * 2 + 2);
    expect(html).toContain('a &lt;ring&gt;');
    expect(html).not.toContain('a <ring>');
    expect(html).toContain('KB received per agent per round');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
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
    const runs = writeComparison(out, [{ dir: fakeRun({ agents: 2 }), label: 'x' }], 'title & more');
    expect(runs.map((r) => r.label)).toEqual(['x']);
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
