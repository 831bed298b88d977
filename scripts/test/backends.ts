// npm test: the whole suite once per TensorFlow.js backend that loads here, native (tfjs-node) first,
// then wasm, each with MHD_BACKEND set; ends with which backends ran and how each went. Exits non-zero
// if any run fails or none could run. Arguments go to vitest (`npm test -- test/model`).
// With MHD_BACKEND set, only that backend runs. With MHD_TEST_BACKENDS=native,wasm (what .ci/run sets
// once setup:native has built the addon) exactly those run, and one that does not load fails the run
// instead of being skipped. `npm run test:one` is a single plain `vitest run`.
// The wasm pass of the whole suite (no arguments) runs with coverage: it writes coverage/ and fails when
// a folder falls below its floor in vitest.config.ts, so CI measures coverage without a third pass.
// MHD_COVERAGE=0 turns that off. `--help` prints this runner's usage (vitest's: npm run test:one -- --help); a
// bad MHD_BACKEND or MHD_TEST_BACKENDS is one line and exit 2.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBackend, parseBackendName, selectBackend, type BackendName } from '../../src/model/backend.ts';
import { fail } from '../lib/args.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npm test [-- VITEST_ARGS...]\nThe suite once per backend that loads (native, then wasm; MHD_BACKEND or MHD_TEST_BACKENDS choose), arguments passed to vitest.');
  process.exit(0);
}
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
// cpu is not run as a suite: it is far too slow for it, and is the reference the gradient tests compare
// native and wasm with.
const ALL: BackendName[] = ['native', 'wasm'];

/** Which backends to run, and whether one that does not load is a failure (it was asked for). */
function plan(): { names: BackendName[]; required: boolean; from?: string } {
  const list = process.env.MHD_TEST_BACKENDS?.trim();
  const one = process.env.MHD_BACKEND?.trim();
  try {
    if (list) return { names: [...new Set(list.split(',').filter((s) => s.trim() !== '').map(parseBackendName))], required: true, from: 'MHD_TEST_BACKENDS' };
    if (one && one !== 'auto') return { names: [parseBackendName(one)], required: true, from: 'MHD_BACKEND' };
  } catch (err) {
    fail('test', `${list ? 'MHD_TEST_BACKENDS' : 'MHD_BACKEND'}: ${(err as Error).message}`);
  }
  return { names: ALL, required: false };
}

const { names, required, from } = plan();
const lines: string[] = [];
const runs: { label: string; ran: boolean; ok: boolean }[] = [];
for (const name of names) {
  let detail: string;
  try {
    // Each probe forces its backend; it does not keep this process from probing the next one.
    detail = formatBackend(await selectBackend(name));
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    if (required) runs.push({ label: name, ran: false, ok: false });
    lines.push(`  ${name.padEnd(7)} ${required ? `FAILED: asked for by ${from} but did not load` : 'not run'}: ${why}`);
    continue;
  }
  console.log(`\n=== test suite on ${detail} (MHD_BACKEND=${name}) ===\n`);
  const start = performance.now();
  const coverage = name === 'wasm' && args.length === 0 && process.env.MHD_COVERAGE !== '0';
  if (coverage) console.log('(with coverage: coverage/coverage-summary.json, floors per folder in vitest.config.ts)\n');
  const r = spawnSync(process.execPath, [VITEST, 'run', ...(coverage ? ['--coverage'] : []), ...args], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, MHD_BACKEND: name } });
  const ok = r.status === 0;
  runs.push({ label: name, ran: true, ok });
  lines.push(`  ${name.padEnd(7)} ${ok ? 'passed' : `FAILED (exit ${r.status ?? r.signal})`}${coverage ? ' (with coverage)' : ''}, ${((performance.now() - start) / 1000).toFixed(0)} s`);
}
if (!required) lines.push('  cpu     not run as a suite (the reference the native and wasm gradients are tested against)');
console.log(`\nbackends tested: ${runs.filter((r) => r.ran).map((r) => r.label).join(', ') || 'none'}`);
console.log(lines.join('\n'));
process.exit(runs.length > 0 && runs.every((r) => r.ok) ? 0 : 1);
