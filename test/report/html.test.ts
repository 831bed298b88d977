import { describe, expect, it } from 'vitest';
import { quantile } from '../../src/report/charts.ts';
import { buildRunReport } from '../../src/report/build.ts';
import { readFileSync } from 'node:fs';
import { fakeRun } from '../helpers/run-dir.ts';
import { PAGE_CHART } from '../../src/report/charts.ts';

/** A finished run directory of `n` agents on a ring, 3 rounds, agent i at accuracy (i + round) / (n + 3). */
const ringRun = (n: number) => fakeRun({ agents: n });

describe('report.html', () => {
  it('quantiles interpolate between order statistics', () => {
    expect(quantile([3, 1, 2, 4], 0)).toBe(1);
    expect(quantile([3, 1, 2, 4], 1)).toBe(4);
    expect(quantile([3, 1, 2, 4], 0.5)).toBe(2.5);
    expect(quantile([0, 10], 0.1)).toBeCloseTo(1, 10);
  });

  it('a few agents: one line per agent and the mean', () => {
    const html = readFileSync(buildRunReport(ringRun(4)).reportFile, 'utf8');
    // two charts (private, shared), each with 4 agent lines and the mean
    expect(html.match(/<polyline/g)).toHaveLength(2 * 5);
    expect(html).not.toMatch(/<polygon/);
  });

  it('tables are HTML tables, escaped, with the mean and min rows marked; no preformatted tables', () => {
    const html = readFileSync(buildRunReport(ringRun(4)).reportFile, 'utf8');
    expect(html.match(/<table>/g)).toHaveLength(2);
    expect(html).toContain('<th>agent</th>');
    expect(html).toMatch(/<tr class="stat"><td>mean<\/td>/);
    expect(html).toMatch(/<td class="num">\d+\.\d%<\/td>/);
    // only the configuration stays preformatted
    expect(html.match(/<pre>/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('many agents: bands of min-max and 10th-90th percentile around the mean, no line per agent', () => {
    const n = 40;
    const html = readFileSync(buildRunReport(ringRun(n)).reportFile, 'utf8');
    expect(html.match(/<polyline/g)).toHaveLength(2);
    expect(html.match(/<polygon/g)).toHaveLength(2 * 2);
    expect(html).toContain(`${n} agents:`);
    // the shared chart's min-max band spans agent 0 to agent n-1 at round 1: 0 .. (n-1)/(n+3)
    const band = [...html.matchAll(/<polygon[^>]*points="([^"]*)"><title>min to max<\/title>/g)][1][1].split(' ').map((p) => p.split(',').map(Number));
    const ys = band.map(([, y]) => y);
    // the page's charts: margins top 2.4 and bottom 3 font sizes
    const { height: h, fontSize: fs } = PAGE_CHART;
    const chartY = (v: number) => h - 3 * fs - v * (h - 2.4 * fs - 3 * fs);
    expect(Math.max(...ys)).toBeCloseTo(chartY(0), 0);
    expect(Math.min(...ys)).toBeCloseTo(chartY((n - 1 + 2) / (n + 3)), 0);
  });

  it('its tables and charts carry the run\'s figures', () => {
    const n = 4;
    const dir = ringRun(n);
    const { reportFile, summary } = buildRunReport(dir);
    const html = readFileSync(reportFile, 'utf8');
    // the summary table: every agent's final shared accuracy (round 2: (i + 2) / 7), and the mean
    const table = html.match(/<h2>Summary<\/h2>(<table>[\s\S]*?<\/table>)/)![1];
    const row = (first: string) => table.match(new RegExp(`<tr[^>]*><td>${first}(?: [^<]*)?</td>([\\s\\S]*?)</tr>`))![1];
    for (let i = 0; i < n; i++) expect(row(`a${i}`)).toContain(`>${(100 * (i + 2) / (n + 3)).toFixed(1)}%<`);
    expect(row('mean')).toContain(`>${(100 * summary.mean.sharedAccuracy[0]).toFixed(1)}%<`);
    expect(summary.mean.sharedAccuracy[0]).toBeCloseTo((2 + 3 + 4 + 5) / 4 / 7, 10);
    // the shared chart: agent i's line passes through (i + r) / 7 at rounds 1..3, the mean through their mean
    const shared = html.slice(html.indexOf('shared accuracy, main head'));
    const line = (label: string) => shared.match(new RegExp(`points="([^"]*)"><title>${label}</title></polyline>`))![1].split(' ').map((p) => p.split(',').map(Number));
    // The chart's own grid gives its scale: the first grid line is 0 %, the fifth 100 %.
    const grid = [...shared.matchAll(/<line [^>]*y1="([\d.]+)"[^>]*stroke="#eee"/g)].map((m) => Number(m[1]));
    const chartY = (v: number) => grid[0] + v * (grid[4] - grid[0]);
    for (let i = 0; i < n; i++) {
      expect(line(`a${i}`).map(([, y]) => y)).toEqual([0, 1, 2].map((r) => expect.closeTo(chartY((i + r) / (n + 3)), 0)));
    }
    expect(line('mean').map(([, y]) => y)).toEqual([0, 1, 2].map((r) => expect.closeTo(chartY((1.5 + r) / (n + 3)), 0)));
    // x runs with the round: three points left to right
    const xs = line('a0').map(([x]) => x);
    expect(xs[0]).toBeLessThan(xs[1]);
    expect(xs[1]).toBeLessThan(xs[2]);
    // the configuration the run was made with
    expect(html).toContain('&quot;rounds&quot;: 3');
    expect(html).toMatch(/mhd on <b>/);
  });
});
