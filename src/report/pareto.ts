// The Pareto front of two accuracies to maximise (private against shared): a point is on the front when
// no other point is at least as good on both and better on one.

export function paretoFront<T>(points: readonly T[], a: (p: T) => number, b: (p: T) => number): boolean[] {
  return points.map((p) => !points.some((q) => q !== p && a(q) >= a(p) && b(q) >= b(p) && (a(q) > a(p) || b(q) > b(p))));
}
