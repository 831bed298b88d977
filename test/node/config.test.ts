// A run's config.json read back: every hand edit that breaks it is a ConfigError naming the problem.
import { describe, expect, it, vi } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunConfig, writeRunConfig } from '../../src/node/config.ts';
import { AgentLog } from '../../src/node/run-log.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

const line3 = topologyFile('name: line-3\nagents: 3\ngraph: line\n');

function edited(edit: (c: Record<string, any>) => void): string {
  const dir = tempDir();
  writeRunConfig(dir, tinyConfig({ topology: line3 }));
  const file = join(dir, 'config.json');
  const c = JSON.parse(readFileSync(file, 'utf8'));
  edit(c);
  writeFileSync(file, JSON.stringify(c, null, 2));
  return file;
}

describe('readRunConfig', () => {
  it('reads back what writeRunConfig wrote', () => {
    const config = tinyConfig({ topology: line3 });
    const dir = tempDir();
    writeRunConfig(dir, config);
    expect(readRunConfig(join(dir, 'config.json'))).toEqual(JSON.parse(JSON.stringify(config)));
  });

  it('reads a config written before the five timeouts and the parsed behaviours as the same run', () => {
    const file = edited((c) => {
      delete c.timeouts;
      c.fetchTimeoutMs = 7000;
      c.lingerMs = 300;
      c.topology.adversaries = { a1: 'constant:3' };
    });
    const config = readRunConfig(file);
    expect(config.timeouts).toEqual({ fetchWaitMs: 7000, fetchDeadlineMs: 12_000, serveWaitMs: 7000, locateWaitMs: 7000, lingerMs: 300 });
    expect(config.topology.adversaries).toEqual({ a1: { kind: 'constant', cls: 3 } });
    expect(() => readRunConfig(edited((c) => (c.topology.adversaries = { a1: 'lies' })))).toThrow(/unknown behaviour "lies"/);
  });

  it.each([
    ['a missing file', () => join(tempDir(), 'config.json'), /no such run configuration/],
    ['an edge naming an unknown agent', () => edited((c) => (c.topology.edges[0].to = 'ghost')), /edge 1 names unknown agent "ghost"/],
    ['an agent without a profile', () => edited((c) => delete c.profiles.a1), /no profile for agent "a1"/],
    ['a chunk larger than the public set', () => edited((c) => (c.chunkSize = c.publicSize + 1)), /chunk of 401 is larger than the public set \(400\)/],
    ['an unknown field', () => edited((c) => (c.colour = 'blue')), /colour/],
  ])('%s is refused', (_what, file, message) => {
    const f = file();
    expect(() => readRunConfig(f)).toThrow(message);
    expect(() => readRunConfig(f)).toThrow(f);
  });
});

describe('AgentLog', () => {
  it('writes every level to its file, and echoes info to stdout and the rest to stderr when asked', () => {
    const file = join(tempDir(), 'log');
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const log = new AgentLog(file, 'a7', true);
      log.info('hello');
      log.warn('careful');
      log.error('broken');
      new AgentLog(file, 'a8').info('quiet');
      expect(out.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/ info  a7 hello$/)]);
      expect(err.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/ warn  a7 careful$/), expect.stringMatching(/ error a7 broken$/)]);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(' ').slice(1).join(' '))).toEqual(['info  a7 hello', 'warn  a7 careful', 'error a7 broken', 'info  a8 quiet']);
  });
});
