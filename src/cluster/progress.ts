// Live progress of a cluster: one bar per agent on a terminal, or for many agents one bar for the whole
// cluster and a line of counts, so that it stays one screen; plain periodic lines otherwise (CI, pipes).
import cliProgress from 'cli-progress';
import { percent } from '../text/table.ts';
import type { ClusterEvent } from './launcher.ts';

export interface AgentState {
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

/** Past this many agents, progress is shown for the cluster as a whole. */
export const MAX_AGENT_BARS = 16;

/** One line for the whole cluster: rounds done, slowest and fastest agent, statuses, mean accuracy. */
export function clusterLine(states: readonly AgentState[]): string {
  const rounds = states.map((s) => s.round);
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const shared = states.flatMap((s) => (s.shared === undefined ? [] : [s.shared]));
  const mean = shared.length ? ` | mean shared (best head) ${percent(shared.reduce((a, b) => a + b, 0) / shared.length)}` : '';
  const statuses = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  return `${states.length} agents: rounds ${Math.min(...rounds)}..${Math.max(...rounds)} of ${states[0]?.rounds ?? 0} | ${statuses}${mean}`;
}

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
  const many = agents.length > MAX_AGENT_BARS;
  if (tty && many) {
    const total = agents.length * rounds;
    const bar = new cliProgress.SingleBar({ format: '[{bar}] {percentage}% | {line}', hideCursor: true, clearOnComplete: false, barsize: 24 }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { line: clusterLine([...state.values()]) });
    return {
      update(e) {
        // A failure shows in the line's counts; the summary names the failed agents at the end.
        apply(e);
        const all = [...state.values()];
        bar.update(all.reduce((a, s) => a + s.round, 0), { line: clusterLine(all) });
      },
      stop: () => bar.stop(),
    };
  }
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
    const one = (a: string) => {
      const s = state.get(a)!;
      return `${a} ${s.round}/${s.rounds}${s.shared !== undefined ? ` ${percent(s.shared)}` : ''}${s.status === 'running' ? '' : ` ${s.status}`}`;
    };
    const line = many ? clusterLine([...state.values()]) : agents.map(one).join(', ');
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
