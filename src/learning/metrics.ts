// Accuracy maths (docs/DESIGN.md, "Metrics"), on plain arrays so it is testable without tensors.

export interface ClassAccuracy {
  /** Correct predictions per true class. */
  readonly correct: number[];
  /** Samples per true class. */
  readonly total: number[];
}

export function classAccuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>, classes: number): ClassAccuracy {
  if (predicted.length !== labels.length) throw new Error(`${predicted.length} predictions for ${labels.length} labels`);
  const correct = new Array<number>(classes).fill(0);
  const total = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    total[labels[i]]++;
    if (predicted[i] === labels[i]) correct[labels[i]]++;
  }
  return { correct, total };
}

/** Shared accuracy (beta_sh): plain accuracy over the whole test split, the global distribution. */
export function sharedAccuracy(acc: ClassAccuracy): number {
  const n = acc.total.reduce((a, b) => a + b, 0);
  return n === 0 ? 0 : acc.correct.reduce((a, b) => a + b, 0) / n;
}

/**
 * Private accuracy (beta_priv): sum over classes of pi(c) * acc(c), with pi the agent's private label
 * distribution, so it measures the agent's own task on held-out data without a private test set.
 * Classes absent from the test split contribute nothing (their weight is dropped and the rest renormalised).
 */
export function privateAccuracy(acc: ClassAccuracy, privateHistogram: readonly number[]): number {
  let weight = 0;
  let sum = 0;
  privateHistogram.forEach((count, c) => {
    if (count <= 0 || acc.total[c] === 0) return;
    weight += count;
    sum += count * (acc.correct[c] / acc.total[c]);
  });
  return weight === 0 ? 0 : sum / weight;
}

