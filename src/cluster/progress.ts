// Live progress of a cluster. On a terminal: a line of elapsed time, ETA and counts, then one bar per
// agent, or for many agents one bar for the whole cluster, so that it stays one screen. Plain periodic
// lines otherwise (CI, pipes). Every line fits the terminal's width (80 columns when it gives none),
// the most useful parts first; `log` prints a line above the bars instead of through them.
import cliProgress from 'cli-progress';
import { wrapParts } from '../report/summary.ts';
import { percent } from '../text/table.ts';
import type { ClusterEvent } from './launcher.ts';

export interface AgentState {
  /** Rounds done (so the round in progress, counted from 0, when running). */
  round: number;
  rounds: number;
  loss?: number;
  shared?: number;
  /** starting | running | finished | stopped | not started | FAILED */
  status: string;
  /** The first round this session ran (a resumed agent starts past 0): ETA counts rounds from it. */
  firstRound?: number;
}

export interface Progress {
  update(e: ClusterEvent): void;
  /** Prints `text` (one or more lines) above the progress display, which is drawn again below it. */
  log(text: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Width to fit (default: $COLUMNS when set, else the terminal's width, else 80). */
  columns?: number;
  /** Where the bars go (default: process.stdout, where the commands print). */
  stream?: NodeJS.WriteStream;
  /** Clock in ms (tests). */
  now?: () => number;
}

const best = (xs?: number[]) => (xs && xs.length ? Math.max(...xs) : undefined);
const DEFAULT_COLUMNS = 80;

/** Past this many agents, progress is shown for the cluster as a whole. */
export const MAX_AGENT_BARS = 16;

/** 42s, 3m05s, 1h02m. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

const ended = (s: AgentState) => s.status === 'finished' || s.status === 'stopped' || s.status === 'not started' || s.status === 'FAILED';

/**
 * Seconds left, from the rounds done so far: the cluster's pace since its rounds began (`seconds`)
 * over the rounds its live agents have left. Undefined until the rounds done are as many as the live
 * agents (about one each: a first round alone, with its warm-up, says little).
 */
export function estimateSeconds(states: readonly AgentState[], seconds: number): number | undefined {
  const done = states.reduce((t, s) => t + Math.max(0, s.round - (s.firstRound ?? 0)), 0);
  const live = states.filter((s) => !ended(s));
  const left = live.reduce((t, s) => t + s.rounds - s.round, 0);
  if (left === 0) return 0;
  return done > 0 && done >= live.length ? (seconds * left) / done : undefined;
}

function counts(states: readonly AgentState[]): string {
  const n = new Map<string, number>();
  for (const s of states) n.set(s.status, (n.get(s.status) ?? 0) + 1);
  return [...n].map(([k, c]) => `${c} ${k}`).join(', ');
}

function meanShared(states: readonly AgentState[]): string | undefined {
  const shared = states.flatMap((s) => (s.shared === undefined ? [] : [s.shared]));
  return shared.length ? `mean shared (best head) ${percent(shared.reduce((a, b) => a + b, 0) / shared.length)}` : undefined;
}

/** `parts` joined by " | ", leaving out the last ones that would not fit in `width`. */
function fit(parts: readonly (string | undefined)[], width: number): string {
  let line = '';
  for (const p of parts) {
    if (p === undefined) continue;
    const next = line ? `${line} | ${p}` : p;
    if (next.length > width) break;
    line = next;
  }
  return line || (parts.find((p) => p !== undefined) ?? '').slice(0, width);
}

/** One line for the whole cluster: rounds done, slowest and fastest agent, statuses, mean accuracy. */
export function clusterLine(states: readonly AgentState[], width = Infinity): string {
  const rounds = states.map((s) => s.round);
  return fit([`${states.length} agents: rounds ${Math.min(...rounds)}..${Math.max(...rounds)} of ${states[0]?.rounds ?? 0}`, counts(states), meanShared(states)], width);
}

/** The first line: elapsed time, ETA, what the agents are doing, rounds done; what fits in `width`. */
export function headerLine(states: readonly AgentState[], elapsed: number, eta: number | undefined, width: number): string {
  const done = states.reduce((t, s) => t + s.round, 0);
  const total = states.reduce((t, s) => t + s.rounds, 0);
  return fit([`elapsed ${formatDuration(elapsed)}`, `ETA ${eta === undefined ? '-' : formatDuration(eta)}`, counts(states), `${done}/${total} rounds`, meanShared(states)], width);
}

const bar = (done: number, total: number, width: number) => {
  const full = total > 0 ? Math.round((width * Math.min(done, total)) / total) : 0;
  return `[${'\u2588'.repeat(full)}${'\u2591'.repeat(width - full)}]`;
};

/** An agent's bar: its status first (a running agent shows the round it is in), then the bar, rounds, accuracy, loss. */
export function agentLine(id: string, idWidth: number, s: AgentState, width: number): string {
  const statusWidth = Math.max('finished'.length, `round ${s.rounds}`.length);
  const status = s.status === 'running' ? `round ${s.round}` : s.status;
  const head = `${id.padEnd(idWidth)} ${status.padEnd(statusWidth)} `;
  const count = ` ${String(s.round).padStart(String(s.rounds).length)}/${s.rounds}`;
  const tails = [` | shared (best head) ${s.shared === undefined ? '-' : percent(s.shared)}`, ` | loss ${s.loss?.toFixed(3) ?? '-'}`];
  // The bar takes what is left, between 8 and 30 columns; the loss, then the accuracy, go first when it would be narrower.
  while (tails.length > 0 && width - head.length - count.length - tails.join('').length - 2 < 8) tails.pop();
  const barWidth = Math.max(1, Math.min(30, width - head.length - count.length - tails.join('').length - 2));
  return `${head}${bar(s.round, s.rounds, barWidth)}${count}${tails.join('')}`.slice(0, width);
}

export function createProgress(agents: string[], rounds: number, tty = Boolean(process.stdout.isTTY), intervalMs = 5000, o: ProgressOptions = {}): Progress {
  const now = o.now ?? (() => performance.now());
  const stream = o.stream ?? process.stdout;
  // Node does not read $COLUMNS (a terminal's columns come from the terminal): it is honoured here, so
  // that `COLUMNS=80 mhd cluster` shows what an 80-column terminal would.
  const width = () => o.columns ?? (Number(process.env.COLUMNS) || stream.columns || DEFAULT_COLUMNS);
  const state = new Map<string, AgentState>(agents.map((a) => [a, { round: 0, rounds, status: 'starting' }]));
  const states = () => [...state.values()];
  const started = now();
  // ETA runs from the first agent ready: start-up (loading data, backends) is not a round's pace.
  let roundsBegan: number | undefined;
  const elapsed = () => (now() - started) / 1000;
  const eta = () => estimateSeconds(states(), (now() - (roundsBegan ?? started)) / 1000);
  const apply = (e: ClusterEvent) => {
    const s = state.get(e.agent);
    if (!s) return;
    if (e.type === 'ready') {
      s.status = 'running';
      roundsBegan ??= now();
    }
    if (e.type === 'round') {
      s.firstRound ??= e.round;
      s.round = e.round + 1;
      s.loss = e.loss;
      s.shared = best(e.shared) ?? s.shared;
    }
    // Stopped before it was ready: it never ran, as the summary will say (src/report/agent-status.ts).
    if (e.type === 'done') s.status = e.outcome === 'stopped' && s.status === 'starting' ? 'not started' : e.outcome;
    if (e.type === 'failed') s.status = 'FAILED';
  };
  const many = agents.length > MAX_AGENT_BARS;
  const failure = (e: ClusterEvent) => (e.type === 'failed' ? `${e.agent} failed (${e.reason}); the tail of its log:\n${e.logTail}` : undefined);
  if (tty) {
    // Each line is drawn from the state at every redraw (5 a second), so elapsed time moves on its own.
    // Every line is drawn every time (forceRedraw): cli-progress redraws only the lines that changed,
    // and a log line written over an unchanged bar would otherwise stay there.
    const bars = new cliProgress.MultiBar(
      { format: (_o, _params, payload: { draw: (w: number) => string }) => payload.draw(width() - 1), hideCursor: true, clearOnComplete: false, forceRedraw: true, fps: 5, stream },
      cliProgress.Presets.shades_classic,
    );
    bars.create(1, 0, { draw: (w: number) => headerLine(states(), elapsed(), eta(), w) });
    const idWidth = Math.max(...agents.map((a) => a.length));
    if (many) {
      const whole = () => bar(states().reduce((t, s) => t + s.round, 0), agents.length * rounds, 24);
      bars.create(1, 0, { draw: (w: number) => `${whole()} ${clusterLine(states(), w - 27)}`.slice(0, w) });
    } else {
      for (const a of agents) bars.create(rounds, 0, { draw: (w: number) => agentLine(a, idWidth, state.get(a)!, w) });
    }
    let active = true;
    // Each line of a log is cleared first: the bars it is written over may be longer.
    const log = (text: string) => (active ? bars.log(`${text.split('\n').map((l) => `\x1b[2K${l}`).join('\n')}\n`) : console.log(text));
    return {
      update(e) {
        apply(e);
        const f = failure(e);
        if (f) log(f);
      },
      log,
      stop() {
        if (!active) return;
        active = false;
        // Written out before the last drawing: stop() alone would drop what log() buffered.
        bars.update();
        bars.stop();
      },
    };
  }
  let last = '';
  const print = () => {
    const one = (a: string) => {
      const s = state.get(a)!;
      return `${a} ${s.round}/${s.rounds}${s.shared !== undefined ? ` ${percent(s.shared)}` : ''}${s.status === 'running' ? '' : ` ${s.status}`}`;
    };
    const time = `[${formatDuration(elapsed())}, ETA ${eta() === undefined ? '-' : formatDuration(eta()!)}]`;
    const body = many ? [clusterLine(states(), width() - time.length - 1)] : agents.map(one);
    // Printed when something other than the time changed.
    if (body.join() === last) return;
    last = body.join();
    console.log(wrapParts([`${time} ${body[0]}`, ...body.slice(1)], width()).join('\n'));
  };
  const timer = setInterval(print, intervalMs);
  timer.unref();
  return {
    update(e) {
      apply(e);
      const f = failure(e);
      if (f) console.log(f);
    },
    log: (text) => console.log(text),
    stop() {
      clearInterval(timer);
      print();
    },
  };
}
