import { describe, expect, it } from 'vitest';
import { decimals, integerTicks, niceScale, niceStep, numberTick, percentTick } from '../../src/report/axis.ts';
import { ACCURACY_AXIS, lineChart } from '../../src/report/charts.ts';
import { gridOf } from './rich-run.ts';

const isRound = (step: number) => {
  const m = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5].some((n) => Math.abs(m - n) < 1e-6);
};

describe('fitted axes', () => {
  it('nice steps are 1, 2 or 5 times a power of ten, at least the raw step', () => {
    expect(niceStep(0.022)).toBeCloseTo(0.05, 12);
    expect(niceStep(0.02)).toBeCloseTo(0.02, 12);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(130)).toBe(200);
    expect(niceStep(0)).toBe(1);
    for (const raw of [0.0013, 0.07, 0.9, 4.2, 77, 12345]) {
      expect(niceStep(raw)).toBeGreaterThanOrEqual(raw);
      expect(isRound(niceStep(raw))).toBe(true);
    }
  });

  it('private accuracy from 88 % to 98 %: a padded range on round ticks that does not start at 0', () => {
    const s = niceScale([0.88, 0.91, 0.98], ACCURACY_AXIS);
    expect(s.min).toBeGreaterThan(0.5);
    expect(s.min).toBeLessThan(0.88);
    expect(s.max).toBeGreaterThan(0.98);
    expect(s.max).toBeLessThanOrEqual(1);
    expect(isRound(s.step)).toBe(true);
    expect(s.ticks[0]).toBeCloseTo(s.min, 12);
    expect(s.ticks[s.ticks.length - 1]).toBeCloseTo(s.max, 12);
    // the data fill most of the axis
    expect((0.98 - 0.88) / (s.max - s.min)).toBeGreaterThan(0.6);
    expect(s.ticks.map((t) => percentTick(t, s.step))).toEqual(['85%', '90%', '95%', '100%']);
  });

  it('stays within its bounds, and a bound the data reach moves the other end', () => {
    const s = niceScale([0.97, 0.999], ACCURACY_AXIS);
    expect(s.max).toBe(1);
    expect(s.min).toBeLessThan(0.97);
    const low = niceScale([0, 0.05], ACCURACY_AXIS);
    expect(low.min).toBe(0);
    expect(low.max).toBeGreaterThan(0.05);
  });

  it('a flat line gets the minimum span around it instead of a blown-up axis', () => {
    const s = niceScale([0.5, 0.5], ACCURACY_AXIS);
    expect(s.max - s.min).toBeGreaterThanOrEqual(0.02 - 1e-12);
    expect(s.min).toBeLessThan(0.5);
    expect(s.max).toBeGreaterThan(0.5);
    expect(s.ticks.map((t) => percentTick(t, s.step))).toContain('50.0%');
  });

  it('quantities from nothing start at 0 and are not padded below it', () => {
    const s = niceScale([160_426 / 1024, 160_426 / 1024], { zero: true, clamp: [0, Infinity] });
    expect(s.min).toBe(0);
    expect(s.max).toBeGreaterThan(156.7);
    expect(s.ticks.map((t) => numberTick(t, s.step))).toEqual(['0', '50', '100', '150', '200']);
  });

  it('tick labels carry as many decimals as the step needs', () => {
    expect(decimals(50)).toBe(0);
    expect(decimals(0.5)).toBe(1);
    expect(decimals(0.05)).toBe(2);
    expect(percentTick(0.855, 0.005)).toBe('85.5%');
    expect(integerTicks(0, 9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(integerTicks(0, 99)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(integerTicks(0, 15)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
  });

  it('a chart draws its grid at the fitted ticks; a fixed yMax keeps 0 to yMax', () => {
    const svg = lineChart('t', [{ label: 'x', points: [[0, 0.88], [1, 0.98]] }]);
    expect(gridOf(svg).map((g) => g.v)).toEqual([0.85, 0.9, 0.95, 1]);
    const fixed = lineChart('t', [{ label: 'x', points: [[0, 3], [1, 5]] }], { yMax: 8, yFormat: (v) => v.toFixed(0) });
    expect(gridOf(fixed).map((g) => g.v)).toEqual([0, 2, 4, 6, 8]);
  });
});
