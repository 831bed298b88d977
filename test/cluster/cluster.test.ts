import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchCluster } from '../../src/cluster/launcher.ts';
import { buildRunReport } from '../../src/report/build.ts';
import { TEST_BACKEND, TEST_BACKEND_NAME } from '../helpers/backend.ts';
import { NODE } from '../helpers/node-bin.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');
const tiny = ['--nodes', 'small', '--aux-heads', '3', '--private', '100', '--public', '400', '--chunk', '100', '--steps', '3', '--eval-samples', '300', '--backend', TEST_BACKEND];

describe('local cluster', () => {
  it('runs one process per agent end to end and writes summary.json, summary.csv and report.html', () => {
    const dir = join(tempDir(), 'run');
    const res = spawnSync(NODE, ['src/cli.ts', 'cluster', '--topology', line3, '--rounds', '2', ...tiny, '--out', dir], { encoding: 'utf8', timeout: 120_000 });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/3 agent processes/);
    expect(res.stdout).toMatch(/^mean\s+\d+\.\d%/m);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ mode: 'mhd', dataset: 'mnist', topology: 'line-3', rounds: 2 });
    expect(summary.backend).toMatch(new RegExp(`^${TEST_BACKEND_NAME}`));
    expect(summary.wallSeconds).toBeGreaterThan(0);
    expect(summary.agents.map((a: { id: string }) => a.id)).toEqual(['a0', 'a1', 'a2']);
    for (const a of summary.agents) {
      expect(a.privateAccuracy).toHaveLength(4);
      expect(a.sharedAccuracy).toHaveLength(4);
      expect(a.bytesSent).toBeGreaterThan(0);
      expect(a.bytesReceived).toBeGreaterThan(0);
    }
    expect(summary.mean.privateAccuracy).toHaveLength(4);
    expect(summary.mean.sharedAccuracy).toHaveLength(4);
    expect(readFileSync(join(dir, 'summary.csv'), 'utf8').split('\n')[0]).toMatch(/^agent,status,rounds,private_h0/);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    // distinct processes: each agent has its own identity and log
    const ids = ['a0', 'a1', 'a2'].map((a) => readFileSync(join(dir, 'agents', a, 'metrics.jsonl'), 'utf8').split('\n')[0]).map((l) => JSON.parse(l).peerId);
    expect(new Set(ids).size).toBe(3);
    // the report command rebuilds the report and prints the table
    const report = spawnSync(NODE, ['src/cli.ts', 'report', dir], { encoding: 'utf8' });
    expect(report.status).toBe(0);
    expect(report.stdout).toMatch(/shared h3/);
  });

  it('killing one agent process mid-run leaves the others\' results and a summary that marks the dead agent', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line3, rounds: 4, fetchTimeout: 3 });
    let killed = false;
    const result = await launchCluster(config, dir, {
      onEvent: (e, cluster) => {
        if (e.type === 'round' && e.agent === 'a1' && !killed) {
          killed = true;
          cluster.kill('a1');
        }
      },
    });
    expect(Object.keys(result.failed)).toEqual(['a1']);
    expect(result.failed.a1).toMatch(/SIGKILL/);
    const { summary } = buildRunReport(dir);
    const byId = Object.fromEntries(summary.agents.map((a) => [a.id, a]));
    expect(byId.a1.status).toBe('failed');
    expect(byId.a0.status).toBe('finished');
    expect(byId.a2.status).toBe('finished');
    expect(byId.a0.roundsCompleted).toBe(4);
    expect(byId.a2.roundsCompleted).toBe(4);
    expect(byId.a0.roundsSkipped).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });
});
