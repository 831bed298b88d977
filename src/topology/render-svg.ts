// A self-contained SVG drawing of a topology, legible from 2 to 1,000 agents: agents on a circle (on
// the grid for grid graphs, one circle per island for islands), learning edges as lines (arrows when
// directed), agents optionally coloured by a value in [0, 1] on an absolute scale, with its legend. Past
// a few dozen agents the labels give way to tooltips and the drawing grows, so that the structure stays
// visible.
import { escapeXml } from '../text/xml.ts';
import type { AgentId, Topology } from './types.ts';

export interface RenderOptions {
  /**
   * Per-agent value in [0, 1] (e.g. shared accuracy), drawn as a fill on an absolute sequential scale
   * (viridis: 0 dark purple, 1 yellow; the same value is the same colour in every drawing), with a
   * legend under the drawing, and as a label while agents are few.
   */
  values?: Readonly<Record<AgentId, number>>;
  /** What the values are, for the legend; default "value". */
  valueLabel?: string;
  /** Width of the drawing; by default it grows with the number of agents. */
  size?: number;
}

/** Agents up to which every agent is labelled with its name. */
const LABELLED_AGENTS = 64;
/** Agents up to which every agent's value is written under it too (past them the labels would overlap; the colour and tooltip tell). */
const VALUE_LABELS = 16;

/** Matplotlib's viridis at 0, 0.1, ..., 1: perceptually even, readable in grey and by colour-blind readers. */
export const VIRIDIS = ['#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725'] as const;

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** The colour of a value on the absolute scale: 0 dark purple through teal and green to 1 yellow. */
export function valueColour(v: number): string {
  const at = Math.max(0, Math.min(1, Number.isFinite(v) ? v : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(at));
  const [a, b] = [rgb(VIRIDIS[i]), rgb(VIRIDIS[i + 1])];
  return `#${a.map((c, k) => Math.round(c + (b[k] - c) * (at - i)).toString(16).padStart(2, '0')).join('')}`;
}

/** Black or white, whichever reads better on `hex`. */
function textOn(hex: string): string {
  const [r, g, b] = rgb(hex);
  return 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000' : '#fff';
}

/** The colour bar of the scale, 0 to 100 %, with one mark per agent above it. */
function scaleLegend(width: number, top: number, values: readonly number[], label: string): string[] {
  const barW = Math.min(320, width - 80);
  const x0 = (width - barW) / 2;
  const stops = VIRIDIS.map((c, i) => `<stop offset="${i / (VIRIDIS.length - 1)}" stop-color="${c}"/>`).join('');
  const parts = [`<g class="legend"><defs><linearGradient id="mhd-viridis">${stops}</linearGradient></defs>`];
  parts.push(`<text x="${width / 2}" y="${top + 12}" text-anchor="middle" font-size="12">${escapeXml(label)} (marks: the agents)</text>`);
  parts.push(`<rect x="${x0}" y="${top + 24}" width="${barW}" height="12" fill="url(#mhd-viridis)" stroke="#333" stroke-width="0.5"/>`);
  for (const v of values) {
    const x = (x0 + Math.max(0, Math.min(1, v)) * barW).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${top + 18}" y2="${top + 36}" stroke="#000" stroke-width="1"/>`);
  }
  for (let t = 0; t <= 4; t++) parts.push(`<text x="${x0 + (t / 4) * barW}" y="${top + 50}" text-anchor="middle" font-size="11">${t * 25}%</text>`);
  parts.push('</g>');
  return parts;
}

type Point = [number, number];

function onCircle(count: number, centre: Point, r: number): Point[] {
  return Array.from({ length: count }, (_, i) => {
    const angle = (2 * Math.PI * i) / count - Math.PI / 2;
    return [centre[0] + r * Math.cos(angle), centre[1] + r * Math.sin(angle)];
  });
}

function layout(t: Topology, size: number, margin: number): Point[] {
  const n = t.agents.length;
  const g = t.generator;
  if (g?.graph === 'grid') {
    const { rows, cols } = g.params;
    const step = (size - 2 * margin) / Math.max(rows - 1, cols - 1, 1);
    return t.agents.map((_, i) => [margin + (i % cols) * step, margin + Math.floor(i / cols) * step]);
  }
  const centre: Point = [size / 2, size / 2];
  const r = size / 2 - margin;
  if (g?.graph === 'islands' && g.params.groups > 1) {
    // Each island on a small circle; the islands on a large one, in order, so bridges are short.
    const { groups, size: members } = g.params;
    const islandR = Math.min(r * Math.sin(Math.PI / groups) * 0.8, r / 2.5);
    const centres = onCircle(groups, centre, r - islandR);
    return t.agents.map((_, i) => onCircle(members, centres[Math.floor(i / members)], islandR)[i % members]);
  }
  return onCircle(n, centre, r);
}

export function renderTopologySvg(t: Topology, opts: RenderOptions = {}): string {
  const n = t.agents.length;
  const size = opts.size ?? Math.round(Math.min(1400, Math.max(420, 60 * Math.sqrt(n))));
  const labelled = n <= LABELLED_AGENTS;
  const nodeR = labelled ? Math.max(8, Math.min(18, 160 / n)) : Math.max(2, Math.min(7, (Math.PI * size) / n / 3));
  const margin = labelled ? 50 : 20;
  const pts = layout(t, size, margin);
  const at = new Map(t.agents.map((a, i) => [a, pts[i]]));
  const vs = Object.values(opts.values ?? {});
  const legendH = vs.length ? 58 : 0;
  // Many edges become a translucent web: its density is the picture.
  const edgeStyle = t.edges.length > 2 * n && !labelled ? 'stroke="#777" stroke-opacity="0.25" stroke-width="0.6"' : `stroke="#999" stroke-width="${labelled ? 1.5 : 0.8}"`;
  const f = (x: number) => x.toFixed(1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size + 24 + legendH}" width="${size}" height="${size + 24 + legendH}" font-family="sans-serif">`);
  parts.push(`<title>${escapeXml(t.name)}</title>`);
  if (t.directed) {
    parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>');
  }
  const segments: string[] = [];
  for (const e of t.edges) {
    const [x1, y1] = at.get(e.from)!;
    const [x2, y2] = at.get(e.to)!;
    // Shorten the line to the circle's edge so that arrowheads stay visible.
    const len = Math.hypot(x2 - x1, y2 - y1) || 1;
    const [ux, uy] = [(x2 - x1) / len, (y2 - y1) / len];
    const [a, b, c, d] = [x1 + ux * nodeR, y1 + uy * nodeR, x2 - ux * nodeR, y2 - uy * nodeR];
    if (t.directed) parts.push(`<line x1="${f(a)}" y1="${f(b)}" x2="${f(c)}" y2="${f(d)}" ${edgeStyle} marker-end="url(#arrow)"/>`);
    else segments.push(`M${f(a)} ${f(b)}L${f(c)} ${f(d)}`);
  }
  // Undirected edges as one path: a complete graph of 1,000 agents stays a file a browser can open.
  if (segments.length > 0) parts.push(`<path class="edges" fill="none" ${edgeStyle} d="${segments.join('')}"/>`);
  t.agents.forEach((a, i) => {
    const [x, y] = pts[i];
    const v = opts.values?.[a];
    const fill = v === undefined ? '#cfd8e3' : valueColour(v);
    const tip = v === undefined ? a : `${a}: ${(100 * v).toFixed(1)}%`;
    parts.push(`<g><title>${escapeXml(tip)}</title><circle cx="${f(x)}" cy="${f(y)}" r="${f(nodeR)}" fill="${fill}" stroke="#333" stroke-width="${labelled ? 1 : 0.5}"/>`);
    if (labelled) {
      parts.push(`<text x="${f(x)}" y="${f(y + 4)}" text-anchor="middle" font-size="${Math.round(nodeR * 0.8)}" fill="${textOn(fill)}">${escapeXml(a)}</text>`);
      if (v !== undefined && n <= VALUE_LABELS) parts.push(`<text x="${f(x)}" y="${f(y + nodeR + 12)}" text-anchor="middle" font-size="10">${(100 * v).toFixed(1)}%</text>`);
    }
    parts.push('</g>');
  });
  const caption = labelled ? t.name : `${t.name}: ${n} agents, ${t.edges.length} edges (hover an agent for its name)`;
  parts.push(`<text x="${size / 2}" y="${size + 16}" text-anchor="middle" font-size="13">${escapeXml(caption)}</text>`);
  if (vs.length) parts.push(...scaleLegend(size, size + 24, vs, opts.valueLabel ?? 'value'));
  parts.push('</svg>');
  return parts.join('\n');
}
