// Bytes to tensors at the edge of the model: images are scaled to [0, 1] only when batched.
import { tf } from './backend.ts';

/** Rows `rows` (or all) of row-major byte images as a float tensor [n, h, w, c] in [0, 1]. */
export function imagesTensor(
  pixels: Uint8Array,
  inputShape: readonly [number, number, number],
  rows?: ArrayLike<number>,
): tf.Tensor4D {
  const size = inputShape[0] * inputShape[1] * inputShape[2];
  const n = rows ? rows.length : pixels.length / size;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const src = (rows ? rows[i] : i) * size;
    for (let j = 0; j < size; j++) out[i * size + j] = pixels[src + j] / 255;
  }
  return tf.tensor4d(out, [n, inputShape[0], inputShape[1], inputShape[2]]);
}

export function oneHotTensor(labels: Uint8Array, classes: number, rows?: ArrayLike<number>): tf.Tensor2D {
  const n = rows ? rows.length : labels.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = labels[rows ? rows[i] : i];
  return tf.tidy(() => tf.oneHot(tf.tensor1d(idx, 'int32'), classes) as tf.Tensor2D);
}
