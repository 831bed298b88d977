// On the native pass of the suite (MHD_BACKEND=native), a native command prints no TensorFlow log line:
// not libtensorflow's absl preamble, not oneDNN's notice, no I/W line of either TensorFlow format, in
// its terminal output or in any file it writes. Skipped on the other passes, where nothing loads it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTensorflowChatter, tensorflowLogSeverity } from '../../src/model/tf-log.ts';
import { TEST_BACKEND_NAME } from '../helpers/backend.ts';
import { tempDir, topologyFile } from '../helpers/config.ts';
import { runCli } from '../helpers/node-bin.ts';

const ring4 = topologyFile('name: ring-4\nagents: 4\ngraph: ring\n');
const tiny = ['--topology', ring4, '--nodes', 'small', '--private', '60', '--public', '200', '--chunk', '50', '--steps', '1', '--rounds', '1', '--eval-samples', '100', '--backend', 'native'];

/** Every TensorFlow-format line (any severity) and the preamble, for a clear failure message. */
const tensorflowLines = (text: string) => text.split('\n').filter((l) => tensorflowLogSeverity(l) !== undefined || isTensorflowChatter(l));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe.skipIf(TEST_BACKEND_NAME !== 'native')('native commands print no TensorFlow log line', () => {
  for (const command of ['simulate', 'cluster']) {
    it(`${command} on a 4-agent ring: terminal and run directory`, async () => {
      const dir = join(tempDir(), 'run');
      const res = await runCli([command, ...tiny, ...(command === 'cluster' ? ['--processes', '2'] : []), '--out', dir], 240_000);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/backend native \(tfjs-node\)/);
      expect(tensorflowLines(res.stdout)).toEqual([]);
      expect(tensorflowLines(res.stderr)).toEqual([]);
      const files = filesUnder(dir).filter((f) => !/\.(bin|weights)$/.test(f));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(tensorflowLines(readFileSync(f, 'utf8')), f).toEqual([]);
    }, 240_000);
  }
});
