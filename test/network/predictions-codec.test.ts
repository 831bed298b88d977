import { describe, expect, it } from 'vitest';
import { fromHalf, toHalf } from '../../src/network/float16.ts';
import { decodePredictions, encodePredictions } from '../../src/network/predictions-codec.ts';
import { parseReplyHeader, predictionHeaderSchema } from '../../src/network/messages.ts';
import { WireError } from '../../src/network/errors.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';

describe('half precision', () => {
  it('round-trips exactly representable values and rounds the rest to within 2^-11 relative', () => {
    for (const v of [0, 1, -2, 0.5, 0.25, 65504, 2 ** -14, 2 ** -24]) expect(fromHalf(toHalf(v))).toBe(v);
    for (const v of [0.1, 0.333, 0.9999, 1e-3, 1e-5]) expect(Math.abs(fromHalf(toHalf(v)) - v)).toBeLessThanOrEqual(Math.max(v * 2 ** -11, 2 ** -25));
    expect(fromHalf(toHalf(Infinity))).toBe(Infinity);
    expect(Number.isNaN(fromHalf(toHalf(Number.NaN)))).toBe(true);
    expect(fromHalf(toHalf(1e6))).toBe(Infinity);
  });
});

const validateHeader = (h: unknown) => {
  const header = parseReplyHeader(h, predictionHeaderSchema);
  if (header.status !== 'ok') throw new Error(`refusal ${header.status}`);
  return header;
};

describe('prediction codec', () => {
  const batch: PredictionBatch = {
    agent: 'a', round: 1, chunkHash: 'h', heads: 2, classes: 2, samples: 2,
    probs: Float32Array.from([0.25, 0.75, 0.5, 0.5, 1, 0, 0.1, 0.9]),
    embedding: { size: 3, values: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  };
  const exp = { agent: 'a', minRound: 1, maxRound: 1, chunkHash: () => 'h', classes: 2, samples: 2, maxHeads: 4, embeddingSize: 3 };

  it('payload sizes: f32 4 bytes, f16 2, u8 1 per probability; embeddings as f32', () => {
    expect(encodePredictions(batch, 'f32', false).payload.length).toBe(32);
    expect(encodePredictions(batch, 'f16', false).payload.length).toBe(16);
    expect(encodePredictions(batch, 'u8', false).payload.length).toBe(8);
    expect(encodePredictions(batch, 'u8', true).payload.length).toBe(8 + 24);
  });

  it('decodes what it encodes, embeddings included', () => {
    const { header, payload } = encodePredictions(batch, 'f32', true);
    const back = decodePredictions(validateHeader(JSON.parse(JSON.stringify(header))), payload, exp);
    expect(Array.from(back.probs)).toEqual(Array.from(batch.probs));
    expect(Array.from(back.embedding!.values)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects a header with a wrong type or an unknown encoding, naming the field', () => {
    const { header } = encodePredictions(batch, 'f32', false);
    expect(() => validateHeader({ ...header, samples: -1 })).toThrow(/response header field samples: .*>=0/);
    expect(() => validateHeader({ ...header, samples: 1.5 })).toThrow(/field samples: .*int/);
    expect(() => validateHeader({ ...header, encoding: 'f64' })).toThrow(/field encoding: .*"f32"\|"f16"\|"u8"/);
    expect(() => validateHeader({ ...header, chunkHash: undefined })).toThrow(/field chunkHash/);
    expect(() => validateHeader(null)).toThrow(WireError);
    // a status no protocol has is malformed; a refusal is read as one, and other fields a newer peer adds are kept
    expect(() => validateHeader({ ...header, status: 'maybe' })).toThrow(/field status/);
    expect(parseReplyHeader({ status: 'not-ready', agent: 'a', message: 'later', extra: 1 }, predictionHeaderSchema)).toEqual({ status: 'not-ready', agent: 'a', message: 'later', extra: 1 });
    expect(validateHeader({ ...header, extra: 'x' }).extra).toBe('x');
    const { payload } = encodePredictions(batch, 'f32', false);
    expect(() => decodePredictions({ ...header, agent: 'mallory' }, payload, exp)).toThrow(/claims to be from mallory, expected a/);
    expect(() => decodePredictions({ ...header, chunkHash: 'other' }, payload, exp)).toThrow(/chunk hash other does not match/);
  });

  it('a payload longer than promised, a negative probability and a non-finite embedding are each rejected with their reason', () => {
    const reason = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as WireError).reason;
      }
      return 'accepted';
    };
    const { header, payload } = encodePredictions(batch, 'f32', true);
    expect(reason(() => decodePredictions(header, Uint8Array.from([...payload, 0]), exp))).toBe('wrong-shape');
    const negative = payload.slice();
    const view = new DataView(negative.buffer);
    view.setFloat32(0, -0.25, true);
    view.setFloat32(4, 1.25, true);
    expect(reason(() => decodePredictions(header, negative, exp))).toBe('bad-row-sum');
    const blown = payload.slice();
    new DataView(blown.buffer).setFloat32(32, Number.NaN, true);
    expect(reason(() => decodePredictions(header, blown, exp))).toBe('non-finite');
    // a header whose status is not text is malformed, before any field is read
    expect(() => parseReplyHeader({ status: 5, agent: 'a' }, predictionHeaderSchema)).toThrow(/lacks a status/);
  });

  it('accepts embeddings only of the width the reader can use', () => {
    const { header, payload } = encodePredictions(batch, 'f32', true);
    expect(() => decodePredictions(header, payload, { ...exp, embeddingSize: 5 })).toThrow(/embeddings of width 3, expected 5/);
    expect(() => decodePredictions(header, payload, { ...exp, embeddingSize: 0 })).toThrow(WireError);
  });
});
