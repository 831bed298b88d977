// The layering rules on scripts/ (npm run lint:deps): scripts import src, never the other way; a job
// folder imports only the folders below it; nothing imports an entry point; no circle.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE } from '../helpers/node-bin.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** depcruise over src/ and scripts/ of a scratch tree made of `files` (path from the root: text). */
function cruiseTree(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'mhd-script-layers-'));
  copyFileSync(join(ROOT, 'tsconfig.json'), join(root, 'tsconfig.json'));
  for (const [path, body] of Object.entries({ 'src/text/t.ts': 'export const t = 1;\n', 'scripts/lib/l.ts': 'export const l = 1;\n', ...files })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), body);
  }
  const r = spawnSync(NODE, [join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'), 'src', 'scripts', '--config', join(ROOT, '.dependency-cruiser.cjs')], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** The tree fails the rules, with each of `violations` in the report. */
function violates(files: Record<string, string>, ...violations: RegExp[]): void {
  const r = cruiseTree(files);
  expect(r.status).not.toBe(0);
  for (const v of violations) expect(r.out).toMatch(v);
}

describe('layers of scripts/ (npm run lint:deps)', () => {
  it('downward imports pass: a bench on lib and src, a suite on a table', () => {
    const r = cruiseTree({
      'scripts/bench/b.ts': "import { l } from '../lib/l.ts';\nimport { t } from '../../src/text/t.ts';\nexport const b = l + t;\n",
      'scripts/experiments/report/table.ts': 'export const table = 1;\n',
      'scripts/experiments/suites/s.ts': "import { table } from '../report/table.ts';\nexport const s = table;\n",
    });
    expect(r.out).toMatch(/no dependency violations found/);
    expect(r.status).toBe(0);
  }, 60_000);

  it('src importing scripts fails', () => {
    violates({ 'src/text/up.ts': "import { l } from '../../scripts/lib/l.ts';\nexport const up = l;\n" }, /src-never-imports-scripts: src\/text\/up\.ts → scripts\/lib\/l\.ts/);
  }, 60_000);

  it('a job folder importing a sideways or higher one fails', () => {
    violates(
      {
        'scripts/experiments/report/r.ts': 'export const r = 1;\n',
        'scripts/bench/b.ts': "import { r } from '../experiments/report/r.ts';\nexport const b = r;\n",
        'scripts/experiments/suites/s.ts': 'export const s = 1;\n',
        'scripts/experiments/report/up.ts': "import { s } from '../suites/s.ts';\nexport const up = s;\n",
      },
      /scripts-bench-imports-only-down: scripts\/bench\/b\.ts → scripts\/experiments\/report\/r\.ts/,
      /scripts-experiments-report-imports-only-down: scripts\/experiments\/report\/up\.ts → scripts\/experiments\/suites\/s\.ts/,
    );
  }, 60_000);

  it('importing an entry point, a circle, or a script outside the job folders fails', () => {
    violates(
      {
        'scripts/bench/step.ts': 'export const step = 1;\n',
        'scripts/bench/uses-step.ts': "import { step } from './step.ts';\nexport const u = step;\n",
        'scripts/lib/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
        'scripts/lib/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
        'scripts/stray.ts': "import { l } from './lib/l.ts';\nexport const stray = l;\n",
      },
      /nothing-imports-an-entry-point: scripts\/bench\/uses-step\.ts → scripts\/bench\/step\.ts/,
      /no-circular: scripts\/lib\/a\.ts → /,
      /scripts-live-in-a-job-folder: scripts\/stray\.ts/,
    );
  }, 60_000);
});
