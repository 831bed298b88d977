// The layering rules hold on src/, and a planted upward import breaks them.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/config.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

function cruise(cwd: string) {
  return spawnSync(DEPCRUISE, ['src', '--config', CONFIG], { cwd, encoding: 'utf8', timeout: 60_000 });
}

/** A tiny tree: `files` maps paths under src/ to their text. */
function tree(files: Record<string, string>): string {
  const dir = tempDir('mhd-layers-');
  copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, 'src', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'src', path), text);
  }
  return dir;
}

describe('layers (npm run lint:deps)', () => {
  it("the project's own src/ has no upward import", () => {
    const r = cruise(ROOT);
    expect(r.stdout + r.stderr).toMatch(/no dependency violations found/);
    expect(r.status).toBe(0);
  }, 60_000);

  it('a downward import passes', () => {
    const r = cruise(tree({ 'text/t.ts': 'export const t = 1;\n', 'data/d.ts': "import { t } from '../text/t.ts';\nexport const d = t;\n" }));
    expect(r.status).toBe(0);
  }, 60_000);

  it('a planted upward import fails, naming the rule and the files', () => {
    const r = cruise(
      tree({
        'cluster/launch.ts': 'export const launch = 1;\n',
        'data/planted.ts': "import { launch } from '../cluster/launch.ts';\nexport const planted = launch;\n",
      }),
    );
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/data-imports-only-down: src\/data\/planted\.ts → src\/cluster\/launch\.ts/);
  }, 60_000);

  it('an import between the two ground floors (data and model) fails too', () => {
    const r = cruise(tree({ 'model/m.ts': 'export const m = 1;\n', 'data/d.ts': "import { m } from '../model/m.ts';\nexport const d = m;\n" }));
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/data-imports-only-down/);
  }, 60_000);
});
