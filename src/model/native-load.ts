// Loads @tensorflow/tfjs-node without libtensorflow's load-time chatter. libtensorflow 2.21 logs through
// absl from static initialisers (the "absl::InitializeLog" preamble, then oneDNN's notice on CPUs with
// AVX512_VNNI, AVX512_BF16 or AMX) straight to file descriptor 2, and TF_CPP_MIN_LOG_LEVEL does not reach
// those lines. So, for the length of the load, fd 2 points at a capture file (the small addon in
// stderr-guard/, built by `npm run setup:native` next to tfjs-node's own), and afterwards everything that
// was written there except TensorFlow's info and warning lines goes on to the real stderr: a failing
// load's error, anything else the process wrote meanwhile, TensorFlow's E and F lines.
import { mkdtempSync, readFileSync, rmSync, writeSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropTensorflowChatter } from './tf-log.ts';

interface StderrGuard {
  redirect(path: string): number;
  restore(saved: number): void;
}

/** Where setup:native builds the guard (the project's .cache/native, like libtensorflow itself). */
export const STDERR_GUARD_PATH = fileURLToPath(new URL('../../.cache/native/stderr-guard/build/Release/stderr_guard.node', import.meta.url));

function loadGuard(): StderrGuard | undefined {
  if (!existsSync(STDERR_GUARD_PATH)) return undefined;
  try {
    return createRequire(import.meta.url)(STDERR_GUARD_PATH) as StderrGuard;
  } catch {
    return undefined;
  }
}

/** Whether the guard is built here (setup:native's check requires it). */
export function stderrGuardAvailable(): boolean {
  return loadGuard() !== undefined;
}

/**
 * Runs `load` with fd 2 captured, then writes what was captured, less TensorFlow's chatter, to stderr.
 * Without the guard (setup:native not rerun since it was added) it just runs `load`.
 */
export async function withTensorflowChatterDropped<T>(load: () => Promise<T>): Promise<T> {
  const guard = loadGuard();
  if (guard === undefined) return load();
  const dir = mkdtempSync(join(tmpdir(), 'mhd-tf-load-'));
  const file = join(dir, 'stderr');
  const saved = guard.redirect(file);
  try {
    return await load();
  } finally {
    guard.restore(saved);
    const kept = dropTensorflowChatter(readFileSync(file, 'utf8'));
    rmSync(dir, { recursive: true, force: true });
    if (kept !== '') writeSync(2, kept);
  }
}
