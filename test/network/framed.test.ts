import { describe, expect, it } from 'vitest';
import { deadline, stepSignal, timeoutSignal, varintBytes } from '../../src/network/framed.ts';

// The frame limits themselves are lpStream's; exchange.test.ts sends every bad prefix over a real stream.
describe('length prefixes', () => {
  it('varintBytes: the bytes of the varint of a frame limit', () => {
    expect([0, 127, 128, 16_383, 16_384, 2 ** 21].map(varintBytes)).toEqual([1, 1, 2, 2, 3, 4]);
  });
});

describe('step timers', () => {
  it('a cleared step timer never fires (AbortSignal.timeout cannot be cleared); one left alone aborts with a TimeoutError', async () => {
    const cleared = timeoutSignal(20);
    cleared.clear();
    const left = timeoutSignal(20);
    await new Promise((r) => setTimeout(r, 60));
    expect(cleared.signal.aborted).toBe(false);
    expect(left.signal.aborted).toBe(true);
    expect((left.signal.reason as Error).name).toBe('TimeoutError');
  });

  it('a step signal aborts on the stop as well as at the deadline', () => {
    const stop = new AbortController();
    const step = stepSignal(deadline(10_000, stop.signal));
    stop.abort();
    expect(step.signal.aborted).toBe(true);
    expect(step.timeout.aborted).toBe(false);
    step.clear();
  });
});
