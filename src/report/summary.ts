// The summary of a run: per agent, its status, the latest evaluation of every head (private and shared
// accuracy), bytes sent and received, and mean and min over the agents that did not fail (a failed
// agent's last evaluation is stale: it is shown apart); agents that never started and agents that learnt
// from nobody. Written as summary.json and summary.csv; formatSummary is the table every command prints.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEvaluation } from '../data/eval-sample.ts';
import { CENTRAL_AGENT } from '../node/config.ts';
import type { AgentId } from '../topology/types.ts';
import type { RunData } from './run-dir.ts';
import { formatTable, percent } from '../text/table.ts';
import { adversarySpecs, formatBehaviour } from '../topology/adversaries.ts';
import { agentStatus, untaughtAgents, type AgentStatus } from './agent-status.ts';

export interface AgentSummary {
  id: AgentId;
  /** finished | stopped | failed | running | not started (agent-status.ts, agentStatus) */
  status: AgentStatus;
  /** The launcher's word on a failed or not started agent, when it had one (e.g. "exited with code 1"). */
  reason?: string;
  roundsCompleted: number;
  /** Round of the evaluation reported (-1: none yet). */
  evalRound: number;
  /** Per head; head 0 is the main head. */
  privateAccuracy: number[];
  sharedAccuracy: number[];
  /** Head with the best shared accuracy. */
  bestHead: number;
  bytesSent: number;
  bytesReceived: number;
  roundsSkipped: number;
  messagesRejected: number;
  /** The agent's lie, when it is an adversary of the experiment; it is left out of mean and min. */
  adversary?: string;
  /** Neighbour-rounds excluded by this agent's defence (low trust). */
  exclusions: number;
  /** This agent's trust in each in-neighbour after its last round. */
  trust: Record<AgentId, number>;
}

export interface Stat {
  privateAccuracy: number[];
  sharedAccuracy: number[];
}

export interface Summary {
  mode: string;
  dataset: string;
  partition: string;
  topology: string;
  rounds: number;
  /** The agents' backends, from their start records ('unknown' when none started). */
  backend: string;
  wallSeconds: number;
  /** Every agent of the topology, in its order (also those that never started). */
  agents: AgentSummary[];
  /** Agents whose last word is a failure: listed apart, left out of mean, min and best. */
  failed: AgentId[];
  /** Agents that never began round 0 (an interrupted start-up): no figures, and no failure. */
  notStarted: AgentId[];
  /** Agents that learnt from no neighbour in any round they completed (agent-status.ts, untaughtAgents). */
  untaught: AgentId[];
  /** Which test rows the accuracies are on (src/data/eval-sample.ts). */
  evaluation: string;
  /** Whether the defence against lying neighbours was on. */
  defence: boolean;
  /** Agent -> lie, for the adversaries of the run (none: empty). */
  adversaries: Record<AgentId, string>;
  /** Over the honest agents that did not fail (empty when none reported). */
  mean: Stat;
  min: Stat;
  /** Mean over agents of their best head's accuracies. */
  best: { privateAccuracy: number; sharedAccuracy: number };
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Honest agents with an evaluation that did not fail: those mean, min and best are over. */
const counted = (agents: readonly AgentSummary[]) => agents.filter((a) => a.sharedAccuracy.length > 0 && a.status !== 'failed' && a.adversary === undefined);

export function summarize(run: RunData): Summary {
  const c = run.config;
  const central = run.agents.find((a) => a.id === CENTRAL_AGENT);
  const agents = c.topology.agents.map((id): AgentSummary => {
    const a = c.mode === 'central' ? central : run.agents.find((x) => x.id === id);
    const rounds = a?.rounds ?? [];
    const evals = rounds.filter((r) => r.eval);
    const last = evals[evals.length - 1];
    const shared = last?.eval?.sharedAccuracy ?? [];
    const priv = (c.mode === 'central' ? last?.eval?.perAgentPrivate?.[id] : last?.eval?.privateAccuracy) ?? [];
    const bestHead = shared.length ? shared.indexOf(Math.max(...shared)) : 0;
    const sum = (f: (r: (typeof rounds)[number]) => Record<string, number>) => rounds.reduce((t, r) => t + Object.values(f(r)).reduce((x, y) => x + y, 0), 0);
    // In central mode every agent's figures are the central learner's, and so are its status and the launcher's word.
    const launcherIds = c.mode === 'central' ? [id, CENTRAL_AGENT] : [id];
    const status = agentStatus(a, run.launcher, launcherIds);
    const reason = status === 'failed' || status === 'not started' ? launcherIds.map((x) => run.launcher?.failed[x]).find((r) => r !== undefined) : undefined;
    return {
      id,
      status,
      ...(reason !== undefined ? { reason } : {}),
      roundsCompleted: rounds.length === 0 ? 0 : rounds[rounds.length - 1].round + 1,
      evalRound: last?.round ?? -1,
      privateAccuracy: priv,
      sharedAccuracy: shared,
      bestHead,
      bytesSent: sum((r) => r.bytesSent) + Object.values(a?.end?.bytesSent ?? {}).reduce((x, y) => x + y, 0),
      bytesReceived: sum((r) => r.bytesReceived),
      roundsSkipped: rounds.reduce((t, r) => t + r.skipped.length, 0),
      messagesRejected: rounds.reduce((t, r) => t + r.rejected.length, 0),
      ...(c.topology.adversaries?.[id] !== undefined ? { adversary: formatBehaviour(c.topology.adversaries[id]) } : {}),
      exclusions: rounds.reduce((t, r) => t + (r.excluded?.length ?? 0), 0),
      trust: rounds[rounds.length - 1]?.trust ?? {},
    };
  });
  const evaluated = counted(agents);
  const heads = Math.max(0, ...evaluated.map((a) => a.sharedAccuracy.length));
  const perHead = (key: 'privateAccuracy' | 'sharedAccuracy', f: (xs: number[]) => number) =>
    Array.from({ length: heads }, (_, h) => f(evaluated.filter((a) => a[key].length > h).map((a) => a[key][h])));
  const backends = [...new Set(run.agents.map((a) => a.start?.backend).filter((b): b is string => !!b))];
  const times = run.agents.flatMap((a) => [a.start?.time, a.end?.time]).filter((t): t is string => !!t).map((t) => Date.parse(t));
  return {
    mode: c.mode,
    dataset: c.dataset,
    partition: c.partition,
    topology: c.topology.name,
    rounds: c.rounds,
    backend: backends.join(', ') || 'unknown',
    wallSeconds: run.launcher?.wallSeconds ?? (times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : 0),
    agents,
    failed: failedAgents({ agents }),
    notStarted: agents.filter((a) => a.status === 'not started').map((a) => a.id),
    untaught: untaughtAgents(c, run.agents),
    evaluation: describeEvaluation(c.evalSamples, c.seed, c.evalSplit),
    defence: c.defence.enabled,
    adversaries: adversarySpecs(c.topology.adversaries),
    mean: { privateAccuracy: perHead('privateAccuracy', mean), sharedAccuracy: perHead('sharedAccuracy', mean) },
    min: { privateAccuracy: perHead('privateAccuracy', (xs) => Math.min(...xs)), sharedAccuracy: perHead('sharedAccuracy', (xs) => Math.min(...xs)) },
    best: {
      privateAccuracy: mean(evaluated.map((a) => a.privateAccuracy[a.bestHead])),
      sharedAccuracy: mean(evaluated.map((a) => a.sharedAccuracy[a.bestHead])),
    },
  };
}

/** Agents whose last word is a failure: a run with any is not a success (the cluster's exit status). */
export function failedAgents(s: Pick<Summary, 'agents'>): AgentId[] {
  return s.agents.filter((a) => a.status === 'failed').map((a) => a.id);
}

function kib(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)}M` : `${(bytes / 1024).toFixed(0)}K`;
}

/** A table's header and rows, for the terminal (formatTable) or a page (htmlTable); notes go under it. */
export interface TableData {
  header: string[];
  rows: string[][];
  notes?: string[];
}

/** The widest line formatSummary prints for a run of up to a few hundred agents. */
export const SUMMARY_WIDTH = 100;

/** At most `max` of `ids`, and how many more. */
const names = (ids: readonly string[], max = 10) => (ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`);

/**
 * The per-agent table of every command (cluster, simulate, node, report): status, main head, the best
 * head chosen by shared accuracy with that accuracy, the same head's private accuracy, bytes; mean and
 * min rows; then the failed agents. Agents that never started have no figures: a note names them (a
 * node's run directory holds one agent of many). Marks: `*` a liar, `!` learnt from no neighbour.
 */
export function summaryTable(s: Summary): TableData {
  const evaluated = counted(s.agents);
  const headWidth = Math.max(2, ...s.agents.map((a) => `h${a.bestHead}`.length));
  const bestCell = (head: string, v: number) => `${head.padEnd(headWidth)} ${percent(v).padStart(6)}`;
  const untaught = new Set(s.untaught);
  const row = (a: AgentSummary) => {
    const has = a.sharedAccuracy.length > 0;
    const pct = (v: number | undefined) => (has && v !== undefined ? percent(v) : '-');
    const id = a.id + (a.adversary !== undefined ? '*' : '') + (untaught.has(a.id) ? '!' : '');
    const status = a.status === 'finished' ? a.status : `${a.status} ${a.roundsCompleted}/${s.rounds}`;
    return [id, status, pct(a.privateAccuracy[0]), pct(a.sharedAccuracy[0]), has ? bestCell(`h${a.bestHead}`, a.sharedAccuracy[a.bestHead]) : '-', pct(a.privateAccuracy[a.bestHead]), `${kib(a.bytesSent)}/${kib(a.bytesReceived)}`];
  };
  const rows = s.agents.filter((a) => a.status !== 'failed' && a.status !== 'not started').map(row);
  const notes: string[] = [];
  if (evaluated.length > 0) {
    const minBest = (k: 'privateAccuracy' | 'sharedAccuracy') => Math.min(...evaluated.map((a) => a[k][a.bestHead]));
    const stat = (label: string, count: string, st: Stat, best: { p: number; s: number }) => [label, count, percent(st.privateAccuracy[0]), percent(st.sharedAccuracy[0]), bestCell('', best.s), percent(best.p), ''];
    rows.push(stat('mean', `${evaluated.length} agent${evaluated.length === 1 ? '' : 's'}`, s.mean, { p: s.best.privateAccuracy, s: s.best.sharedAccuracy }));
    rows.push(stat('min', '', s.min, { p: minBest('privateAccuracy'), s: minBest('sharedAccuracy') }));
    notes.push("best head (by shared): the head with the top shared accuracy; its private: that same head's private");
  } else {
    const counts = new Map<string, number>();
    for (const a of s.agents) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
    notes.push(`no agent reported an accuracy (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}): no mean or min`);
  }
  // Failed agents after the statistics they are not part of: their last evaluation is stale.
  rows.push(...s.agents.filter((a) => a.status === 'failed').map(row));
  if (s.notStarted.length > 0) notes.push(`not started (no round recorded here): ${names(s.notStarted)}`);
  if (Object.keys(s.adversaries).length > 0) notes.push('* a liar of the experiment: left out of mean and min');
  if (s.untaught.length > 0) notes.push(`! learnt from no neighbour in any round: ${names(s.untaught)}`);
  return { header: ['agent', 'status', 'private main', 'shared main', 'best head (by shared)', 'its private', 'sent/received'], rows, notes };
}

/** Joins `parts` with ", " into lines of at most `width` characters; a continued line is indented. */
export function wrapParts(parts: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const p of parts) {
    // +1: the comma the line gets if it ends here.
    if (line && line.length + 2 + p.length + 1 > width) {
      lines.push(`${line},`);
      line = `  ${p}`;
    } else line = line ? `${line}, ${p}` : p;
  }
  return [...lines, line];
}

export function summaryTitle(s: Summary): string {
  const liars = Object.entries(s.adversaries).map(([a, b]) => `${a}=${b}`);
  const evaluated = s.evaluation === undefined || s.evaluation === 'the whole test split' ? [] : [`accuracy on ${s.evaluation.replace(/ \(the whole .*\)$/, '')}`];
  const parts = [
    `${s.mode} on ${s.topology}`,
    `${s.dataset} ${s.partition}`,
    `${s.rounds} rounds`,
    // No agent started: no backend to name.
    ...(s.backend === 'unknown' ? [] : [`backend ${s.backend}`]),
    `${s.wallSeconds.toFixed(1)}s`,
    `defence ${s.defence ? 'on' : 'off'}`,
    ...(liars.length ? [`liars ${liars.join(' ')} (mean and min over honest agents)`] : []),
    ...evaluated,
  ];
  return wrapParts(parts, SUMMARY_WIDTH).join('\n');
}

/** The table every run command prints: the title, the per-agent table, its notes. At most SUMMARY_WIDTH columns. */
export function formatSummary(s: Summary): string {
  const t = summaryTable(s);
  // Figures right-aligned, also in columns where a '-' stands for a missing one.
  const figures = new Set([2, 3, 5]);
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i].length)));
  const align = (r: string[]) => r.map((c, i) => (figures.has(i) ? c.padStart(widths[i]) : c));
  const table = t.rows.length > 0 ? [formatTable(align(t.header), t.rows.map(align))] : [];
  return [summaryTitle(s), ...table, ...(t.notes ?? [])].join('\n');
}

/** Private and shared accuracy of every head, per agent. */
/** Every head's private and shared accuracy per agent; `heads` picks some (default: all). */
export function headsTable(s: Summary, heads: readonly number[] = s.mean.sharedAccuracy.map((_, h) => h)): TableData {
  const header = ['agent', ...heads.map((h) => `priv h${h}`), ...heads.map((h) => `shared h${h}`)];
  const cell = (xs: number[], h: number) => (xs[h] === undefined ? '-' : percent(xs[h]));
  const row = (id: string, priv: number[], shared: number[]) => [id, ...heads.map((h) => cell(priv, h)), ...heads.map((h) => cell(shared, h))];
  const rows = s.agents.map((a) => row(a.id, a.privateAccuracy, a.sharedAccuracy));
  rows.push(row('mean', s.mean.privateAccuracy, s.mean.sharedAccuracy));
  return { header, rows };
}

/**
 * The table of every head; empty when no agent reported an accuracy (formatSummary says so). Past about
 * four heads one table would pass SUMMARY_WIDTH columns, so the heads are split over as many tables as it takes.
 */
export function formatHeads(s: Summary): string {
  const all = s.mean.sharedAccuracy.map((_, h) => h);
  if (all.length === 0) return '';
  const text = (heads: number[]) => {
    const t = headsTable(s, heads);
    return formatTable(t.header, t.rows);
  };
  const width = (heads: number[]) => Math.max(...text(heads).split('\n').map((l) => l.length));
  let per = all.length;
  while (per > 1 && width(all.slice(0, per)) > SUMMARY_WIDTH) per--;
  const groups = Array.from({ length: Math.ceil(all.length / per) }, (_, g) => all.slice(g * per, (g + 1) * per));
  return groups.map(text).join('\n\n');
}

export function writeSummary(dir: string, s: Summary): void {
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(s, null, 2) + '\n');
  const heads = s.mean.sharedAccuracy.length;
  const header = ['agent', 'status', 'rounds', ...Array.from({ length: heads }, (_, h) => `private_h${h}`), ...Array.from({ length: heads }, (_, h) => `shared_h${h}`), 'best_head', 'bytes_sent', 'bytes_received'];
  const num = (v: number | undefined) => (v === undefined ? '' : v.toFixed(4));
  const lines = s.agents.map((a) =>
    [a.id, a.status, a.roundsCompleted, ...Array.from({ length: heads }, (_, h) => num(a.privateAccuracy[h])), ...Array.from({ length: heads }, (_, h) => num(a.sharedAccuracy[h])), a.bestHead, a.bytesSent, a.bytesReceived].join(','),
  );
  lines.push(['mean', '', '', ...s.mean.privateAccuracy.map(num), ...s.mean.sharedAccuracy.map(num), '', '', ''].join(','));
  lines.push(['min', '', '', ...s.min.privateAccuracy.map(num), ...s.min.sharedAccuracy.map(num), '', '', ''].join(','));
  writeFileSync(join(dir, 'summary.csv'), [header.join(','), ...lines].join('\n') + '\n');
}
