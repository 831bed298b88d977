// The README's "A cluster across machines" commands, run exactly as written: the first block once, then
// the second block's lines at the same time (each line is one machine), all on 127.0.0.1, then the third
// block, which merges the four machines' run directories into one run. They run in a scratch directory
// that links to this checkout, so keys/ and runs/ land there, not in the repository. The README gives
// fixed ports, so where network namespaces work (CI runs as root) every command runs in a namespace of
// its own loopback, where nothing else can hold those ports; elsewhere the test runs only when the ports
// are free, and says so when it skips.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { tempDir } from './helpers/config.ts';
import { makeLoopbackNamespace, netnsUnavailable } from './helpers/netns.ts';

/** The fenced sh blocks of a README section, as commands (continuations joined, comments dropped). */
export function sectionCommands(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const rest = markdown.slice(start + heading.length + 2);
  const section = rest.slice(0, rest.search(/\n#{1,3} /) >= 0 ? rest.search(/\n#{1,3} /) : undefined);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
}

/** Whether nothing listens on 127.0.0.1:port now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** Runs a command in bash, inside network namespace `ns` when one is given. */
function sh(command: string, cwd: string, ms: number, ns?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const [file, args] = ns ? ['ip', ['netns', 'exec', ns, 'bash', '-c', command]] : ['bash', ['-c', command]];
    const p = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), ms);
    p.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

describe('README, "A cluster across machines"', () => {
  const blocks = sectionCommands(readFileSync('README.md', 'utf8'), '### A cluster across machines');

  it('has the keys command, then one node command per machine with a roster and no --peer, then the merge', () => {
    expect(blocks).toHaveLength(3);
    expect(blocks[0]).toHaveLength(1);
    expect(blocks[0][0]).toMatch(/^npm run mhd -- keys /);
    expect(blocks[1]).toHaveLength(4);
    for (const c of blocks[1]) {
      expect(c).toMatch(/^npm run mhd -- node .*--roster keys\/roster\.yaml/);
      expect(c).not.toMatch(/--peer/);
    }
    expect(blocks[2]).toHaveLength(1);
    expect(blocks[2][0]).toMatch(/^npm run mhd -- report (runs\/ring-4-a\d ){4}--out runs\/ring-4$/);
  });

  const namespace = netnsUnavailable() === undefined ? makeLoopbackNamespace() : undefined;
  afterAll(() => namespace?.cleanup());
  const ports = [...new Set([...blocks.flat().join(' ').matchAll(/\/tcp\/(\d+)/g)].map((m) => Number(m[1])))];

  it('runs as written on one machine: every agent finds its neighbours and finishes', async (ctx) => {
    if (!namespace) {
      const taken = (await Promise.all(ports.map(async (p) => ((await portFree(p)) ? [] : [p])))).flat();
      if (taken.length) ctx.skip(`no network namespace here (${netnsUnavailable()}) and port ${taken.join(', ')} is taken`);
    }
    const ns = namespace?.ns;
    const dir = tempDir('mhd-readme-');
    for (const f of ['package.json', 'node_modules', 'src', 'topologies', 'nodes', 'tsconfig.json']) symlinkSync(resolve(f), join(dir, f));
    const keys = await sh(blocks[0][0], dir, 60_000, ns);
    expect(keys.code, keys.out).toBe(0);
    expect(existsSync(join(dir, 'keys', 'roster.yaml'))).toBe(true);
    const nodes = await Promise.all(blocks[1].map((c) => sh(c, dir, 150_000, ns)));
    for (const [i, n] of nodes.entries()) {
      expect(n.code, n.out.slice(-3000)).toBe(0);
      if (i > 0) expect(n.out).toMatch(/discovery: found/);
      const metrics = readFileSync(join(dir, 'runs', `ring-4-a${i}`, 'agents', `a${i}`, 'metrics.jsonl'), 'utf8').trim().split('\n');
      expect(JSON.parse(metrics.at(-1)!)).toMatchObject({ type: 'end', status: 'finished', roundsCompleted: 3 });
    }
    const merge = await sh(blocks[2][0], dir, 60_000, ns);
    expect(merge.code, merge.out).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'runs', 'ring-4', 'summary.json'), 'utf8')) as { agents: { id: string; status: string; roundsCompleted: number }[] };
    expect(summary.agents.map((a) => [a.id, a.status, a.roundsCompleted])).toEqual(['a0', 'a1', 'a2', 'a3'].map((id) => [id, 'finished', 3]));
    expect(existsSync(join(dir, 'runs', 'ring-4', 'report.html'))).toBe(true);
  }, 300_000);
});
