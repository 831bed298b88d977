import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildRunReport } from '../../src/report/build.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { failedAgents, formatHeads, formatSummary, summarize, SUMMARY_WIDTH } from '../../src/report/summary.ts';
import { NODE } from '../helpers/node-bin.ts';
import { craftRun, end, finished, round, start } from './fixture.ts';

const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));
const statuses = (s: ReturnType<typeof summarize>) => Object.fromEntries(s.agents.map((a) => [a.id, a.status]));

describe('summary of a run directory', () => {
  it('reads partial and damaged metrics, marks unfinished and failed agents, computes mean and min', () => {
    const dir = craftRun({
      agents: {
        a0: [start('a0'), round('a0', 0, [0.5, 0.6], [0.9, 0.8]), round('a0', 1, [0.7, 0.8], [0.95, 0.9]), end('a0', 'finished', 2, { x: 50 })],
        // a1 was killed while writing its second round: the half line is skipped
        a1: [start('a1'), round('a1', 0, [0.4, 0.3], [0.8, 0.7])],
        a2: [start('a2'), round('a2', 0, [0.6, 0.5], [0.9, 0.9])],
      },
      tails: { a1: '{"type":"round","agent":"a1","rou' },
      launcher: { wallSeconds: 12, failed: { a2: 'killed by SIGKILL' } },
    });
    const { summary, reportFile } = buildRunReport(dir);
    const byId = Object.fromEntries(summary.agents.map((a) => [a.id, a]));
    expect(byId.a0).toMatchObject({ status: 'finished', roundsCompleted: 2, bestHead: 1, bytesSent: 250, bytesReceived: 400 });
    expect(byId.a0.sharedAccuracy).toEqual([0.7, 0.8]);
    expect(byId.a1).toMatchObject({ status: 'running', roundsCompleted: 1, bestHead: 0 });
    expect(byId.a2).toMatchObject({ status: 'failed', reason: 'killed by SIGKILL' });
    // the failed agent's last evaluation is stale: it counts in neither mean nor min
    expect(summary.mean.sharedAccuracy[0]).toBeCloseTo((0.7 + 0.4) / 2, 10);
    expect(summary.min.sharedAccuracy[1]).toBeCloseTo(0.3, 10);
    expect(summary.best.sharedAccuracy).toBeCloseTo((0.8 + 0.4) / 2, 10);
    expect(summary.wallSeconds).toBe(12);
    expect(formatSummary(summary)).toMatch(/^a2 +failed 1\/3 /m);
    expect(formatSummary(summary)).toMatch(/^a1 +running 1\/3 /m);
    expect(reportFile).toMatch(/report.html$/);
  });

  it("a restarted agent that finishes is reported by its own last word, not the launcher's earlier record", () => {
    const dir = craftRun({
      agents: {
        a0: [start('a0'), round('a0', 0, [0.5, 0.5], [0.9, 0.9]), round('a0', 1, [0.6, 0.6], [0.9, 0.9]), end('a0', 'finished', 2)],
        // killed after round 0, restarted with --resume, finished
        a1: [start('a1'), round('a1', 0, [0.4, 0.4], [0.8, 0.8]), start('a1', 1), round('a1', 1, [0.5, 0.5], [0.8, 0.8]), end('a1', 'finished', 2)],
        // stopped once, restarted, then killed: its last session has no end
        a2: [start('a2'), round('a2', 0, [0.4, 0.4], [0.8, 0.8]), end('a2', 'stopped', 1), start('a2', 1)],
      },
      launcher: { wallSeconds: 3, failed: { a1: 'killed by SIGKILL', a2: 'killed by SIGKILL' } },
    });
    const { summary } = buildRunReport(dir);
    expect(statuses(summary)).toEqual({ a0: 'finished', a1: 'finished', a2: 'failed' });
    expect(failedAgents(summary)).toEqual(['a2']);
    expect(summary.agents[1].reason).toBeUndefined();
  });

  it('mean and min are over the agents that did not fail; the failed ones are listed apart', () => {
    const dir = craftRun({
      agents: {
        a0: [start('a0'), round('a0', 0, [0.7, 0.7], [0.9, 0.9]), end('a0', 'finished', 1)],
        a1: [start('a1'), round('a1', 0, [0.5, 0.6], [0.8, 0.8]), end('a1', 'finished', 1)],
        a2: [start('a2'), round('a2', 0, [0.1, 0.1], [0.2, 0.2])],
      },
      launcher: { wallSeconds: 3, failed: { a2: 'killed by SIGKILL' } },
    });
    const { summary } = buildRunReport(dir);
    expect(summary.mean.sharedAccuracy[0]).toBeCloseTo(0.6, 10);
    expect(summary.min.sharedAccuracy[0]).toBeCloseTo(0.5, 10);
    expect(summary.min.privateAccuracy[0]).toBeCloseTo(0.8, 10);
    expect(summary.failed).toEqual(['a2']);
    const lines = formatSummary(summary).split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/^min\b/)).toBeGreaterThan(0);
    expect(lines[at(/^mean\b/)]).toMatch(/^mean +2 agents +85\.0% +60\.0% +65\.0% +85\.0%$/);
    expect(at(/^a2 +failed/)).toBeGreaterThan(at(/^min\b/));
  });

  it('report says which agent and line it skipped when a metrics line is torn', () => {
    const dir = craftRun({ agents: { a0: [start('a0'), round('a0', 0, [0.5, 0.5], [0.9, 0.9])], a1: [start('a1'), round('a1', 0, [0.4, 0.3], [0.8, 0.7])] }, tails: { a1: '{"type":"round","agent":"a1","rou' } });
    expect(readRun(dir).skipped).toEqual([{ agent: 'a1', line: 3 }]);
    const res = spawnSync(NODE, ['src/cli.ts', 'report', dir], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stderr.trim()).toMatch(/^(mhd: )?warning: skipped a torn line: agents\/a1\/metrics\.jsonl line 3$/);
  });
});

describe('an interrupted start-up', () => {
  // Ctrl-C 4 s in: a0 had begun, a1 has an empty metrics file, a2 and a3 no directory; every worker exited.
  const topology = 'name: ring-4\nagents: 4\ngraph: ring\n';
  const failed = { a0: 'exited with code 0', a1: 'its worker w0 exited with code 0', a2: 'its worker w1 exited with code 0', a3: 'its worker w1 exited with code 0' };

  it('agents that never began round 0 are not started, not failed, in the summary, its table and summary.json alike', () => {
    const dir = craftRun({ topology, agents: { a0: [start('a0'), round('a0', 0, [0.5, 0.6], [0.9, 0.8]), end('a0', 'stopped', 1)], a1: [] }, launcher: { wallSeconds: 4, failed, interrupted: true } });
    const { summary } = buildRunReport(dir);
    expect(statuses(summary)).toEqual({ a0: 'stopped', a1: 'not started', a2: 'not started', a3: 'not started' });
    expect(summary.failed).toEqual([]);
    expect(summary.notStarted).toEqual(['a1', 'a2', 'a3']);
    const json = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(json.agents.map((a: { id: string }) => a.id)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(json.failed).toEqual([]);
    const table = formatSummary(summary);
    expect(table).toMatch(/^not started \(no round recorded here\): a1, a2, a3$/m);
    expect(table).not.toMatch(/^a[123] |failed| 0\.0%/m);
    // mean and min are over a0 alone
    expect(table).toMatch(/^mean +1 agent +90\.0% +50\.0%/m);
  });

  it('with no agent results, the table says so instead of a backend "unknown" and 0.0 % means', () => {
    const dir = craftRun({ topology, agents: {}, launcher: { wallSeconds: 4, failed, interrupted: true } });
    const summary = summarize(readRun(dir));
    expect(summary.agents.map((a) => a.status)).toEqual(Array(4).fill('not started'));
    expect(summary.agents[2].reason).toBe('its worker w1 exited with code 0');
    const table = formatSummary(summary);
    expect(table).not.toMatch(/unknown|0\.0%|^mean|^min/m);
    expect(table.split('\n').slice(2)).toEqual(['no agent reported an accuracy (4 not started): no mean or min', 'not started (no round recorded here): a0, a1, a2, a3']);
    expect(formatHeads(summary)).toBe('');
  });

  it('an agent the launcher saw fail to start in a run nobody interrupted is failed', () => {
    const dir = craftRun({ agents: { a0: finished('a0', 1, [0.5, 0.5], [0.9, 0.9]), a2: finished('a2', 1, [0.5, 0.5], [0.9, 0.9]) }, launcher: { wallSeconds: 4, failed: { a1: 'could not start: address in use' } } });
    const summary = summarize(readRun(dir));
    expect(statuses(summary)).toEqual({ a0: 'finished', a1: 'failed', a2: 'finished' });
    expect(summary.failed).toEqual(['a1']);
  });
});

describe('agents that learnt from nobody', () => {
  it('an mhd agent with in-neighbours and no teacher in any round is untaught, and the table marks it', () => {
    const dir = craftRun({
      // a star: a0 is every other agent's one neighbour; a3 has none (no edge)
      topology: 'name: star\nagents: [a0, a1, a2, a3]\nedges: [[a0, a1], [a0, a2]]\n',
      agents: {
        a0: finished('a0', 2, [0.5, 0.5], [0.9, 0.9], []),
        // a teacher in round 1 only is enough
        a1: [start('a1'), round('a1', 0, [0.5, 0.5], [0.9, 0.9], { teachers: [] }), round('a1', 1, [0.5, 0.5], [0.9, 0.9], { teachers: ['a0'] })],
        a2: [start('a2'), round('a2', 0, [0.5, 0.5], [0.9, 0.9], { teachers: [] })],
        a3: finished('a3', 2, [0.5, 0.5], [0.9, 0.9], []),
      },
    });
    const summary = summarize(readRun(dir));
    expect(summary.untaught).toEqual(['a0', 'a2']);
    const table = formatSummary(summary);
    expect(table).toMatch(/^a0! +finished/m);
    expect(table).toMatch(/^a3 +finished/m);
    expect(table).toMatch(/^! learnt from no neighbour in any round: a0, a2$/m);
  });

  it('an agent whose answers were all excluded by the defence reached its neighbours: not untaught; nor is a liar', () => {
    const excludedEveryRound = (agent: string) => [start(agent), { ...round(agent, 0, [0.5], [0.9], { teachers: [] }), excluded: [{ agent: 'a0', reason: 'trust 0.2' }] }];
    const dir = craftRun({
      topology: 'name: star\nagents: [a0, a1, a2]\nedges: [[a0, a1], [a0, a2]]\nadversaries: { a0: shift }\n',
      agents: { a0: finished('a0', 1, [0.5], [0.9], []), a1: excludedEveryRound('a1'), a2: [start('a2'), round('a2', 0, [0.5], [0.9], { teachers: [] })] },
    });
    expect(summarize(readRun(dir)).untaught).toEqual(['a2']);
  });

  it('baselines without neighbours by design never are; gossip is judged as mhd', () => {
    const agents = { a0: finished('a0', 1, [0.5], [0.9], []), a1: finished('a1', 1, [0.5], [0.9], []), a2: finished('a2', 1, [0.5], [0.9], ['a1']) };
    expect(summarize(readRun(craftRun({ agents, options: { mode: 'isolated' } }))).untaught).toEqual([]);
    expect(summarize(readRun(craftRun({ agents, options: { mode: 'gossip' } }))).untaught).toEqual(['a0', 'a1']);
  });
});

describe('the heads table', () => {
  it('fits the summary\'s width at any head count: past a few heads it splits over several tables, every head once', () => {
    const heads = (n: number) => Array.from({ length: n }, (_, h) => 0.5 + h / 100);
    for (const n of [1, 4, 6, 17]) {
      const text = formatHeads(summarize(readRun(craftRun({ agents: { a0: finished('a0', 1, heads(n), heads(n)), a1: finished('a1', 1, heads(n), heads(n)) } }))));
      expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(SUMMARY_WIDTH);
      for (let h = 0; h < n; h++) expect(text.match(new RegExp(`\\bshared h${h}\\b`, 'g'))).toHaveLength(1);
    }
    // the default's four heads stay one table
    expect(formatHeads(summarize(readRun(craftRun({ agents: { a0: finished('a0', 1, heads(4), heads(4)) } })))).split('\n\n')).toHaveLength(1);
  });
});

describe('the table', () => {
  it('fits 100 columns for 8 agents with liars, says what best means and labels the best head\'s private figure', () => {
    const agents = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`a${i}`, finished(`a${i}`, 10, [0.86, 0.89, 0.9, 0.913], [0.978, 0.975, 0.97, 0.95])]));
    agents.a7 = [start('a7'), round('a7', 0, [0.1, 0.2], [0.3, 0.4])];
    const dir = craftRun({
      topology: 'name: ring-8\nagents: 8\ngraph: ring\nadversaries:\n  a3: shift\n  a5: sleeper:3\n',
      agents,
      options: { rounds: 10, auxHeads: 3, evalSamples: 300 },
      launcher: { wallSeconds: 1234.5, failed: { a7: 'killed by SIGKILL' } },
    });
    const text = formatSummary(summarize(readRun(dir)));
    expect(widest(text)).toBeLessThanOrEqual(SUMMARY_WIDTH);
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('agent'))!;
    expect(header).toMatch(/private main +shared main +best head \(by shared\) +its private +sent\/received$/);
    expect(lines.find((l) => l.startsWith('a0 '))).toMatch(/^a0 +finished +97\.8% +86\.0% +h3 +91\.3% +95\.0% +\d+K\/\d+K$/);
    expect(text).toMatch(/^a3\* +finished/m);
    expect(text).toMatch(/^a7 +failed 1\/10/m);
    expect(text).toMatch(/its private: that same head's private$/m);
  });
});

describe("a node's run directory", () => {
  it('holds one agent of many: the others are one line of not started, not a row each', () => {
    const dir = craftRun({ topology: 'name: ring-16\nagents: 16\ngraph: ring\n', agents: { a0: finished('a0', 3, [0.5, 0.6], [0.9, 0.8]) } });
    const lines = formatSummary(summarize(readRun(dir))).split('\n');
    expect(lines.filter((l) => /^a\d/.test(l))).toHaveLength(1);
    expect(lines).toContain('not started (no round recorded here): a1, a2, a3, a4, a5, a6, a7, a8, a9, a10 and 5 more');
  });
});

describe('a report with a baseline', () => {
  it('reads the baseline run, says which of its lines it skipped, and writes nothing to it', () => {
    const dir = craftRun({ agents: { a0: finished('a0', 1, [0.5, 0.6], [0.9, 0.8]) } });
    const base = craftRun({ agents: { a0: finished('a0', 1, [0.4, 0.4], [0.9, 0.9]) }, tails: { a0: '{"type":"ro' }, options: { mode: 'isolated' } });
    const { skipped } = buildRunReport(dir, { baseline: base });
    expect(skipped).toEqual([`${base}/agents/a0/metrics.jsonl line 4`]);
    expect(existsSync(join(base, 'summary.json'))).toBe(false);
    expect(() => buildRunReport(dir, { baseline: join(base, 'nowhere') })).toThrow(/not a run directory/);
  });
});
