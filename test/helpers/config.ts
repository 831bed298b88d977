// A small, fast run configuration for tests: tiny data, a few steps, short timeouts.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRunConfig, experimentOptions, type ExperimentOptions } from '../../src/cluster/run-options.ts';
import type { RunConfig } from '../../src/node/config.ts';
import { TEST_BACKEND } from './backend.ts';

export function tempDir(prefix = 'mhd-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A topology file in a temp dir; returns its path. */
export function topologyFile(yaml: string): string {
  const file = join(tempDir('mhd-topo-'), 'topology.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** The experiment defaults, shrunk to tiny data, a few steps and short timeouts. */
export function tinyOptions(over: Partial<ExperimentOptions> = {}): ExperimentOptions {
  return experimentOptions({
    nodes: 'small',
    private: 100,
    public: 400,
    rounds: 3,
    chunk: 100,
    evalSamples: 300,
    fetchTimeout: 5,
    checkpointEvery: 0,
    backend: TEST_BACKEND,
    steps: 3,
    auxHeads: 3,
    ...over,
  });
}

export function tinyConfig(over: Partial<ExperimentOptions> = {}): RunConfig {
  return buildRunConfig(tinyOptions(over));
}
