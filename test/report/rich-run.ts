// A run directory with every figure the report draws, written as the agents would (no training): start
// and end records with times, time split per round, bytes, loss per head, teachers chosen, trust and
// exclusions, a liar. The figures follow simple rules so that tests can say what the page must show.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentOptions } from '../../src/cluster/run-options.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

const topologies = new Map<string, string>();

export interface RichRun {
  agents?: number;
  rounds?: number;
  heads?: number;
  /** Agents that lie (topology `adversaries`), e.g. { a2: 'shift' }. */
  liars?: Record<string, string>;
  options?: Partial<ExperimentOptions>;
  /** Private accuracy of agent i, head h, after round r (default 0.88 + 0.1 * r / (rounds - 1), less 0.001 * i). */
  priv?: (i: number, h: number, r: number) => number;
}

/**
 * n agents on a ring. Agent i after round r: shared accuracy 0.5 + 0.04 r; bytes 1000 (i + 1) sent to
 * and received from each neighbour; train 1 s, exchange 0.5 s, eval 0.25 s; distill loss of head h
 * 0.1 (h + 1) from round 1 (0 at round 0, and always 0 for head 0); teachers: the right neighbour every
 * round, the left one in even rounds only; trust in the right neighbour 0.9, in the left one 0.8, in a
 * liar 0.3, and a liar excluded from round 1.
 */
export function richRun({ agents: n = 4, rounds = 5, heads = 2, liars = {}, options = {}, priv }: RichRun = {}): string {
  const dir = tempDir('mhd-rich-');
  const adversaries = Object.keys(liars).length ? `adversaries: { ${Object.entries(liars).map(([a, b]) => `${a}: ${b}`).join(', ')} }\n` : '';
  const text = `name: ring-${n}\nagents: ${n}\ngraph: ring\n${adversaries}`;
  // One file per graph, as runs of the same shipped topology share its path.
  const topology = topologies.get(text) ?? topologyFile(text);
  topologies.set(text, topology);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(tinyConfig({ topology, auxHeads: heads - 1, rounds, ...options })));
  const p = priv ?? ((i: number, _h: number, r: number) => 0.88 + (0.1 * r) / Math.max(1, rounds - 1) - 0.001 * i);
  for (let i = 0; i < n; i++) {
    const id = `a${i}`;
    const right = `a${(i + 1) % n}`;
    const left = `a${(i + n - 1) % n}`;
    const bytes = { [right]: 1000 * (i + 1), [left]: 1000 * (i + 1) };
    const trustOf = (a: string, base: number) => (liars[a] !== undefined ? 0.3 : base);
    const lines: unknown[] = [{ type: 'start', agent: id, peerId: `p${i}`, backend: 'wasm', heads, profile: 'small', startRound: 0, histogram: [], time: '2026-01-01T00:00:00.000Z' }];
    for (let r = 0; r < rounds; r++) {
      const candidates = r % 2 === 0 ? [right, left] : [right];
      const excluded = r >= 1 ? candidates.filter((a) => liars[a] !== undefined) : [];
      lines.push({
        type: 'round', agent: id, round: r, mode: 'mhd', backend: 'wasm', seconds: 1.75, trainSeconds: 1, exchangeSeconds: 0.5, fetchSeconds: 0.4, waitSeconds: 0.1, evalSeconds: 0.25,
        loss: { total: 2 - 0.2 * r, ce: 1.5 - 0.2 * r, distill: Array.from({ length: heads }, (_, h) => (h === 0 || r === 0 ? 0 : 0.1 * (h + 1))), embedding: 0 },
        learningRate: 0.001, teachersUsed: candidates.filter((a) => !excluded.includes(a)), skipped: [], rejected: [],
        trust: { [right]: trustOf(right, 0.9), [left]: trustOf(left, 0.8) }, excluded: excluded.map((a) => ({ agent: a, reason: 'trust 0.30 < 0.55' })),
        samplesUsed: [], bytesSent: bytes, bytesReceived: bytes,
        eval: { sharedAccuracy: Array.from({ length: heads }, () => 0.5 + 0.04 * r), privateAccuracy: Array.from({ length: heads }, (_, h) => p(i, h, r)) },
        memory: { tensors: 1, rssMB: 1 },
      });
    }
    lines.push({ type: 'end', agent: id, status: 'finished', roundsCompleted: rounds, bytesSent: {}, time: '2026-01-01T00:01:30.000Z' });
    mkdirSync(join(dir, 'agents', id), { recursive: true });
    writeFileSync(join(dir, 'agents', id, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }
  return dir;
}

/** The data-v values of a chart's grid lines (its y ticks) and the pixel row of each. */
export function gridOf(svg: string): { v: number; y: number }[] {
  return [...svg.matchAll(/<line class="grid" data-v="([-\d.e]+)"[^>]*y1="([\d.]+)"/g)].map((m) => ({ v: Number(m[1]), y: Number(m[2]) }));
}

/** The SVG of the chart titled `title` in a page. */
export function chartTitled(html: string, title: string): string {
  const at = html.indexOf(`>${title}</text>`);
  if (at < 0) throw new Error(`no chart titled "${title}"`);
  const start = html.lastIndexOf('<svg', at);
  return html.slice(start, html.indexOf('</svg>', at) + 6);
}

/** The points of the polyline titled `label` in a chart, as [x, y] pixels. */
export function lineOf(svg: string, label: string): number[][] {
  const m = svg.match(new RegExp(`points="([^"]*)"><title>${label.replace(/[()]/g, '\\$&')}</title></polyline>`));
  if (!m) throw new Error(`no line "${label}"`);
  return m[1].split(' ').map((p) => p.split(',').map(Number));
}

/** The pixel row of value v on a chart, from its grid. */
export function rowOf(svg: string, v: number): number {
  const g = gridOf(svg);
  const [a, b] = [g[0], g[g.length - 1]];
  return a.y + ((v - a.v) / (b.v - a.v)) * (b.y - a.y);
}
