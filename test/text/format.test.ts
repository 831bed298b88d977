// The shared spellings of a percentage and of a run's start time.
import { describe, expect, it } from 'vitest';
import { pct, runStamp, wrapWords } from '../../src/text/format.ts';

describe('pct', () => {
  it('a fraction as a percentage, one decimal unless told, rounded', () => {
    expect(pct(0.9512)).toBe('95.1');
    expect(pct(0.95156, 2)).toBe('95.16');
    expect(pct(1)).toBe('100.0');
    expect(pct(0)).toBe('0.0');
    expect(pct(-0.0123)).toBe('-1.2');
    expect(pct(0.5, 0)).toBe('50');
  });

  it('a missing or NaN figure is a dash, not "NaN"', () => {
    expect(pct(undefined)).toBe('-');
    expect(pct(Number.NaN)).toBe('-');
    expect(pct([][0])).toBe('-');
  });
});

describe('runStamp', () => {
  it('local time as YYYYMMDD-HHMMSS, zero-padded', () => {
    expect(runStamp(new Date(2026, 0, 2, 3, 4, 5))).toBe('20260102-030405');
    expect(runStamp(new Date(2026, 10, 29, 15, 54, 50))).toBe('20261129-155450');
  });

  it('sorts as text in time order, and defaults to now', () => {
    const a = runStamp(new Date(2026, 8, 30, 23, 59, 59));
    const b = runStamp(new Date(2026, 9, 1, 0, 0, 0));
    expect([b, a].sort()).toEqual([a, b]);
    expect(runStamp()).toMatch(/^\d{8}-\d{6}$/);
  });
});

describe('wrapWords', () => {
  it('breaks at spaces before the width, indents continued lines, keeps a longer word whole', () => {
    expect(wrapWords('cluster: mhd on ring-8, 8 agents in 2 processes', 20)).toBe('cluster: mhd on\n  ring-8, 8 agents\n  in 2 processes');
    expect(wrapWords('short line', 80)).toBe('short line');
    expect(wrapWords('a /a/very/long/path/that/does/not/fit b', 10)).toBe('a\n  /a/very/long/path/that/does/not/fit\n  b');
  });
});
