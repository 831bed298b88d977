import { describe, expect, it } from 'vitest';
import { varintBytes } from '../../src/network/framed.ts';

// The frame limits themselves are lpStream's; exchange.test.ts sends every bad prefix over a real stream.
describe('length prefixes', () => {
  it('varintBytes: the bytes of the varint of a frame limit', () => {
    expect([0, 127, 128, 16_383, 16_384, 2 ** 21].map(varintBytes)).toEqual([1, 1, 2, 2, 3, 4]);
  });
});
