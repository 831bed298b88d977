// Axis ranges for the report's charts: fitted to the data, padded, on round ticks (1, 2 or 5 times a
// power of ten), so that private accuracy between 88 % and 98 % fills the chart instead of its top tenth.

export interface Scale {
  min: number;
  max: number;
  step: number;
  /** From min to max by step. */
  ticks: number[];
}

export interface ScaleOptions {
  /** Include 0 (quantities that start from nothing: bytes, seconds, loss). */
  zero?: boolean;
  /** The range never leaves these bounds (accuracies: [0, 1]). */
  clamp?: readonly [number, number];
  /** The smallest span shown, so that a flat line is not blown up into noise (accuracies: 0.02). */
  minSpan?: number;
  /** About this many intervals between ticks; default 5. */
  intervals?: number;
}

const NICE = [1, 2, 5, 10];

/** The smallest of 1, 2 and 5 times a power of ten that is at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  return NICE.find((s) => s * p >= raw * (1 - 1e-9))! * p;
}

/** Rounds away the floating-point noise of `k * step`. */
const clean = (v: number, step: number) => Number(v.toFixed(Math.max(0, decimals(step) + 2)));

/** Decimals that tell apart ticks `step` apart (step 0.05: 2, step 50: 0). */
export function decimals(step: number): number {
  return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
}

/** A padded range over `values` on round ticks. */
export function niceScale(values: readonly number[], opts: ScaleOptions = {}): Scale {
  const vs = values.filter(Number.isFinite);
  let lo = vs.length ? Math.min(...vs) : 0;
  let hi = vs.length ? Math.max(...vs) : 1;
  if (opts.zero) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  const want = Math.max(opts.minSpan ?? 0, hi - lo);
  if (want > hi - lo) [lo, hi] = [(lo + hi - want) / 2, (lo + hi + want) / 2];
  if (hi - lo === 0) [lo, hi] = [lo - (Math.abs(lo) * 0.05 || 0.5), hi + (Math.abs(hi) * 0.05 || 0.5)];
  // Pad by a twentieth of the span, except at a zero that the data sit on.
  const pad = (hi - lo) * 0.05;
  const [bLo, bHi] = opts.clamp ?? [-Infinity, Infinity];
  const padLo = opts.zero && lo === 0 ? 0 : pad;
  const step = niceStep((hi - lo + padLo + pad) / (opts.intervals ?? 5));
  let min = Math.floor((lo - padLo) / step + 1e-9) * step;
  let max = Math.ceil((hi + pad) / step - 1e-9) * step;
  // Clamped, a range that hits a bound moves its other end away, so that the span stays.
  if (min < bLo) [min, max] = [bLo, Math.min(bHi, Math.max(max, bLo + step))];
  if (max > bHi) [min, max] = [Math.max(bLo, Math.min(min, bHi - step)), bHi];
  min = clean(min, step);
  max = clean(max, step);
  const count = Math.round((max - min) / step);
  const ticks = Array.from({ length: count + 1 }, (_, i) => clean(min + i * step, step)).filter((t) => t <= max + step * 1e-6);
  return { min, max, step, ticks };
}

/** A fixed range from 0 to `max` in quarters (the benchmarks' charts). */
export function fixedScale(max: number): Scale {
  return { min: 0, max, step: max / 4, ticks: [0, 0.25, 0.5, 0.75, 1].map((f) => f * max) };
}

/** Whole-number ticks (rounds, agent counts) from `min` to `max`, at most about 10 of them. */
export function integerTicks(min: number, max: number): number[] {
  const step = Math.max(1, niceStep((max - min) / 10));
  const first = Math.ceil(min / step) * step;
  return Array.from({ length: Math.floor((max - first) / step) + 1 }, (_, i) => first + i * step);
}

/** Percent tick labels with as many decimals as the step needs (step 0.05: "85%", step 0.005: "85.5%"). */
export const percentTick = (v: number, step: number): string => `${(100 * v).toFixed(decimals(100 * step))}%`;

/** Plain number tick labels with as many decimals as the step needs. */
export const numberTick = (v: number, step: number): string => v.toFixed(decimals(step));
