// Seeded split of a train split into a public set (labels dropped), a validation set (labelled, for
// choosing settings without looking at the test split) and a private pool, all disjoint.
import { createRng, deriveSeed, range, shuffleInPlace } from './random.ts';
import { subsetLabelled, type LabelledSet, type PublicSet } from './types.ts';

export interface TrainSplit {
  readonly publicSet: PublicSet;
  readonly privatePool: LabelledSet;
  /** Held out from the public set and the pool: `--eval-split val` reports on it. Empty with size 0. */
  readonly valSet: LabelledSet;
  /** Row numbers in the train split, for audits (disjointness) and the run's config. */
  readonly publicRows: readonly number[];
  readonly poolRows: readonly number[];
  readonly valRows: readonly number[];
}

export function splitTrain(train: LabelledSet, featureSize: number, publicSize: number, seed: number, valSize = 0): TrainSplit {
  if (!Number.isInteger(publicSize) || publicSize < 0) throw new Error(`public set size must be a non-negative integer, got ${publicSize}`);
  if (!Number.isInteger(valSize) || valSize < 0) throw new Error(`validation set size must be a non-negative integer, got ${valSize}`);
  if (publicSize + valSize >= train.n) {
    const what = valSize > 0 ? `public set of ${publicSize} and validation set of ${valSize}` : `public set of ${publicSize}`;
    throw new Error(`more samples asked for than exist: ${what} leave no private pool in a train split of ${train.n}`);
  }
  const order = shuffleInPlace(range(train.n), createRng(deriveSeed(seed, 'split')));
  const publicRows = order.slice(0, publicSize).sort((a, b) => a - b);
  // The validation rows come off the far end, so that the public set of a seed is the same with or without them.
  const valRows = order.slice(train.n - valSize).sort((a, b) => a - b);
  const poolRows = order.slice(publicSize, train.n - valSize).sort((a, b) => a - b);
  const pub = subsetLabelled(train, publicRows, featureSize);
  // Only the pixels cross over: the labels of the public rows are never kept.
  const publicSet: PublicSet = { pixels: pub.pixels, n: pub.n };
  return { publicSet, privatePool: subsetLabelled(train, poolRows, featureSize), valSet: subsetLabelled(train, valRows, featureSize), publicRows, poolRows, valRows };
}
