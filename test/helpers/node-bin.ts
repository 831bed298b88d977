// The Node that runs the CLI in tests: the project's pinned Node 24 (npm scripts put it first on PATH;
// a bare `vitest` may run on an older system Node that cannot strip types).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const pinned = resolve('node_modules/.bin/node');
export const NODE = existsSync(pinned) ? pinned : process.execPath;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `mhd ARGS` without blocking the test's event loop; a child still running after `timeoutMs` is killed. */
export function runCli(args: readonly string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(NODE, ['src/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}
