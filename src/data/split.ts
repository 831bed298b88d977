// Seeded split of a train split into a public set (labels dropped) and a disjoint private pool.
import { createRng, deriveSeed, range, shuffleInPlace } from './random.ts';
import { subsetLabelled, type LabelledSet, type PublicSet } from './types.ts';

export interface TrainSplit {
  readonly publicSet: PublicSet;
  readonly privatePool: LabelledSet;
  /** Row numbers in the train split, for audits (disjointness) and the run's config. */
  readonly publicRows: readonly number[];
  readonly poolRows: readonly number[];
}

export function splitTrain(train: LabelledSet, featureSize: number, publicSize: number, seed: number): TrainSplit {
  if (!Number.isInteger(publicSize) || publicSize < 0) throw new Error(`public set size must be a non-negative integer, got ${publicSize}`);
  if (publicSize >= train.n) {
    throw new Error(`more samples asked for than exist: public set of ${publicSize} leaves no private pool in a train split of ${train.n}`);
  }
  const order = shuffleInPlace(range(train.n), createRng(deriveSeed(seed, 'split')));
  const publicRows = order.slice(0, publicSize).sort((a, b) => a - b);
  const poolRows = order.slice(publicSize).sort((a, b) => a - b);
  const pub = subsetLabelled(train, publicRows, featureSize);
  // Only the pixels cross over: the labels of the public rows are never kept.
  const publicSet: PublicSet = { pixels: pub.pixels, n: pub.n };
  return { publicSet, privatePool: subsetLabelled(train, poolRows, featureSize), publicRows, poolRows };
}
