// Fault drills on the command line: every start-up error of cluster, simulate and node is one line on
// stderr, no stack trace, a non-zero exit, and no run directory left behind.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCli } from '../helpers/node-bin.ts';
import { tempDir, topologyFile } from '../helpers/config.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');
const tiny = ['--topology', line3, '--nodes', 'small', '--private', '100', '--public', '400', '--chunk', '100', '--steps', '1', '--rounds', '1', '--backend', 'wasm'];

const mhd = (args: string[]) => runCli(args, 100_000);

/** Runs `args --out DIR` and checks the start-up error contract; returns the one error line. */
async function startupError(args: string[]): Promise<string> {
  const out = join(tempDir(), 'run');
  const res = await mhd([...args, '--out', out]);
  expect(res.code, res.stderr).not.toBe(0);
  expect(res.code).not.toBeNull();
  const lines = res.stderr.trim().split('\n');
  expect(lines, res.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^mhd: /);
  expect(existsSync(out), `${out} was left behind`).toBe(false);
  return lines[0];
}

/** An idx folder whose files promise more than they hold. */
function truncatedIdx(): string {
  const dir = tempDir('mhd-idx-');
  const header = (magic: number, dims: number[]) => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };
  mkdirSync(dir, { recursive: true });
  for (const prefix of ['train', 't10k']) {
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), Buffer.concat([header(0x0803, [100, 28, 28]), Buffer.alloc(500)]));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), Buffer.concat([header(0x0801, [100]), Buffer.alloc(100)]));
  }
  return dir;
}

describe('start-up errors', () => {
  it('cluster --dataset idx:/nonexistent fails in the launcher, before any agent starts', async () => {
    expect(await startupError(['cluster', ...tiny, '--dataset', 'idx:/nonexistent'])).toMatch(/idx:\/nonexistent: missing file/);
  });

  it('cluster on an idx folder with truncated files fails in the launcher', async () => {
    expect(await startupError(['cluster', ...tiny, '--dataset', `idx:${truncatedIdx()}`])).toMatch(/truncated IDX data/);
  });

  it('--private larger than the pool fails before any agent starts: cluster, simulate and node', async () => {
    const big = [...tiny, '--private', '100000'];
    expect(await startupError(['cluster', ...big])).toMatch(/more samples asked for than exist/);
    expect(await startupError(['simulate', ...big])).toMatch(/more samples asked for than exist/);
    // (an isolated node: one in an exchange mode needs a way to its neighbours first)
    expect(await startupError(['node', '--agent', 'a0', '--mode', 'isolated', ...big])).toMatch(/more samples asked for than exist/);
  });

  it('node on a port already in use says which address is taken, in one line', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = `/ip4/127.0.0.1/tcp/${(server.address() as AddressInfo).port}`;
    try {
      expect(await startupError(['node', '--agent', 'a0', ...tiny, '--mode', 'isolated', '--listen', addr])).toBe(`mhd: cannot listen on ${addr}: address already in use`);
    } finally {
      server.close();
    }
  });

  it('node checks --peer and --listen before it writes config.json', async () => {
    expect(await startupError(['node', '--agent', 'a0', ...tiny, '--peer', 'a1=/ip4/127.0.0.1/tcp/4001'])).toMatch(/must end in \/p2p\//);
    expect(await startupError(['node', '--agent', 'a0', ...tiny, '--listen', 'localhost:4001'])).toMatch(/bad --listen "localhost:4001"/);
  });

  it('a bad option value or an unknown option is one line and a pointer to --help', async () => {
    expect(await startupError(['cluster', '--rounds', 'x'])).toMatch(/--rounds must be an integer >= 1, got "x" \(see mhd cluster --help\)$/);
    expect(await startupError(['simulate', '--no-such-option'])).toMatch(/unknown option '--no-such-option'.*\(see mhd simulate --help\)$/);
    expect(await startupError(['node', '--mode', 'telepathy'])).toMatch(/telepathy.*\(see mhd node --help\)$/);
  });
});
