// Stacked bars per round (e.g. the seconds of a round split into training, exchange and evaluation),
// on the same frame and fitted axis as the line charts.
import { escapeXml } from '../text/xml.ts';
import { integerTicks } from './axis.ts';
import { axes, frame, swatch, type ChartOptions } from './charts.ts';

export interface Stack {
  label: string;
  colour: string;
  /** One value per x, in the order of the chart's xs. */
  values: number[];
}

/** One bar per x, its stacks from the bottom up in the order given; the y axis starts at 0. */
export function stackedBarChart(title: string, xs: readonly number[], stacks: readonly Stack[], opts: ChartOptions = {}): string {
  const totals = xs.map((_, i) => stacks.reduce((t, s) => t + (s.values[i] ?? 0), 0));
  const f = frame({ ...opts, y: opts.y ?? { zero: true, clamp: [0, Infinity] } }, totals);
  const { w, m, y } = f;
  const slot = (w - m.l - m.r) / Math.max(1, xs.length);
  const at = (i: number) => m.l + slot * (i + 0.5);
  const ticks = xs.length ? integerTicks(xs[0], xs[xs.length - 1]).filter((t) => xs.includes(t)) : [];
  const parts = axes(title, f, opts, ticks.map((t) => ({ at: at(xs.indexOf(t)), label: String(t) })));
  const width = Math.max(1, slot * 0.72);
  xs.forEach((x, i) => {
    let base = 0;
    for (const s of stacks) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const [top, bottom] = [y(base + v), y(base)];
      parts.push(`<rect x="${(at(i) - width / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${(bottom - top).toFixed(1)}" fill="${s.colour}"><title>${escapeXml(`${s.label}, round ${x}: ${v.toFixed(2)}${opts.yLabel ? ` ${opts.yLabel}` : ''}`)}</title></rect>`);
      base += v;
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The legend of a stacked chart. */
export function stackLegend(stacks: readonly Pick<Stack, 'label' | 'colour'>[]): string {
  return stacks.map((s) => swatch(s.colour, s.label, 10)).join('');
}
