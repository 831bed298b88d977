import { describe, expect, it } from 'vitest';
import { Uint8ArrayList } from 'uint8arraylist';
import { WireError } from '../../src/network/errors.ts';
import { decodeLengthPrefix, varintBytes } from '../../src/network/framed.ts';

const decode = (bytes: number[], max: number) => decodeLengthPrefix(new Uint8ArrayList(Uint8Array.from(bytes)), max);
const reason = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof WireError ? e.reason : (e as Error).name;
  }
  return 'no error';
};

describe('length prefixes', () => {
  it('varintBytes: the bytes of the longest varint up to a limit', () => {
    expect([0, 127, 128, 16_383, 16_384, 2 ** 21].map(varintBytes)).toEqual([1, 1, 2, 2, 3, 4]);
  });

  it('decodes minimal prefixes up to the limit', () => {
    expect(decode([0], 10)).toBe(0);
    expect(decode([5], 10)).toBe(5);
    expect(decode([0xac, 0x02], 1000)).toBe(300);
    expect(decode([0xe8, 0x07], 1000)).toBe(1000);
  });

  it('an incomplete prefix asks for more; a long, non-minimal or oversize one is a WireError', () => {
    expect(reason(() => decode([0x80], 1000))).toBe('RangeError');
    expect(reason(() => decode([], 1000))).toBe('RangeError');
    expect(reason(() => decode([0x80, 0x80, 0x01], 1000))).toBe('oversize');
    expect(reason(() => decode([0x85, 0x00], 1000))).toBe('malformed');
    expect(reason(() => decode([0xe9, 0x07], 1000))).toBe('oversize');
    expect(reason(() => decode([11], 10))).toBe('oversize');
  });
});
