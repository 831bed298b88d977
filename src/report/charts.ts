// Small inline SVG line charts: accuracy per round in the report (one line per agent plus the mean, or
// bands for many agents), and cost against agents in the benchmarks.
import { escapeXml } from '../text/xml.ts';

export interface Series {
  label: string;
  points: [number, number][];
  emphasis?: boolean;
  /** Drawn as a shaded band from `low` to `high` per x instead of a line: [x, low, high]. */
  band?: [number, number, number][];
  /** Fill of a band. */
  colour?: string;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface ChartOptions {
  width?: number;
  height?: number;
  xLabel?: string;
  /** Top of the y axis; default 1 (accuracies). */
  yMax?: number;
  /** Tick labels of the y axis; default percentages. */
  yFormat?: (v: number) => string;
  /** Ticks at these x values (e.g. agent counts) instead of evenly spaced integers. */
  xTicks?: number[];
  /** A log2 x axis (agent counts from 8 to 256). */
  logX?: boolean;
  /** A dot on every point (a series of one point is otherwise invisible). */
  markers?: boolean;
}

export function lineChart(title: string, series: Series[], opts: ChartOptions = {}): string {
  const w = opts.width ?? 360;
  const h = opts.height ?? 220;
  const m = { l: 40, r: 10, t: 24, b: 30 };
  const fx = opts.logX ? Math.log2 : (v: number) => v;
  const xs = series.flatMap((s) => [...s.points.map((p) => p[0]), ...(s.band ?? []).map((p) => p[0])]).map(fx);
  const xMin = opts.logX ? Math.min(...xs) : Math.min(0, ...xs);
  const xMax = Math.max(opts.logX ? xMin + 1 : 1, ...xs);
  const yMax = opts.yMax ?? 1;
  const yFormat = opts.yFormat ?? ((v: number) => `${Math.round(v * 100)}%`);
  const x = (v: number) => m.l + ((fx(v) - xMin) / (xMax - xMin || 1)) * (w - m.l - m.r);
  const y = (v: number) => h - m.b - (v / yMax) * (h - m.t - m.b);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="sans-serif" font-size="10">`];
  parts.push(`<text x="${w / 2}" y="14" text-anchor="middle" font-size="12">${escapeXml(title)}</text>`);
  for (const t of [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax)) {
    parts.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 4}" y="${y(t) + 3}" text-anchor="end">${escapeXml(yFormat(t))}</text>`);
  }
  const ticks = Math.min(10, xMax - xMin);
  const xTicks = opts.xTicks ?? Array.from({ length: ticks + 1 }, (_, i) => Math.round(xMin + ((xMax - xMin) * i) / ticks));
  for (const v of xTicks) parts.push(`<text x="${x(v)}" y="${h - m.b + 12}" text-anchor="middle">${v}</text>`);
  parts.push(`<text x="${(m.l + w - m.r) / 2}" y="${h - 4}" text-anchor="middle">${escapeXml(opts.xLabel ?? 'round')}</text>`);
  series.forEach((s, i) => {
    if (s.band && s.band.length > 0) {
      const upper = s.band.map(([a, , hi]) => `${x(a).toFixed(1)},${y(hi).toFixed(1)}`);
      const lower = s.band.map(([a, lo]) => `${x(a).toFixed(1)},${y(lo).toFixed(1)}`).reverse();
      parts.push(`<polygon fill="${s.colour ?? '#1f77b4'}" fill-opacity="0.25" stroke="none" points="${[...upper, ...lower].join(' ')}"><title>${escapeXml(s.label)}</title></polygon>`);
      return;
    }
    if (s.points.length === 0) return;
    const colour = s.emphasis ? '#000' : PALETTE[i % PALETTE.length];
    const pts = s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="${s.emphasis ? 2.5 : 1.2}"${s.emphasis ? ' stroke-dasharray="5,3"' : ''} points="${pts}"><title>${escapeXml(s.label)}</title></polyline>`);
    if (opts.markers) for (const [a, b] of s.points) parts.push(`<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="2.5" fill="${colour}"/>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

const swatch = (colour: string, label: string, height = 3) =>
  `<span style="display:inline-block;margin-right:10px"><span style="display:inline-block;width:12px;height:${height}px;background:${colour};vertical-align:middle"></span> ${escapeXml(label)}</span>`;

/** One entry per agent line, then the mean. */
export function legend(labels: string[]): string {
  return labels.map((l, i) => swatch(PALETTE[i % PALETTE.length], l)).join('') + swatch('#000', 'mean');
}

/** The legend of a banded chart (many agents). */
export function bandLegend(bands: { label: string; colour: string }[]): string {
  return bands.map((b) => swatch(b.colour, b.label, 10)).join('') + swatch('#000', 'mean');
}

/** The `q` quantile (0..1) of `xs` by linear interpolation. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const at = q * (s.length - 1);
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}
