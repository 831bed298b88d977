// Crafted run directories for the summary and merge tests: config.json, each agent's metrics.jsonl,
// launcher.json, written as the agents and the launcher would, without training anything.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentOptions } from '../../src/cluster/run-options.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

export const start = (agent: string, startRound = 0) => ({ type: 'start', agent, peerId: `p-${agent}`, backend: 'wasm (SIMD)', heads: 2, profile: 'small', startRound, histogram: [], time: '2026-01-01T00:00:00Z' });

export const end = (agent: string, status: string, rounds: number, bytesSent: Record<string, number> = {}) => ({ type: 'end', agent, status, roundsCompleted: rounds, bytesSent, time: '2026-01-01T00:00:10Z' });

export function round(agent: string, r: number, shared: number[], priv: number[], o: { sent?: number; teachers?: string[] } = {}) {
  const sent = o.sent ?? 100;
  return {
    type: 'round', agent, round: r, mode: 'mhd', backend: 'wasm (SIMD)', seconds: 1, trainSeconds: 0.5, exchangeSeconds: 0.3, fetchSeconds: 0.2, evalSeconds: 0.2,
    loss: { total: 1, ce: 1, distill: [0, 0], embedding: 0 }, teachersUsed: o.teachers ?? ['x'], skipped: [], rejected: [], samplesUsed: [],
    bytesSent: { x: sent }, bytesReceived: { x: 2 * sent }, eval: { sharedAccuracy: shared, privateAccuracy: priv },
  };
}

export interface Crafted {
  /** Each agent's metrics lines; an agent not listed gets no directory. */
  agents: Record<string, unknown[]>;
  /** A torn last line per agent. */
  tails?: Record<string, string>;
  launcher?: { wallSeconds: number; failed: Record<string, string>; interrupted?: boolean };
  /** Topology file text (default: a line of 3). */
  topology?: string;
  options?: Partial<ExperimentOptions>;
  dir?: string;
}

export function craftRun(c: Crafted): string {
  const dir = c.dir ?? tempDir();
  const config = tinyConfig({ topology: topologyFile(c.topology ?? 'name: line-3\nagents: 3\ngraph: line\n'), auxHeads: 1, ...c.options });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  for (const [agent, lines] of Object.entries(c.agents)) {
    mkdirSync(join(dir, 'agents', agent), { recursive: true });
    writeFileSync(join(dir, 'agents', agent, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : '') + (c.tails?.[agent] ?? ''));
  }
  if (c.launcher) writeFileSync(join(dir, 'launcher.json'), JSON.stringify(c.launcher));
  return dir;
}

/** A finished agent: start, `rounds` rounds at the given accuracies, end. */
export const finished = (agent: string, rounds: number, shared: number[], priv: number[], teachers?: string[]) => [
  start(agent),
  ...Array.from({ length: rounds }, (_, r) => round(agent, r, shared, priv, { teachers })),
  end(agent, 'finished', rounds),
];
