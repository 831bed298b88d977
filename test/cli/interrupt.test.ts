// Ctrl-C on `mhd cluster` during start-up: the stop is announced through the progress display (never
// drawn over by it), every agent stops, none counts as failed, the summary is still written, exit 130.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE } from '../helpers/node-bin.ts';
import { tempDir, topologyFile } from '../helpers/config.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');
const args = ['--topology', line3, '--nodes', 'small', '--private', '100', '--public', '400', '--chunk', '100', '--steps', '1', '--rounds', '50', '--eval-samples', '100', '--backend', 'wasm'];

describe('cluster, Ctrl-C', () => {
  it('says it is stopping, stops every agent, writes the summary and exits 130', async () => {
    const dir = join(tempDir(), 'run');
    const child = spawn(NODE, ['src/cli.ts', 'cluster', ...args, '--processes', '2', '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      // Once the run directory is announced the launcher is under way: the workers are starting.
      if (!sent && /^run directory: /m.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    clearTimeout(timer);
    expect(sent).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stdout).toMatch(/^stopping every agent after its current round \(Ctrl-C again to quit at once\)\.\.\.$/m);
    // Stopped during start-up: no agent failed (their workers exited cleanly on the stop), none untaught.
    expect(JSON.parse(readFileSync(join(dir, 'launcher.json'), 'utf8'))).toMatchObject({ failed: {}, interrupted: true });
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.agents.map((a: { status: string }) => a.status).filter((s: string) => s === 'failed')).toEqual([]);
    expect(stdout + stderr).not.toMatch(/failed|FAILED|learnt from no neighbour/);
  }, 150_000);
});

describe('simulate, Ctrl-C', () => {
  it('stops every agent at once, still writes the summary, and exits 130', async () => {
    const dir = join(tempDir(), 'run');
    const child = spawn(NODE, ['src/cli.ts', 'simulate', ...args, '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    child.stdout.on('data', (d) => {
      stdout += d;
      // Once a round is done the agents are running: mid-run, with 49 rounds to go.
      if (!sentAt && / round 0: shared /.test(stdout)) {
        sentAt = performance.now();
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    clearTimeout(timer);
    expect(sentAt).toBeGreaterThan(0);
    expect(code, stderr).toBe(130);
    expect(stdout).toMatch(/^stopping every agent \(Ctrl-C again to quit at once\)\.\.\.$/m);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const statuses = summary.agents.map((a: { status: string }) => a.status);
    expect(statuses.length).toBe(3);
    expect(statuses.every((s: string) => s === 'stopped')).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'launcher.json'), 'utf8'))).toMatchObject({ interrupted: true });
  }, 150_000);
});
