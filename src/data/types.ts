// Domain types of the data layer. Pixels stay as bytes until a batch becomes a tensor: a full MNIST
// train split is 47 MB as bytes and 188 MB as floats, and every agent process holds one.

/** Images with labels: a dataset split or an agent's private data. */
export interface LabelledSet {
  /** Row-major images, `n * featureSize` bytes, 0..255. */
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  readonly n: number;
}

/**
 * The shared public set. It has no labels field by construction: the labels are dropped when it is
 * cut from the train split, so no code path can read them.
 */
export interface PublicSet {
  readonly pixels: Uint8Array;
  readonly n: number;
}

export interface Dataset {
  readonly name: string;
  readonly classes: number;
  readonly classNames: readonly string[];
  /** Height, width, channels. */
  readonly inputShape: readonly [number, number, number];
  readonly train: LabelledSet;
  readonly test: LabelledSet;
}

export function featureSize(ds: Pick<Dataset, 'inputShape'>): number {
  return ds.inputShape[0] * ds.inputShape[1] * ds.inputShape[2];
}

/** Rows `indices` of `set` as a new set (copies the bytes). */
export function subsetLabelled(set: LabelledSet, indices: readonly number[], size: number): LabelledSet {
  const pixels = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  indices.forEach((row, i) => {
    pixels.set(set.pixels.subarray(row * size, (row + 1) * size), i * size);
    labels[i] = set.labels[row];
  });
  return { pixels, labels, n: indices.length };
}
