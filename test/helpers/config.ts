// A small, fast run configuration for tests: tiny data, a few steps, short timeouts.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRunConfig, type ExperimentOptions } from '../../src/cluster/run-options.ts';
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

export function tinyOptions(over: Partial<ExperimentOptions> = {}): ExperimentOptions {
  return {
    topology: 'topologies/ring-8.yaml',
    nodes: 'small',
    dataset: 'mnist',
    partition: 'skew:0.9:2',
    private: 100,
    public: 400,
    rounds: 3,
    mode: 'mhd',
    encoding: 'f32',
    seed: 1,
    chunk: 100,
    evalEvery: 1,
    evalSamples: 300,
    fetchTimeout: 5,
    staleness: 1,
    checkpointEvery: 0,
    embeddings: false,
    backend: TEST_BACKEND,
    steps: 3,
    auxHeads: 3,
    ...over,
  };
}

export function tinyConfig(over: Partial<ExperimentOptions> = {}): RunConfig {
  return buildRunConfig(tinyOptions(over));
}
