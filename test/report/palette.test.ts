// The report's line colours: agent lines stay apart for readers with each kind of colour blindness.
import { describe, expect, it } from 'vitest';
import { lineStyle, PALETTE, seriesLegend, type Series } from '../../src/report/charts.ts';
import { closest, distance, MACHADO, seen } from './colour-vision.ts';

describe('colours', () => {
  it('8 agents get 8 distinct colours that stay apart under protanopia, deuteranopia and tritanopia', () => {
    const eight = Array.from({ length: 8 }, (_, i) => lineStyle(i).colour);
    expect(new Set(eight).size).toBe(8);
    for (const [kind, m] of Object.entries(MACHADO)) expect(closest(eight, m), kind).toBeGreaterThan(15);
    // the former palette (matplotlib's tab10) fails the same check: green and red merge for deuteranopes
    const tab10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
    expect(closest(tab10, MACHADO.deuteranopia)).toBeLessThan(10);
    // none is close to the black of the mean
    for (const c of eight) expect(distance(seen(c, MACHADO.normal), seen('#000000', MACHADO.normal))).toBeGreaterThan(15);
  });

  it('past the palette, lines repeat its colours dashed, and the legend names each agent as drawn', () => {
    expect(lineStyle(0)).toEqual({ colour: PALETTE[0], dash: '' });
    expect(lineStyle(PALETTE.length)).toEqual({ colour: PALETTE[0], dash: '7,3' });
    expect(lineStyle(2 * PALETTE.length + 1).dash).toBe('2,2');
    const series: Series[] = [...Array.from({ length: 12 }, (_, i) => ({ label: `a${i}`, points: [] })), { label: 'mean', points: [], emphasis: true }];
    const keys = seriesLegend(series);
    expect(keys).toContain(`stroke="${PALETTE[0]}" stroke-width="2"/></svg> a0<`);
    expect(keys).toContain(`stroke="${PALETTE[0]}" stroke-width="2" stroke-dasharray="7,3"/></svg> a9<`);
    expect(keys).toMatch(/stroke="#000" stroke-width="3"\/><\/svg> mean</);
  });
});
