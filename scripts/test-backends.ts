// npm test: the whole suite once per TensorFlow.js backend that loads here, native (tfjs-node) first,
// then wasm, each with MHD_BACKEND set; ends with which backends ran and how each went. Exits non-zero
// if any run fails or none could run. Arguments go to vitest (`npm test -- test/model`).
// With MHD_BACKEND set, only that backend runs. `npm run test:one` is a single plain `vitest run`.
// The wasm pass of the whole suite (no arguments) runs with coverage: it writes coverage/ and fails when
// a folder falls below its floor in vitest.config.ts, so CI measures coverage without a third pass.
// MHD_COVERAGE=0 turns that off.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBackend, parseBackendName, selectBackend } from '../src/model/backend.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
// cpu is not run as a suite: it is far too slow for it, and is the reference the gradient tests compare
// native and wasm with.
const ALL = [
  { env: 'node', label: 'native' },
  { env: 'wasm', label: 'wasm' },
];
// A backend the user set (MHD_BACKEND=node npm test) is the only one run, and it must load.
const chosen = process.env.MHD_BACKEND?.trim();
let CANDIDATES = ALL;
if (chosen && chosen !== 'auto') {
  try {
    const name = parseBackendName(chosen);
    CANDIDATES = [{ env: chosen, label: name === 'tensorflow' ? 'native' : name }];
  } catch (err) {
    console.error(`MHD_BACKEND: ${(err as Error).message}`);
    process.exit(1);
  }
}

const lines: string[] = [];
const runs: { label: string; ok: boolean }[] = [];
for (const c of CANDIDATES) {
  try {
    // Each probe forces its backend; it does not keep this process from probing the next one.
    const info = await selectBackend(c.env);
    const detail = formatBackend(info);
    console.log(`\n=== test suite on ${c.label}: ${detail} (MHD_BACKEND=${c.env}) ===\n`);
    const start = performance.now();
    const args = process.argv.slice(2);
    const coverage = c.label === 'wasm' && args.length === 0 && process.env.MHD_COVERAGE !== '0';
    if (coverage) console.log('(with coverage: coverage/coverage-summary.json, floors per folder in vitest.config.ts)\n');
    const r = spawnSync(process.execPath, [VITEST, 'run', ...(coverage ? ['--coverage'] : []), ...args], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, MHD_BACKEND: c.env } });
    const ok = r.status === 0;
    runs.push({ label: c.label, ok });
    lines.push(`  ${c.label.padEnd(7)} ${ok ? 'passed' : `FAILED (exit ${r.status ?? r.signal})`}${coverage ? ' (with coverage)' : ''}, ${((performance.now() - start) / 1000).toFixed(0)} s`);
  } catch (err) {
    lines.push(`  ${c.label.padEnd(7)} not run: ${(err as Error).message.split('\n')[0]}`);
  }
}
if (CANDIDATES === ALL) lines.push('  cpu     not run as a suite (the reference the native and wasm gradients are tested against)');
console.log(`\nbackends tested: ${runs.map((r) => r.label).join(', ') || 'none'}`);
console.log(lines.join('\n'));
process.exit(runs.length > 0 && runs.every((r) => r.ok) ? 0 : 1);
