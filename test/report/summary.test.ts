import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRunReport } from '../../src/report/build.ts';
import { spawnSync } from 'node:child_process';
import { readRun } from '../../src/report/run-dir.ts';
import { failedAgents, formatSummary } from '../../src/report/summary.ts';
import { NODE } from '../helpers/node-bin.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

function round(agent: string, r: number, shared: number[], priv: number[], sent = 100) {
  return {
    type: 'round', agent, round: r, mode: 'mhd', backend: 'wasm (SIMD)', seconds: 1, trainSeconds: 0.5, exchangeSeconds: 0.3, fetchSeconds: 0.2, evalSeconds: 0.2,
    loss: { total: 1, ce: 1, distill: [0, 0], embedding: 0 }, teachersUsed: [], skipped: [], rejected: [], samplesUsed: [],
    bytesSent: { x: sent }, bytesReceived: { x: 2 * sent }, eval: { sharedAccuracy: shared, privateAccuracy: priv },
  };
}

describe('summary of a run directory', () => {
  it('reads partial and damaged metrics, marks unfinished and failed agents, computes mean and min', () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: topologyFile('name: pair\nagents: 3\ngraph: line\n'), auxHeads: 1 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const write = (agent: string, lines: unknown[], tail = '') => {
      mkdirSync(join(dir, 'agents', agent), { recursive: true });
      writeFileSync(join(dir, 'agents', agent, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n' + tail);
    };
    const start = (agent: string) => ({ type: 'start', agent, peerId: `p-${agent}`, backend: 'wasm (SIMD)', heads: 2, profile: 'small', startRound: 0, histogram: [], time: '2026-01-01T00:00:00Z' });
    write('a0', [start('a0'), round('a0', 0, [0.5, 0.6], [0.9, 0.8]), round('a0', 1, [0.7, 0.8], [0.95, 0.9]), { type: 'end', agent: 'a0', status: 'finished', roundsCompleted: 2, bytesSent: { x: 50 }, time: '2026-01-01T00:00:10Z' }]);
    // a1 was killed while writing its second round: the half line is skipped
    write('a1', [start('a1'), round('a1', 0, [0.4, 0.3], [0.8, 0.7])], '{"type":"round","agent":"a1","rou');
    write('a2', [start('a2'), round('a2', 0, [0.6, 0.5], [0.9, 0.9])]);
    appendFileSync(join(dir, 'launcher.json'), JSON.stringify({ wallSeconds: 12, failed: { a2: 'killed by SIGKILL' } }));
    const { summary, reportFile } = buildRunReport(dir);
    const byId = Object.fromEntries(summary.agents.map((a) => [a.id, a]));
    expect(byId.a0).toMatchObject({ status: 'finished', roundsCompleted: 2, bestHead: 1, bytesSent: 250, bytesReceived: 400 });
    expect(byId.a0.sharedAccuracy).toEqual([0.7, 0.8]);
    expect(byId.a1).toMatchObject({ status: 'running', roundsCompleted: 1, bestHead: 0 });
    expect(byId.a2.status).toBe('failed');
    // the failed agent's last evaluation is stale: it counts in neither mean nor min
    expect(summary.mean.sharedAccuracy[0]).toBeCloseTo((0.7 + 0.4) / 2, 10);
    expect(summary.min.sharedAccuracy[1]).toBeCloseTo(0.3, 10);
    expect(summary.best.sharedAccuracy).toBeCloseTo((0.8 + 0.4) / 2, 10);
    expect(summary.wallSeconds).toBe(12);
    expect(formatSummary(summary)).toMatch(/a2 \(failed after 1 rounds\)/);
    expect(reportFile).toMatch(/report.html$/);
  });

  const start = (agent: string, startRound = 0) => ({ type: 'start', agent, peerId: `p-${agent}`, backend: 'wasm (SIMD)', heads: 2, profile: 'small', startRound, histogram: [], time: '2026-01-01T00:00:00Z' });
  const end = (agent: string, status: string, rounds: number) => ({ type: 'end', agent, status, roundsCompleted: rounds, bytesSent: {}, time: '2026-01-01T00:00:10Z' });
  function runDir(agents: Record<string, unknown[]>, failed: Record<string, string>, tails: Record<string, string> = {}): string {
    const dir = tempDir();
    const config = tinyConfig({ topology: topologyFile('name: line-3\nagents: 3\ngraph: line\n'), auxHeads: 1 });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    for (const [agent, lines] of Object.entries(agents)) {
      mkdirSync(join(dir, 'agents', agent), { recursive: true });
      writeFileSync(join(dir, 'agents', agent, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n' + (tails[agent] ?? ''));
    }
    writeFileSync(join(dir, 'launcher.json'), JSON.stringify({ wallSeconds: 3, failed }));
    return dir;
  }

  it("a restarted agent that finishes is reported by its own last word, not the launcher's earlier record", () => {
    const dir = runDir(
      {
        a0: [start('a0'), round('a0', 0, [0.5, 0.5], [0.9, 0.9]), round('a0', 1, [0.6, 0.6], [0.9, 0.9]), end('a0', 'finished', 2)],
        // killed after round 0, restarted with --resume, finished
        a1: [start('a1'), round('a1', 0, [0.4, 0.4], [0.8, 0.8]), start('a1', 1), round('a1', 1, [0.5, 0.5], [0.8, 0.8]), end('a1', 'finished', 2)],
        // stopped once, restarted, then killed: its last session has no end
        a2: [start('a2'), round('a2', 0, [0.4, 0.4], [0.8, 0.8]), end('a2', 'stopped', 1), start('a2', 1)],
      },
      { a1: 'killed by SIGKILL', a2: 'killed by SIGKILL' },
    );
    const { summary } = buildRunReport(dir);
    const status = Object.fromEntries(summary.agents.map((a) => [a.id, a.status]));
    expect(status).toEqual({ a0: 'finished', a1: 'finished', a2: 'failed' });
    expect(failedAgents(summary)).toEqual(['a2']);
  });

  it('mean and min are over the agents that did not fail; the failed ones are listed apart', () => {
    const dir = runDir(
      {
        a0: [start('a0'), round('a0', 0, [0.7, 0.7], [0.9, 0.9]), end('a0', 'finished', 1)],
        a1: [start('a1'), round('a1', 0, [0.5, 0.6], [0.8, 0.8]), end('a1', 'finished', 1)],
        a2: [start('a2'), round('a2', 0, [0.1, 0.1], [0.2, 0.2])],
      },
      { a2: 'killed by SIGKILL' },
    );
    const { summary } = buildRunReport(dir);
    expect(summary.mean.sharedAccuracy[0]).toBeCloseTo(0.6, 10);
    expect(summary.min.sharedAccuracy[0]).toBeCloseTo(0.5, 10);
    expect(summary.min.privateAccuracy[0]).toBeCloseTo(0.8, 10);
    expect(summary.failed).toEqual(['a2']);
    const lines = formatSummary(summary).split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/^min\b/)).toBeGreaterThan(0);
    expect(at(/^a2 \(failed/)).toBeGreaterThan(at(/^min\b/));
  });

  it('report says which agent and line it skipped when a metrics line is torn', () => {
    const dir = runDir({ a0: [start('a0'), round('a0', 0, [0.5, 0.5], [0.9, 0.9])], a1: [start('a1'), round('a1', 0, [0.4, 0.3], [0.8, 0.7])] }, {}, { a1: '{"type":"round","agent":"a1","rou' });
    expect(readRun(dir).skipped).toEqual([{ agent: 'a1', line: 3 }]);
    const res = spawnSync(NODE, ['src/cli.ts', 'report', dir], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stderr.trim()).toBe('warning: skipped a torn line: agents/a1/metrics.jsonl line 3');
  });
});
