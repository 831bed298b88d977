// Live progress of a cluster: one bar per agent on a terminal; plain periodic lines otherwise (CI, pipes).
import cliProgress from 'cli-progress';
import { percent } from '../text/table.ts';
import type { ClusterEvent } from './launcher.ts';

interface AgentState {
  round: number;
  rounds: number;
  loss?: number;
  shared?: number;
  status: string;
}

export interface Progress {
  update(e: ClusterEvent): void;
  stop(): void;
}

const best = (xs?: number[]) => (xs && xs.length ? Math.max(...xs) : undefined);

export function createProgress(agents: string[], rounds: number, tty = Boolean(process.stdout.isTTY), intervalMs = 5000): Progress {
  const state = new Map<string, AgentState>(agents.map((a) => [a, { round: 0, rounds, status: 'starting' }]));
  const apply = (e: ClusterEvent) => {
    const s = state.get(e.agent);
    if (!s) return;
    if (e.type === 'ready') s.status = 'running';
    if (e.type === 'round') {
      s.round = e.round + 1;
      s.loss = e.loss;
      s.shared = best(e.shared) ?? s.shared;
    }
    if (e.type === 'done') s.status = e.outcome;
    if (e.type === 'failed') s.status = 'FAILED';
  };
  if (tty) {
    const width = Math.max(...agents.map((a) => a.length));
    const bars = new cliProgress.MultiBar(
      { format: '{agent} [{bar}] {value}/{total} rounds | loss {loss} | shared (best head) {shared} | {status}', hideCursor: true, clearOnComplete: false, barsize: 24 },
      cliProgress.Presets.shades_classic,
    );
    const bar = new Map(agents.map((a) => [a, bars.create(rounds, 0, { agent: a.padEnd(width), loss: '-', shared: '-', status: 'starting' })]));
    return {
      update(e) {
        apply(e);
        if (e.type === 'failed') bars.log(`${e.agent} failed (${e.reason}); the tail of its log:\n${e.logTail}\n`);
        const s = state.get(e.agent)!;
        bar.get(e.agent)?.update(s.round, { loss: s.loss?.toFixed(3) ?? '-', shared: s.shared !== undefined ? percent(s.shared) : '-', status: s.status });
      },
      stop: () => bars.stop(),
    };
  }
  let last = '';
  const print = () => {
    const line = agents
      .map((a) => {
        const s = state.get(a)!;
        return `${a} ${s.round}/${s.rounds}${s.shared !== undefined ? ` ${percent(s.shared)}` : ''}${s.status === 'running' ? '' : ` ${s.status}`}`;
      })
      .join(', ');
    if (line !== last) console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
    last = line;
  };
  const timer = setInterval(print, intervalMs);
  timer.unref();
  return {
    update(e) {
      apply(e);
      if (e.type === 'failed') console.log(`${e.agent} failed (${e.reason}); the tail of its log:\n${e.logTail}`);
    },
    stop() {
      clearInterval(timer);
      print();
    },
  };
}
