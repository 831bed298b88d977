import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchCluster, tensorflowThreads } from '../../src/cluster/launcher.ts';
import { buildRunReport } from '../../src/report/build.ts';
import { TEST_BACKEND, TEST_BACKEND_NAME } from '../helpers/backend.ts';
import { runCli } from '../helpers/node-bin.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');
const tiny = ['--nodes', 'small', '--aux-heads', '3', '--private', '100', '--public', '400', '--chunk', '100', '--steps', '3', '--eval-samples', '300', '--backend', TEST_BACKEND];

const mhd = async (args: string[], timeoutMs: number) => {
  const r = await runCli(args, timeoutMs);
  return { ...r, status: r.code };
};

/** Lines of stderr that report a problem (a loaded machine may add harmless runtime notices). */
const problems = (stderr: string) => stderr.split('\n').filter((l) => /error|fail|warn|exception|mhd:/i.test(l));

describe('local cluster', () => {
  it('runs a cluster of worker processes end to end and writes summary.json, summary.csv and report.html', async () => {
    const dir = join(tempDir(), 'run');
    const res = await mhd(['cluster', '--topology', line3, '--rounds', '2', '--processes', '2', ...tiny, '--out', dir], 240_000);
    expect(problems(res.stderr)).toEqual([]);
    expect(res.signal).toBeNull();
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/3 agents in 2 processes/);
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
    const report = await mhd(['report', dir], 60_000);
    expect(report.status).toBe(0);
    expect(report.stdout).toMatch(/shared h3/);
  }, 300_000);

  it('killing one agent process mid-run leaves the others\' results and a summary that marks the dead agent', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line3, rounds: 4, fetchTimeout: 3 });
    let killed = false;
    const result = await launchCluster(config, dir, {
      processes: 'agents',
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
    // the launcher told a1's neighbours that it died: they did not linger for it after their last round
    for (const id of ['a0', 'a2']) {
      const log = readFileSync(join(dir, 'agents', id, 'log'), 'utf8');
      expect(log).toMatch(/a1 is gone/);
      expect(log).not.toMatch(/stopped serving before/);
    }
  }, 180_000);

  it('checks the data before it writes the run directory or starts an agent', async () => {
    const dir = join(tempDir(), 'run');
    await expect(launchCluster(tinyConfig({ topology: line3, dataset: 'idx:/nonexistent' }), dir)).rejects.toThrow(/missing file/);
    await expect(launchCluster(tinyConfig({ topology: line3, private: 100_000 }), dir)).rejects.toThrow(/more samples asked for than exist/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('TensorFlow threads per worker', () => {
  it('shares the cores out among the workers, at least one each, and leaves the user\'s settings alone', () => {
    expect(tensorflowThreads(2, 2)).toEqual({ TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' });
    expect(tensorflowThreads(2, 8)).toEqual({ TF_NUM_INTRAOP_THREADS: '4', TF_NUM_INTEROP_THREADS: '4' });
    expect(tensorflowThreads(256, 2).TF_NUM_INTRAOP_THREADS).toBe('1');
    expect(tensorflowThreads(2, 2, { TF_NUM_INTRAOP_THREADS: '3' })).toEqual({ TF_NUM_INTRAOP_THREADS: '3', TF_NUM_INTEROP_THREADS: '1' });
  });
});

describe('a pool of worker processes', () => {
  it('hosts several agents per process, each its own node; stopping one agent leaves its process-mates running, and it resumes on its own', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line3, rounds: 4, fetchTimeout: 3, checkpointEvery: 1 });
    let stopped = false;
    const result = await launchCluster(config, dir, {
      processes: 2,
      onEvent: (e, cluster) => {
        if (e.type === 'round' && e.agent === 'a1' && e.round === 1 && !stopped) {
          stopped = true;
          cluster.stop('a1');
        }
      },
    });
    expect(result.processes).toBe(2);
    expect(result.failed).toEqual({});
    const run = buildRunReport(dir);
    const byId = Object.fromEntries(run.summary.agents.map((a) => [a.id, a]));
    // a0 shares a worker with a1 and goes on to the end
    expect(byId.a0).toMatchObject({ status: 'finished', roundsCompleted: 4 });
    expect(byId.a2).toMatchObject({ status: 'finished', roundsCompleted: 4 });
    expect(byId.a1.status).toBe('stopped');
    expect(byId.a1.roundsCompleted).toBeLessThan(4);
    const ids = ['a0', 'a1', 'a2'].map((a) => JSON.parse(readFileSync(join(dir, 'agents', a, 'metrics.jsonl'), 'utf8').split('\n')[0]).peerId);
    expect(new Set(ids).size).toBe(3);
    expect(existsSync(join(dir, 'workers', 'w0.output'))).toBe(true);
    // the stopped agent resumes on its own from its checkpoint, with the same peer id (its neighbours are
    // gone: node needs a way to them all the same, here an address where nobody listens any more)
    const gone = ['--peer', `a0=/ip4/127.0.0.1/tcp/9/p2p/${ids[0]}`];
    const resumed = await runCli(['node', '--agent', 'a1', '--resume', '--config', join(dir, 'config.json'), ...gone, '--out', dir], 120_000);
    expect(resumed.code, resumed.stderr).toBe(0);
    const lines = readFileSync(join(dir, 'agents', 'a1', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const starts = lines.filter((l) => l.type === 'start');
    expect(starts).toHaveLength(2);
    expect(starts[1].startRound).toBe(byId.a1.roundsCompleted);
    expect(starts[1].peerId).toBe(ids[1]);
    expect(buildRunReport(dir).summary.agents.find((a) => a.id === 'a1')).toMatchObject({ status: 'finished', roundsCompleted: 4 });
  }, 180_000);

  it('a worker that dies fails exactly its agents; the other worker finishes', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology: line3, rounds: 4, fetchTimeout: 3 });
    let killed = false;
    const result = await launchCluster(config, dir, {
      processes: 2,
      onEvent: (e, cluster) => {
        if (e.type === 'round' && e.agent === 'a0' && !killed) {
          killed = true;
          cluster.kill('a0');
        }
      },
    });
    // a0 and a1 share worker w0
    expect(Object.keys(result.failed).sort()).toEqual(['a0', 'a1']);
    expect(result.failed.a1).toMatch(/worker w0 killed by SIGKILL/);
    const byId = Object.fromEntries(buildRunReport(dir).summary.agents.map((a) => [a.id, a]));
    expect(byId.a2).toMatchObject({ status: 'finished', roundsCompleted: 4 });
    expect(readFileSync(join(dir, 'agents', 'a2', 'log'), 'utf8')).toMatch(/a1 is gone/);
  }, 180_000);
});
