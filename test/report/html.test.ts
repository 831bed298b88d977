import { describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { quantile } from '../../src/report/charts.ts';
import { buildRunReport } from '../../src/report/build.ts';
import { renderReport } from '../../src/report/html.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { summarize } from '../../src/report/summary.ts';
import { teacherCounts, teacherTotals } from '../../src/report/teachers-table.ts';
import { fakeRun } from '../helpers/run-dir.ts';
import { chartTitled, gridOf, lineOf, richRun, rowOf } from './rich-run.ts';

/** A finished run directory of `n` agents on a ring, 3 rounds, agent i at accuracy (i + round) / (n + 3). */
const ringRun = (n: number) => fakeRun({ agents: n });
const page = (dir: string) => readFileSync(buildRunReport(dir).reportFile, 'utf8');
/** The page from the accuracy charts to the next section. */
const accuracyPart = (html: string) => html.slice(html.indexOf('<h2>Accuracy per round'), html.indexOf('<h2>Time per round'));

describe('report.html', () => {
  it('quantiles interpolate between order statistics', () => {
    expect(quantile([3, 1, 2, 4], 0)).toBe(1);
    expect(quantile([3, 1, 2, 4], 1)).toBe(4);
    expect(quantile([3, 1, 2, 4], 0.5)).toBe(2.5);
    expect(quantile([0, 10], 0.1)).toBeCloseTo(1, 10);
  });

  it('a few agents: one line per agent and the mean, each agent named in the legend', () => {
    const part = accuracyPart(page(ringRun(4)));
    // two charts (private, shared), each with 4 agent lines and the mean
    expect(part.match(/<polyline/g)).toHaveLength(2 * 5);
    expect(part).not.toMatch(/<polygon/);
    for (const a of ['a0', 'a1', 'a2', 'a3', 'mean']) expect(part).toMatch(new RegExp(`<span class="key"><svg[^]*?</svg> ${a}</span>`));
  });

  it('the summary\'s notes are on the page too: what "best head" means, and the agents that never started', () => {
    const dir = ringRun(4);
    rmSync(join(dir, 'agents', 'a2', 'metrics.jsonl'));
    const html = page(dir);
    expect(html).toMatch(/<p class="note">best head \(by shared\): the head with the top shared accuracy/);
    expect(html).toMatch(/<p class="note">[^<]*not started[^<]*a2/);
  });

  it('tables are HTML tables, escaped, with the mean and min rows marked; no preformatted tables', () => {
    const html = page(ringRun(4));
    expect(html).toContain('<th>agent</th>');
    expect(html).toMatch(/<tr class="stat"><td>mean<\/td>/);
    expect(html).toMatch(/<td class="num">\d+\.\d%<\/td>/);
    // only the configuration stays preformatted
    expect(html.match(/<pre>/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script|<link|<img|https?:\/\/(?!www\.w3\.org)/);
  });

  it('many agents: bands of min-max and 10th-90th percentile around the mean, no line per agent', () => {
    const n = 40;
    const html = page(ringRun(n));
    const part = accuracyPart(html);
    expect(part.match(/<polyline/g)).toHaveLength(2);
    expect(part.match(/<polygon/g)).toHaveLength(2 * 2);
    expect(html).toContain(`${n} agents:`);
    // the shared chart's min-max band spans agent 0 to agent n-1 at round 0: 0 .. (n-1)/(n+3), and at round 2 up to (n+1)/(n+3)
    const shared = chartTitled(html, 'shared accuracy, main head');
    const band = shared.match(/<polygon[^>]*points="([^"]*)"><title>min to max<\/title>/)![1].split(' ').map((p) => p.split(',').map(Number));
    const ys = band.map(([, y]) => y);
    expect(Math.max(...ys)).toBeCloseTo(rowOf(shared, 0), 0);
    expect(Math.min(...ys)).toBeCloseTo(rowOf(shared, (n + 1) / (n + 3)), 0);
  });

  it('its tables and charts carry the run\'s figures, rounds numbered from 0 as in the records', () => {
    const n = 4;
    const { reportFile, summary } = buildRunReport(ringRun(n));
    const html = readFileSync(reportFile, 'utf8');
    // the tables: every agent's final shared accuracy (round 2: (i + 2) / 7), and the mean
    for (let i = 0; i < n; i++) expect(html).toContain(`<td class="num">${(100 * (i + 2) / (n + 3)).toFixed(1)}%</td>`);
    expect(html).toContain(`${(100 * summary.mean.sharedAccuracy[0]).toFixed(1)}%</td>`);
    // the shared chart: agent i's line passes through (i + r) / 7 at rounds 0..2, the mean through their mean
    const shared = chartTitled(html, 'shared accuracy, main head');
    for (let i = 0; i < n; i++) expect(lineOf(shared, `a${i}`).map(([, y]) => y)).toEqual([0, 1, 2].map((r) => expect.closeTo(rowOf(shared, (i + r) / (n + 3)), 0)));
    expect(lineOf(shared, 'mean').map(([, y]) => y)).toEqual([0, 1, 2].map((r) => expect.closeTo(rowOf(shared, (1.5 + r) / (n + 3)), 0)));
    // x: the first point is round 0, at the tick labelled 0, as in the logs and the trust table
    const xs = lineOf(shared, 'a0').map(([x]) => x);
    const tick0 = Number(shared.match(/<text x="([\d.]+)" y="[\d.]+" text-anchor="middle">0<\/text>/)![1]);
    expect(xs[0]).toBeCloseTo(tick0, 0);
    expect(xs[0]).toBeLessThan(xs[1]);
    expect(html).toContain('Rounds are numbered from 0');
    expect(html).not.toMatch(/<th>3<\/th>/);
    expect(html).toContain('&quot;rounds&quot;: 3');
  });

  it('the accuracy axis is fitted to the data: 88-98 % does not start at 0 and fills the chart', () => {
    const html = page(richRun({ agents: 4, rounds: 5 }));
    const priv = chartTitled(html, 'private accuracy, main head');
    const ticks = gridOf(priv).map((g) => g.v);
    expect(ticks[0]).toBeGreaterThan(0.8);
    expect(ticks[0]).toBeLessThanOrEqual(0.877);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(0.98);
    expect(ticks[ticks.length - 1]).toBeLessThanOrEqual(1);
    // round ticks: an even step, labelled as whole percents
    const steps = ticks.slice(1).map((t, i) => t - ticks[i]);
    for (const s of steps) expect(s).toBeCloseTo(steps[0], 9);
    expect(priv).toMatch(/>90%<\/text>/);
    // the data span most of the plot's height
    const ys = lineOf(priv, 'a0').map(([, y]) => y);
    expect((Math.max(...ys) - Math.min(...ys)) / (rowOf(priv, ticks[0]) - rowOf(priv, ticks[ticks.length - 1]))).toBeGreaterThan(0.6);
  });

  it('time per round split into train, exchange and eval; bytes, loss per head and trust per round', () => {
    const html = page(richRun({ agents: 4, rounds: 5, heads: 3, liars: { a2: 'shift' } }));
    const time = chartTitled(html, 'seconds per round, mean over agents');
    // 5 rounds x 3 parts; the stack of round 0 is 1 + 0.5 + 0.25 s tall
    expect(time.match(/<rect /g)).toHaveLength(15);
    const rects = [...time.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"[^>]*><title>([^<]*)<\/title>/g)];
    expect(rects.slice(0, 3).map((m) => m[3])).toEqual(['train, round 0: 1.00 seconds', expect.stringMatching(/^exchange .*, round 0: 0\.50 seconds$/), 'eval, round 0: 0.25 seconds']);
    const top = Math.min(...rects.slice(0, 3).map((m) => Number(m[1])));
    expect(top).toBeCloseTo(rowOf(time, 1.75), 0);
    // bytes: agent i sends 2000 (i + 1) bytes a round
    const sent = chartTitled(html, 'KB sent per agent per round');
    expect(lineOf(sent, 'a3')[0][1]).toBeCloseTo(rowOf(sent, 8000 / 1024), 0);
    expect(html).toContain('KB received per agent per round');
    // loss: a line per head that distils (heads 1 and 2), the cross-entropy and the total; head 0 never distils
    const loss = chartTitled(html, 'training loss, mean over a round&#39;s steps and over agents');
    expect(lineOf(loss, 'distillation, auxiliary head 2').map(([, y]) => y)).toEqual([0, 0.3, 0.3, 0.3, 0.3].map((v) => expect.closeTo(rowOf(loss, v), 0)));
    expect(loss).toContain('<title>distillation, auxiliary head 1</title>');
    expect(loss).not.toContain('distillation, main head');
    expect(html).toContain('not drawn: distillation, main head');
    // trust in each agent: the liar's raters trust it 0.3, below the threshold line, and it is labelled
    const trust = chartTitled(html, 'trust in each agent, mean over the agents that learn from it');
    expect(lineOf(trust, 'a2 (liar)')[0][1]).toBeCloseTo(rowOf(trust, 0.3), 0);
    expect(lineOf(trust, 'a0')[0][1]).toBeCloseTo(rowOf(trust, 0.85), 0);
    expect(trust).toMatch(/class="rule"/);
    expect(trust).toContain('>a2 (liar)</text>');
  });

  it('a run that exchanged nothing says so instead of drawing empty charts', () => {
    // fakeRun: no bytes, all time in training, no teachers
    const html = page(ringRun(4));
    expect(html).toContain('No agent sent or received anything (mhd run).');
    expect(html).not.toContain('KB sent per agent per round');
    const time = chartTitled(html, 'seconds per round, mean over agents');
    expect(time.match(/<rect /g)).toHaveLength(3);
    expect(html).not.toContain('waiting for neighbours');
    // an mhd run whose agents chose no teacher still shows the table, all zeros
    expect(html).toContain('<h2>Teachers chosen</h2>');
    expect(html).toMatch(/Never chosen: a1 by a0, a3 by a0/);
  });

  it('the teachers table counts what the records say', () => {
    const dir = richRun({ agents: 4, rounds: 5, liars: { a2: 'shift' } });
    const counts = teacherCounts(readRun(dir));
    const of = (a: string, n: string) => counts.find((c) => c.agent === a && c.neighbour === n)!;
    // right neighbour every round, left one in rounds 0, 2, 4; a liar only in round 0 (excluded after)
    expect(of('a0', 'a1')).toEqual({ agent: 'a0', neighbour: 'a1', chosen: 5, excluded: 0, rounds: 5 });
    expect(of('a0', 'a3')).toMatchObject({ chosen: 3, excluded: 0 });
    expect(of('a1', 'a2')).toMatchObject({ chosen: 1, excluded: 4 });
    expect(of('a3', 'a2')).toMatchObject({ chosen: 1, excluded: 2 });
    expect(counts).toHaveLength(8);
    expect(teacherTotals(counts).find((t) => t.teacher === 'a2')).toEqual({ teacher: 'a2', chosen: 2, possible: 10, excluded: 6 });
    const html = page(dir);
    const table = html.slice(html.indexOf('<h2>Teachers chosen'), html.indexOf('<h2>Configuration'));
    expect(table).toContain('<tr><td>a1</td><td>a2 (liar: shift)</td><td class="num">1</td><td class="num">4</td><td class="num">5</td><td class="num">20%</td></tr>');
  });

  it('many agents: teachers counted per teacher, trust rows only where something happened, bands over the honest', () => {
    const html = page(richRun({ agents: 40, rounds: 4, liars: { a2: 'shift' } }));
    const teachers = html.slice(html.indexOf('<h2>Teachers chosen'), html.indexOf('<h2>Configuration'));
    expect(teachers).toContain('<th>teacher</th>');
    // a2 is the right neighbour of a1 (every round) and the left one of a3 (rounds 0 and 2): 6 agent-rounds; chosen in round 0 by both
    expect(teachers).toContain('<tr><td>a2 (liar: shift)</td><td class="num">2</td><td class="num">4</td><td class="num">8</td><td class="num">25%</td></tr>');
    const table = html.slice(html.indexOf('<table class="trust">'), html.indexOf('<h2>Teachers chosen'));
    expect(table.match(/<tr><td>/g)).toHaveLength(2);
    expect(html).toContain('2 of the 80 agent-neighbour pairs');
    const trust = chartTitled(html, 'trust in each agent, mean over the agents that learn from it');
    expect(trust.match(/<polygon/g)).toHaveLength(2);
    // the min-max band is over the honest agents (each trusted 0.9 by one rater and 0.8 by the other): the liar's 0.3 is its own line
    const band = trust.match(/<polygon[^>]*points="([^"]*)"><title>min to max<\/title>/)![1].split(' ').map((q) => Number(q.split(',')[1]));
    for (const y of band) expect(y).toBeCloseTo(rowOf(trust, 0.85), 0);
    expect(lineOf(trust, 'a2 (liar)')[0][1]).toBeCloseTo(rowOf(trust, 0.3), 0);
    // 40 agents: names on the drawing, values in the tooltips only
    const topo = html.slice(html.indexOf('<h2>Topology'), html.indexOf('<h2>Accuracy per round'));
    expect(topo).toContain('<title>a7: 62.0%</title>');
    expect(topo).not.toMatch(/font-size="10">62\.0%</);
  });

  it('a baseline run: its mean as a labelled dashed line in every accuracy chart', () => {
    const dir = richRun({ agents: 4, rounds: 5 });
    const baseDir = richRun({ agents: 3, rounds: 5, priv: () => 0.9 });
    const base = readRun(baseDir);
    const run = readRun(dir);
    const html = renderReport(run, summarize(run), { run: base, summary: summarize(base) });
    const label = `baseline (${base.config.name}): mean`;
    for (const title of ['private accuracy, main head', 'shared accuracy, main head', 'private accuracy, auxiliary head 1']) {
      const svg = chartTitled(html, title);
      expect(svg).toMatch(new RegExp(`stroke-dasharray="[\\d,]+" points="[^"]*"><title>${label.replace(/[()]/g, '\\$&')}</title>`));
      expect(svg).toContain('class="end-label"');
    }
    const priv = chartTitled(html, 'private accuracy, main head');
    expect(lineOf(priv, label).map(([, y]) => y)).toEqual([0, 1, 2, 3, 4].map(() => expect.closeTo(rowOf(priv, 0.9), 0)));
    expect(html).toContain('<b>Baseline</b>');
    expect(renderReport(run, summarize(run))).not.toContain('baseline');
  });

  it('the topology is coloured on an absolute scale, with its legend', () => {
    const html = page(richRun({ agents: 4, rounds: 5 }));
    const topo = html.slice(html.indexOf('<h2>Topology'), html.indexOf('<h2>Accuracy per round'));
    expect(topo).toContain('<g class="legend">');
    expect(topo).toContain('shared accuracy, best head');
    expect(topo).toMatch(/>0%<\/text>[^]*>100%<\/text>/);
  });
});
