// Small inline SVG line charts: accuracy per round in the report (one line per agent plus the mean, or
// bands for many agents), and cost against agents in the benchmarks.
import { escapeXml } from '../text/xml.ts';

export interface Series {
  label: string;
  points: [number, number][];
  emphasis?: boolean;
  /** Drawn as a shaded band from `low` to `high` per x instead of a line: [x, low, high]. */
  band?: [number, number, number][];
  /** Fill of a band; stroke of a line (default: the palette, or black for emphasis). */
  colour?: string;
  /** A dashed line (e.g. the min over agents next to the mean). */
  dashed?: boolean;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** A readable chart in a report page (the defaults suit the small charts of the benchmarks). */
export const PAGE_CHART = { width: 560, height: 340, fontSize: 13 } as const satisfies ChartOptions;

export interface ChartOptions {
  /** Font size of ticks and labels (the title is 2 px larger); default 10. */
  fontSize?: number;
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
  const fs = opts.fontSize ?? 10;
  const m = { l: 4 * fs, r: 10, t: 2.4 * fs, b: 3 * fs };
  const fx = opts.logX ? Math.log2 : (v: number) => v;
  const xs = series.flatMap((s) => [...s.points.map((p) => p[0]), ...(s.band ?? []).map((p) => p[0])]).map(fx);
  const xMin = opts.logX ? Math.min(...xs) : Math.min(0, ...xs);
  const xMax = Math.max(opts.logX ? xMin + 1 : 1, ...xs);
  const yMax = opts.yMax ?? 1;
  const yFormat = opts.yFormat ?? ((v: number) => `${Math.round(v * 100)}%`);
  const x = (v: number) => m.l + ((fx(v) - xMin) / (xMax - xMin || 1)) * (w - m.l - m.r);
  const y = (v: number) => h - m.b - (v / yMax) * (h - m.t - m.b);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="sans-serif" font-size="${fs}">`];
  parts.push(`<text x="${w / 2}" y="${1.4 * fs}" text-anchor="middle" font-size="${fs + 2}">${escapeXml(title)}</text>`);
  for (const t of [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax)) {
    parts.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 4}" y="${y(t) + fs * 0.3}" text-anchor="end">${escapeXml(yFormat(t))}</text>`);
  }
  const ticks = Math.min(10, xMax - xMin);
  const xTicks = opts.xTicks ?? Array.from({ length: ticks + 1 }, (_, i) => Math.round(xMin + ((xMax - xMin) * i) / ticks));
  for (const v of xTicks) parts.push(`<text x="${x(v)}" y="${h - m.b + 1.2 * fs}" text-anchor="middle">${v}</text>`);
  parts.push(`<text x="${(m.l + w - m.r) / 2}" y="${h - 4}" text-anchor="middle">${escapeXml(opts.xLabel ?? 'round')}</text>`);
  series.forEach((s, i) => {
    if (s.band && s.band.length > 0) {
      const upper = s.band.map(([a, , hi]) => `${x(a).toFixed(1)},${y(hi).toFixed(1)}`);
      const lower = s.band.map(([a, lo]) => `${x(a).toFixed(1)},${y(lo).toFixed(1)}`).reverse();
      parts.push(`<polygon fill="${s.colour ?? '#1f77b4'}" fill-opacity="0.25" stroke="none" points="${[...upper, ...lower].join(' ')}"><title>${escapeXml(s.label)}</title></polygon>`);
      return;
    }
    if (s.points.length === 0) return;
    const colour = s.colour ?? (s.emphasis ? '#000' : PALETTE[i % PALETTE.length]);
    const pts = s.points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
    const dashed = s.dashed ?? s.emphasis;
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="${s.emphasis ? 2.5 : 1.5}"${dashed ? ' stroke-dasharray="5,3"' : ''} points="${pts}"><title>${escapeXml(s.label)}</title></polyline>`);
    if (opts.markers) for (const [a, b] of s.points) parts.push(`<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="2.5" fill="${colour}"/>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

export const swatch = (colour: string, label: string, height = 3) =>
  `<span style="display:inline-block;margin-right:10px"><span style="display:inline-block;width:12px;height:${height}px;background:${colour};vertical-align:middle"></span> ${escapeXml(label)}</span>`;

/** The colour of the i-th line of a chart. */
export const paletteColour = (i: number): string => PALETTE[i % PALETTE.length];

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

export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
  /** On the front: filled, red, and joined by the front line. */
  front?: boolean;
  /** A reference point (e.g. isolated training): a black square. */
  reference?: boolean;
  /** A short tag written next to the point (e.g. its number in a list below the chart). */
  tag?: string;
}

/** Points of y against x (accuracies), the axes fitted to the data; the front joined in order of x. */
export function scatterChart(title: string, points: ScatterPoint[], opts: ChartOptions & { yLabel?: string } = {}): string {
  const w = opts.width ?? 560;
  const h = opts.height ?? 400;
  const fs = opts.fontSize ?? 13;
  const m = { l: 5 * fs, r: 3 * fs, t: 2.4 * fs, b: 3.4 * fs };
  const range = (vs: number[]) => {
    const lo = Math.min(...vs);
    const hi = Math.max(...vs);
    const pad = Math.max(0.005, (hi - lo) * 0.08);
    return [lo - pad, hi + pad] as const;
  };
  const [x0, x1] = range(points.map((p) => p.x));
  const [y0, y1] = range(points.map((p) => p.y));
  const x = (v: number) => m.l + ((v - x0) / (x1 - x0)) * (w - m.l - m.r);
  const y = (v: number) => h - m.b - ((v - y0) / (y1 - y0)) * (h - m.t - m.b);
  const fmt = opts.yFormat ?? ((v: number) => `${(100 * v).toFixed(1)}%`);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="sans-serif" font-size="${fs}">`];
  parts.push(`<text x="${w / 2}" y="${1.4 * fs}" text-anchor="middle" font-size="${fs + 2}">${escapeXml(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const vy = y0 + ((y1 - y0) * i) / 4;
    const vx = x0 + ((x1 - x0) * i) / 4;
    parts.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${y(vy)}" y2="${y(vy)}" stroke="#eee"/><text x="${m.l - 4}" y="${y(vy) + fs * 0.3}" text-anchor="end">${escapeXml(fmt(vy))}</text>`);
    parts.push(`<line x1="${x(vx)}" x2="${x(vx)}" y1="${m.t}" y2="${h - m.b}" stroke="#eee"/><text x="${x(vx)}" y="${h - m.b + 1.2 * fs}" text-anchor="middle">${escapeXml(fmt(vx))}</text>`);
  }
  parts.push(`<text x="${(m.l + w - m.r) / 2}" y="${h - 4}" text-anchor="middle">${escapeXml(opts.xLabel ?? 'x')}</text>`);
  parts.push(`<text transform="translate(${fs},${(m.t + h - m.b) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel ?? 'y')}</text>`);
  const front = points.filter((p) => p.front).sort((a, b) => a.x - b.x);
  if (front.length > 1) parts.push(`<polyline fill="none" stroke="#d62728" stroke-width="1.5" stroke-dasharray="4,3" points="${front.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')}"/>`);
  for (const p of points) {
    const tip = `<title>${escapeXml(`${p.label}: ${fmt(p.x)}, ${fmt(p.y)}`)}</title>`;
    if (p.reference) parts.push(`<rect x="${(x(p.x) - 5).toFixed(1)}" y="${(y(p.y) - 5).toFixed(1)}" width="10" height="10" fill="#000">${tip}</rect>`);
    else parts.push(`<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="${p.front ? 6 : 4.5}" fill="${p.front ? '#d62728' : '#9ecae1'}" stroke="${p.front ? '#7f0000' : '#3182bd'}">${tip}</circle>`);
    if (p.tag) parts.push(`<text x="${(x(p.x) + 8).toFixed(1)}" y="${(y(p.y) - 6).toFixed(1)}" font-size="${fs - 1}">${escapeXml(p.tag)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
