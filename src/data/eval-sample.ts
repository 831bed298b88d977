// Which test rows an evaluation uses. `--eval-samples N` is a seeded sample stratified by class: each
// class gets its share of N (largest remainders), rows drawn at random within the class, the same rows
// for every agent of a run. Taking the first N rows instead would follow the split's own order, and
// Fashion-MNIST's test split is sorted by class: its first 1,000 rows are all t-shirts.
import { createRng, deriveSeed, shuffleInPlace } from './random.ts';

/** Sorted row indices: all rows when `n` is 0 or at least the split's size, else a stratified sample. */
export function evaluationRows(labels: ArrayLike<number>, classes: number, n: number, seed: number): number[] {
  const total = labels.length;
  if (n <= 0 || n >= total) return Array.from({ length: total }, (_, i) => i);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < total; i++) byClass[labels[i]].push(i);
  const exact = byClass.map((rows) => (rows.length * n) / total);
  const take = exact.map(Math.floor);
  let left = n - take.reduce((a, b) => a + b, 0);
  const order = exact.map((e, c) => ({ c, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.c - b.c);
  for (const { c } of order) {
    if (left === 0) break;
    if (take[c] < byClass[c].length) {
      take[c]++;
      left--;
    }
  }
  const rng = createRng(deriveSeed(seed, 'evaluation-sample'));
  return byClass.flatMap((rows, c) => shuffleInPlace(rows.slice(), rng).slice(0, take[c])).sort((a, b) => a - b);
}

/** How a run evaluates (`--eval-split`, `--eval-samples`, the run's seed), for its summary. */
export function describeEvaluation(n: number, seed: number, split: 'test' | 'val' = 'test'): string {
  const name = split === 'val' ? 'validation set' : 'test split';
  return n <= 0 ? `the whole ${name}` : `a class-stratified sample of ${n} rows of the ${name}, seed ${seed} (the whole ${name} if it has no more)`;
}
