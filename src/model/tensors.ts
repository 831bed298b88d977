// Bytes to floats at the edge of the model: images are scaled to [0, 1] only when batched.
import { tf } from './backend.ts';

/** Rows `rows` (or all) of row-major byte images, `size` bytes each, as floats in [0, 1]: no tensor yet. */
export function imageRows(pixels: Uint8Array, size: number, rows?: ArrayLike<number>): Float32Array {
  const n = rows ? rows.length : pixels.length / size;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const src = (rows ? rows[i] : i) * size;
    for (let j = 0; j < size; j++) out[i * size + j] = pixels[src + j] / 255;
  }
  return out;
}

/** Rows `rows` (or all) of row-major byte images as a float tensor [n, h, w, c] in [0, 1]. */
export function imagesTensor(pixels: Uint8Array, inputShape: readonly [number, number, number], rows?: ArrayLike<number>): tf.Tensor4D {
  const values = imageRows(pixels, inputShape[0] * inputShape[1] * inputShape[2], rows);
  return tf.tensor4d(values, [values.length / (inputShape[0] * inputShape[1] * inputShape[2]), inputShape[0], inputShape[1], inputShape[2]]);
}
