// A self-contained SVG drawing of a topology: agents on a circle (on the grid for grid graphs), learning
// edges as lines (arrows when directed), agents optionally coloured by a value in [0, 1].
import { escapeXml } from '../text/xml.ts';
import type { AgentId, Topology } from './types.ts';

export interface RenderOptions {
  /**
   * Per-agent value in [0, 1] (e.g. shared accuracy), drawn as a label and a fill from red (the lowest
   * value) to green (the highest): the scale spans the values' range so that close values still differ.
   */
  values?: Readonly<Record<AgentId, number>>;
  size?: number;
}

/** Red (0) through amber to green (1). */
export function valueColour(v: number): string {
  const x = Math.max(0, Math.min(1, v));
  const hue = Math.round(120 * x);
  return `hsl(${hue}, 70%, 55%)`;
}

function layout(t: Topology, size: number): Map<AgentId, [number, number]> {
  const pos = new Map<AgentId, [number, number]>();
  const margin = 50;
  if (t.generator?.graph === 'grid') {
    const { rows, cols } = t.generator.params;
    const step = (size - 2 * margin) / Math.max(rows - 1, cols - 1, 1);
    t.agents.forEach((a, i) => pos.set(a, [margin + (i % cols) * step, margin + Math.floor(i / cols) * step]));
    return pos;
  }
  const r = size / 2 - margin;
  t.agents.forEach((a, i) => {
    const angle = (2 * Math.PI * i) / t.agents.length - Math.PI / 2;
    pos.set(a, [size / 2 + r * Math.cos(angle), size / 2 + r * Math.sin(angle)]);
  });
  return pos;
}

export function renderTopologySvg(t: Topology, opts: RenderOptions = {}): string {
  const size = opts.size ?? 420;
  const pos = layout(t, size);
  const nodeR = Math.max(8, Math.min(18, 160 / t.agents.length));
  const vs = Object.values(opts.values ?? {});
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  const scaled = (v: number) => (hi - lo > 1e-9 ? (v - lo) / (hi - lo) : 1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size + 24}" width="${size}" height="${size + 24}" font-family="sans-serif">`);
  parts.push(`<title>${escapeXml(t.name)}</title>`);
  if (t.directed) {
    parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>');
  }
  for (const e of t.edges) {
    const [x1, y1] = pos.get(e.from)!;
    const [x2, y2] = pos.get(e.to)!;
    // Shorten the line to the circle's edge so that arrowheads stay visible.
    const len = Math.hypot(x2 - x1, y2 - y1) || 1;
    const ux = (x2 - x1) / len;
    const uy = (y2 - y1) / len;
    const marker = t.directed ? ' marker-end="url(#arrow)"' : '';
    parts.push(
      `<line x1="${(x1 + ux * nodeR).toFixed(1)}" y1="${(y1 + uy * nodeR).toFixed(1)}" x2="${(x2 - ux * nodeR).toFixed(1)}" y2="${(y2 - uy * nodeR).toFixed(1)}" stroke="#999" stroke-width="1.5"${marker}/>`,
    );
  }
  for (const a of t.agents) {
    const [x, y] = pos.get(a)!;
    const v = opts.values?.[a];
    const fill = v === undefined ? '#8ab4f8' : valueColour(scaled(v));
    const tip = v === undefined ? a : `${a}: ${(100 * v).toFixed(1)}%`;
    parts.push(`<g><title>${escapeXml(tip)}</title><circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${nodeR}" fill="${fill}" stroke="#333"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${(y + 4).toFixed(1)}" text-anchor="middle" font-size="${Math.round(nodeR * 0.8)}">${escapeXml(a)}</text></g>`);
    if (v !== undefined) {
      parts.push(`<text x="${x.toFixed(1)}" y="${(y + nodeR + 12).toFixed(1)}" text-anchor="middle" font-size="10">${(100 * v).toFixed(1)}%</text>`);
    }
  }
  parts.push(`<text x="${size / 2}" y="${size + 16}" text-anchor="middle" font-size="13">${escapeXml(t.name)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
