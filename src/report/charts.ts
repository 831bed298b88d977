// Small inline SVG charts: lines per round in the report (one per agent plus the mean, or bands for many
// agents), and cost against agents in the benchmarks. The y axis is fitted to the data on round ticks
// (axis.ts); the colours are Paul Tol's "muted" scheme, chosen to stay apart for colour-blind readers.
import { escapeXml } from '../text/xml.ts';
import { fixedScale, integerTicks, niceScale, percentTick, type Scale, type ScaleOptions } from './axis.ts';

export interface Series {
  label: string;
  points: [number, number][];
  /** The mean: thick and black. */
  emphasis?: boolean;
  /** Drawn as a shaded band from `low` to `high` per x instead of a line: [x, low, high]. */
  band?: [number, number, number][];
  /** Fill of a band; stroke of a line (default: the palette, or black for emphasis). */
  colour?: string;
  /** A dashed line (e.g. the min over agents next to the mean). */
  dashed?: boolean;
  /** An SVG dash pattern (e.g. "6,3"), over `dashed`. */
  dash?: string;
  /** Written at the line's last point, right of the chart (e.g. "baseline"). */
  endLabel?: string;
}

/** Paul Tol's muted qualitative scheme (https://personal.sron.nl/~pault/), in his order. */
export const PALETTE = ['#CC6677', '#332288', '#DDCC77', '#117733', '#88CCEE', '#882255', '#44AA99', '#999933', '#AA4499'] as const;
/** Past the palette, lines repeat its colours dashed, then dotted. */
const DASHES = ['', '7,3', '2,2'];

/** The colour and dash of the i-th line, the same in every chart and legend of a page. */
export function lineStyle(i: number): { colour: string; dash: string } {
  return { colour: PALETTE[i % PALETTE.length], dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length] };
}

/** The colour of the i-th line of a chart. */
export const paletteColour = (i: number): string => lineStyle(i).colour;

/** A readable chart in a report page (the defaults suit the small charts of the benchmarks). */
export const PAGE_CHART = { width: 540, height: 330, fontSize: 13 } as const satisfies ChartOptions;

/** The y axis of accuracies: fitted, within 0..100 %, at least 2 points tall. */
export const ACCURACY_AXIS: ScaleOptions = { clamp: [0, 1], minSpan: 0.02 };

export interface ChartOptions {
  /** Font size of ticks and labels (the title is 2 px larger); default 10. */
  fontSize?: number;
  width?: number;
  height?: number;
  xLabel?: string;
  /** Written along the y axis (its unit). */
  yLabel?: string;
  /** A fixed y axis from 0 to this (the benchmarks); otherwise it is fitted to the data (`y`). */
  yMax?: number;
  /** How the y axis is fitted; default ACCURACY_AXIS. */
  y?: ScaleOptions;
  /** Tick labels of the y axis, given the step between ticks; default percentages. */
  yFormat?: (v: number, step: number) => string;
  /** Ticks at these x values (e.g. agent counts) instead of evenly spaced integers. */
  xTicks?: number[];
  /** A log2 x axis (agent counts from 8 to 256). */
  logX?: boolean;
  /** A dot on every point (a series of one point gets them anyway). */
  markers?: boolean;
  /** Horizontal reference lines, labelled (e.g. the defence's exclusion threshold). */
  rules?: { y: number; label: string }[];
}

export interface Frame {
  w: number;
  h: number;
  fs: number;
  m: { l: number; r: number; t: number; b: number };
  scale: Scale;
  /** The pixel row of a y value. */
  y: (v: number) => number;
}

/** A chart's frame: size, margins and the y scale over `ys`. */
export function frame(opts: ChartOptions, ys: readonly number[], rightMargin = 10): Frame {
  const w = opts.width ?? 360;
  const h = opts.height ?? 220;
  const fs = opts.fontSize ?? 10;
  const m = { l: (opts.yLabel ? 5.6 : 4.4) * fs, r: rightMargin, t: 2.4 * fs, b: 3 * fs };
  const scale = opts.yMax !== undefined ? fixedScale(opts.yMax) : niceScale(ys, opts.y ?? ACCURACY_AXIS);
  const y = (v: number) => h - m.b - ((v - scale.min) / (scale.max - scale.min || 1)) * (h - m.t - m.b);
  return { w, h, fs, m, scale, y };
}

/** The opening tag, title, y grid with its labels (each grid line carries its value as data-v), x ticks and axis labels. */
export function axes(title: string, f: Frame, opts: ChartOptions, xTicks: { at: number; label: string }[]): string[] {
  const { w, h, fs, m, scale, y } = f;
  const yFormat = opts.yFormat ?? percentTick;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="sans-serif" font-size="${fs}">`];
  parts.push(`<text x="${w / 2}" y="${1.4 * fs}" text-anchor="middle" font-size="${fs + 2}">${escapeXml(title)}</text>`);
  for (const t of scale.ticks) {
    parts.push(`<line class="grid" data-v="${t}" x1="${m.l}" x2="${w - m.r}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${m.l - 4}" y="${(y(t) + fs * 0.3).toFixed(1)}" text-anchor="end">${escapeXml(yFormat(t, scale.step))}</text>`);
  }
  parts.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${h - m.b}" stroke="#999"/><line x1="${m.l}" x2="${w - m.r}" y1="${h - m.b}" y2="${h - m.b}" stroke="#999"/>`);
  for (const t of xTicks) parts.push(`<text x="${t.at.toFixed(1)}" y="${h - m.b + 1.2 * fs}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  parts.push(`<text x="${(m.l + w - m.r) / 2}" y="${h - 4}" text-anchor="middle">${escapeXml(opts.xLabel ?? 'round')}</text>`);
  if (opts.yLabel) parts.push(`<text transform="translate(${fs * 1.1},${(m.t + h - m.b) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`);
  for (const r of opts.rules ?? []) {
    parts.push(`<line class="rule" x1="${m.l}" x2="${w - m.r}" y1="${y(r.y).toFixed(1)}" y2="${y(r.y).toFixed(1)}" stroke="#444" stroke-dasharray="2,3"/>`);
    parts.push(`<text x="${m.l + 4}" y="${(y(r.y) - 3).toFixed(1)}" fill="#444" font-size="${fs - 1}">${escapeXml(r.label)}</text>`);
  }
  return parts;
}

/** How lineChart draws the i-th series: its own colour and dash, or the palette's, or black and thick for the mean. */
function drawnStyle(s: Series, i: number): { colour: string; dash: string; width: number } {
  const style = lineStyle(i);
  const colour = s.colour ?? (s.emphasis ? '#000' : style.colour);
  const dash = s.dash ?? (s.dashed ? '5,3' : s.colour || s.emphasis ? '' : style.dash);
  return { colour, dash, width: s.emphasis ? 3 : 2 };
}

/** End labels placed at their lines' last points, pushed apart so that they do not overlap; dark, for contrast with light lines. */
function endLabels(items: { text: string; y: number }[], x: number, fs: number): string[] {
  const sorted = [...items].sort((a, b) => a.y - b.y);
  for (let i = 1; i < sorted.length; i++) sorted[i].y = Math.max(sorted[i].y, sorted[i - 1].y + 1.1 * fs);
  return sorted.map((l) => `<text class="end-label" x="${x.toFixed(1)}" y="${(l.y + 0.35 * fs).toFixed(1)}" fill="#333">${escapeXml(l.text)}</text>`);
}

export function lineChart(title: string, series: Series[], opts: ChartOptions = {}): string {
  const fx = opts.logX ? Math.log2 : (v: number) => v;
  const xs = series.flatMap((s) => [...s.points.map((p) => p[0]), ...(s.band ?? []).map((p) => p[0])]).map(fx);
  const ys = [...series.flatMap((s) => [...s.points.map((p) => p[1]), ...(s.band ?? []).flatMap((p) => [p[1], p[2]])]), ...(opts.rules ?? []).map((r) => r.y)];
  const fs = opts.fontSize ?? 10;
  const f = frame(opts, ys, series.some((s) => s.endLabel) ? 6.5 * fs : 12);
  const { w, m, y } = f;
  const xMin = opts.logX ? Math.min(...xs) : Math.min(0, ...xs);
  const xMax = Math.max(xMin + 1, ...xs);
  const x = (v: number) => m.l + ((fx(v) - xMin) / (xMax - xMin || 1)) * (w - m.l - m.r);
  const ticks = opts.xTicks ?? integerTicks(xMin, xMax);
  const parts = axes(title, f, opts, ticks.map((v) => ({ at: x(v), label: String(v) })));
  const labels: { text: string; y: number }[] = [];
  const xy = ([a, b]: [number, number] | [number, number, number]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`;
  series.forEach((s, i) => {
    if (s.band && s.band.length > 0) {
      const upper = s.band.map(([a, , hi]) => xy([a, hi]));
      const lower = s.band.map(([a, lo]) => xy([a, lo])).reverse();
      parts.push(`<polygon fill="${s.colour ?? PALETTE[1]}" fill-opacity="0.25" stroke="none" points="${[...upper, ...lower].join(' ')}"><title>${escapeXml(s.label)}</title></polygon>`);
      return;
    }
    if (s.points.length === 0) return;
    const { colour, dash, width } = drawnStyle(s, i);
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${s.points.map(xy).join(' ')}"><title>${escapeXml(s.label)}</title></polyline>`);
    if (opts.markers || s.points.length === 1) for (const p of s.points) parts.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${colour}"/>`);
    const last = s.points[s.points.length - 1];
    if (s.endLabel) labels.push({ text: s.endLabel, y: y(last[1]) });
  });
  parts.push(...endLabels(labels, w - m.r + 4, fs));
  parts.push('</svg>');
  return parts.join('');
}

export const swatch = (colour: string, label: string, height = 3) =>
  `<span class="key"><span style="display:inline-block;width:14px;height:${height}px;background:${colour};vertical-align:middle"></span> ${escapeXml(label)}</span>`;

/** A legend entry: a short piece of the line as it is drawn (colour, width, dash), then its name. */
export function lineSwatch(colour: string, label: string, dash = '', width = 2): string {
  const d = dash ? ` stroke-dasharray="${dash}"` : '';
  return `<span class="key"><svg width="28" height="10" style="vertical-align:middle"><line x1="1" x2="27" y1="5" y2="5" stroke="${colour}" stroke-width="${width}"${d}/></svg> ${escapeXml(label)}</span>`;
}

/** The legend of a chart: one entry per series, drawn as lineChart draws it (bands as blocks). */
export function seriesLegend(series: readonly Series[]): string {
  return series
    .map((s, i) => {
      if (s.band) return swatch(s.colour ?? PALETTE[1], s.label, 10);
      const { colour, dash, width } = drawnStyle(s, i);
      return lineSwatch(colour, s.label, dash, width);
    })
    .join('');
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
  const fmt = (v: number) => (opts.yFormat ?? ((u: number) => `${(100 * u).toFixed(1)}%`))(v, 0.001);
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
