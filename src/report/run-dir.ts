// Reading a run directory (docs/DESIGN.md, "Run directory") back: config.json and each agent's metrics.jsonl. Lines
// that do not parse (a process killed mid-write) are skipped, so partial runs stay readable, and listed in
// `skipped` so that the reader can say which.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoundRecord } from '../node/records.ts';
import { readRunConfig, type RunConfig } from '../node/config.ts';
import type { AgentId } from '../topology/types.ts';

export interface AgentRun {
  id: AgentId;
  start?: { peerId: string; backend: string; heads: number; profile: string; startRound: number; histogram: number[]; time: string };
  /** The last record of each round, in round order. */
  rounds: RoundRecord[];
  /** The end record of the agent's latest session (a start record after it, i.e. a restart, clears it). */
  end?: { status: string; roundsCompleted: number; time: string; bytesSent?: Record<AgentId, number> };
}

export interface RunData {
  dir: string;
  config: RunConfig;
  agents: AgentRun[];
  /** Written by the launcher: wall time, agents that failed, whether the run was interrupted (absent in older runs). */
  launcher?: { wallSeconds: number; failed: Record<AgentId, string>; interrupted?: boolean };
  /** Metrics lines that did not parse (1-based line numbers), skipped. */
  skipped: { agent: AgentId; line: number }[];
}

export function readRun(dir: string): RunData {
  const configFile = join(dir, 'config.json');
  if (!existsSync(configFile)) throw new Error(`${dir}: not a run directory (no config.json)`);
  const config = readRunConfig(configFile);
  const agentsDir = join(dir, 'agents');
  const ids = existsSync(agentsDir) ? readdirSync(agentsDir).filter((d) => existsSync(join(agentsDir, d, 'metrics.jsonl'))) : [];
  const skipped: RunData['skipped'] = [];
  const agents = ids.map((id): AgentRun => {
    const run: AgentRun = { id, rounds: [] };
    const byRound = new Map<number, RoundRecord>();
    for (const [i, line] of readFileSync(join(agentsDir, id, 'metrics.jsonl'), 'utf8').split('\n').entries()) {
      if (!line.trim()) continue;
      let rec: { type?: string } & Record<string, unknown>;
      try {
        rec = JSON.parse(line);
      } catch {
        skipped.push({ agent: id, line: i + 1 });
        continue;
      }
      if (rec.type === 'start') {
        run.start = rec as unknown as AgentRun['start'];
        run.end = undefined;
      }
      else if (rec.type === 'round') byRound.set((rec as unknown as RoundRecord).round, rec as unknown as RoundRecord);
      else if (rec.type === 'end') run.end = rec as unknown as AgentRun['end'];
    }
    run.rounds = [...byRound.values()].sort((a, b) => a.round - b.round);
    return run;
  });
  const launcherFile = join(dir, 'launcher.json');
  const launcher = existsSync(launcherFile) ? (JSON.parse(readFileSync(launcherFile, 'utf8')) as RunData['launcher']) : undefined;
  return { dir, config, agents, launcher, skipped };
}
