// Error paths and exit codes of simulate, node, data, report and cluster, through the real command line.
import { describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatHeads, formatSummary } from '../../src/report/summary.ts';
import { runCli } from '../helpers/node-bin.ts';
import { tempDir, topologyFile } from '../helpers/config.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');
const tiny = ['--topology', line3, '--nodes', 'small', '--private', '100', '--public', '400', '--chunk', '100', '--steps', '1', '--rounds', '1', '--eval-samples', '100', '--fetch-timeout', '1', '--backend', 'wasm'];

const mhd = (args: string[]) => runCli(args, 150_000);

/** Exit 1 and exactly one `mhd: ...` line on stderr; returns it. */
async function fails(args: string[]): Promise<string> {
  const res = await mhd(args);
  expect(res.code, res.stderr).toBe(1);
  const lines = res.stderr.trim().split('\n');
  expect(lines, res.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^mhd: /);
  return lines[0];
}

describe('exit codes', () => {
  it('data: the histograms and exit 0; a bad partition or dataset is exit 1 in one line', async () => {
    const ok = await mhd(['data', '--agents', '2', '--private', '20', '--public', '10', '--partition', 'iid']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/public set 10 \(unlabelled\)/);
    expect(ok.stdout).toMatch(/^a1\s+(\d+\s+){10}20\s*$/m);
    expect(await fails(['data', '--partition', 'nope'])).toMatch(/unknown partitioner "nope"/);
    expect(await fails(['data', '--dataset', 'idx:/nonexistent'])).toMatch(/idx:\/nonexistent: missing file/);
  }, 120_000);

  it('report: a directory that is no run is exit 1; a torn metrics line is a warning, exit 0', async () => {
    expect(await fails(['report', tempDir()])).toMatch(/not a run directory \(no config\.json\)/);
    const dir = join(tempDir(), 'run');
    const run = await mhd(['simulate', ...tiny, '--mode', 'isolated', '--out', dir]);
    expect(run.code, run.stderr).toBe(0);
    appendFileSync(join(dir, 'agents', 'a1', 'metrics.jsonl'), '{"type":"round","agent":"a1","rou');
    const rep = await mhd(['report', dir]);
    expect(rep.code).toBe(0);
    expect(rep.stderr).toMatch(/^mhd: warning: skipped a torn line: .*a1/m);
    expect(rep.stdout).toMatch(/^a1\s/m);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  }, 150_000);

  it('simulate: a missing or broken topology is exit 1 in one line, naming the file', async () => {
    expect(await fails(['simulate', ...tiny, '--topology', '/nonexistent/t.yaml'])).toMatch(/\/nonexistent\/t\.yaml/);
    expect(await fails(['simulate', ...tiny, '--topology', 'test/fixtures/bad-topology.yaml'])).toMatch(/bad-topology\.yaml:\d+/);
  }, 60_000);

  it('node: --agent missing, --print-id without --key, --bootstrap without --roster, an unknown agent are exit 1; --print-id prints the key\'s id', async () => {
    expect(await fails(['node', ...tiny])).toMatch(/missing --agent/);
    expect(await fails(['node', '--print-id'])).toMatch(/--print-id needs --key FILE/);
    expect(await fails(['node', '--agent', 'a0', ...tiny, '--bootstrap', '/ip4/127.0.0.1/tcp/1'])).toMatch(/--bootstrap and --mdns need --roster FILE/);
    expect(await fails(['node', '--agent', 'zz', ...tiny, '--out', join(tempDir(), 'run')])).toBe('mhd: unknown agent "zz": the run has a0, a1, a2');
    const key = join(tempDir(), 'k');
    const first = await mhd(['node', '--print-id', '--key', key]);
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toMatch(/^12D3KooW\w+$/);
    expect((await mhd(['node', '--print-id', '--key', key])).stdout).toBe(first.stdout);
  }, 120_000);

  it('cluster: exit 1 when an agent fails, naming it and why; the others\' results are still written', async () => {
    const dir = join(tempDir(), 'run');
    mkdirSync(join(dir, 'agents', 'a1'), { recursive: true });
    writeFileSync(join(dir, 'agents', 'a1', 'key'), 'not a key');
    const res = await mhd(['cluster', ...tiny, '--processes', '2', '--out', dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^1 agent\(s\) failed: a1 \(could not start: .*not a libp2p private key/m);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    // The one table of every run command.
    expect(res.stdout).toContain(`${formatSummary(summary)}\n\n${formatHeads(summary)}\n\nresults: ${dir} (`);
    const status = Object.fromEntries(summary.agents.map((a: { id: string; status: string }) => [a.id, a.status]));
    expect(status).toMatchObject({ a0: 'finished', a2: 'finished' });
    expect(status.a1).not.toBe('finished');
  }, 150_000);
});
