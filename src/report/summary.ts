// The summary of a run: per agent, the latest evaluation of every head (private and shared accuracy),
// bytes sent and received, and mean and min over the agents that did not fail (a failed agent's last
// evaluation is stale: it is shown apart). Written as summary.json and summary.csv.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEvaluation } from '../data/eval-sample.ts';
import { CENTRAL_AGENT } from '../node/config.ts';
import type { AgentId } from '../topology/types.ts';
import type { RunData } from './run-dir.ts';
import { formatTable, percent } from '../text/table.ts';
import { adversarySpecs, formatBehaviour } from '../topology/adversaries.ts';

export interface AgentSummary {
  id: AgentId;
  /** finished | stopped | failed | running (no end record) */
  status: string;
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
  backend: string;
  wallSeconds: number;
  agents: AgentSummary[];
  /** Agents whose last word is a failure: listed apart, left out of mean, min and best. */
  failed: AgentId[];
  /** Which test rows the accuracies are on (src/data/eval-sample.ts). */
  evaluation: string;
  /** Whether the defence against lying neighbours was on. */
  defence: boolean;
  /** Agent -> lie, for the adversaries of the run (none: empty). */
  adversaries: Record<AgentId, string>;
  /** Over the honest agents that did not fail. */
  mean: Stat;
  min: Stat;
  /** Mean over agents of their best head's accuracies. */
  best: { privateAccuracy: number; sharedAccuracy: number };
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export function summarize(run: RunData): Summary {
  const c = run.config;
  const failed = run.launcher?.failed ?? {};
  const central = run.agents.find((a) => a.id === CENTRAL_AGENT);
  const ids = c.mode === 'central' ? c.topology.agents : run.agents.map((a) => a.id).sort((a, b) => c.topology.agents.indexOf(a) - c.topology.agents.indexOf(b));
  const agents = ids.map((id): AgentSummary => {
    const a = c.mode === 'central' ? central : run.agents.find((x) => x.id === id);
    const rounds = a?.rounds ?? [];
    const evals = rounds.filter((r) => r.eval);
    const last = evals[evals.length - 1];
    const shared = last?.eval?.sharedAccuracy ?? [];
    const priv = (c.mode === 'central' ? last?.eval?.perAgentPrivate?.[id] : last?.eval?.privateAccuracy) ?? [];
    const bestHead = shared.length ? shared.indexOf(Math.max(...shared)) : 0;
    const sum = (f: (r: (typeof rounds)[number]) => Record<string, number>) => rounds.reduce((t, r) => t + Object.values(f(r)).reduce((x, y) => x + y, 0), 0);
    // The agent's own end record of its latest session is its last word; the launcher's record of a
    // crash counts only when the agent said nothing after it (a restarted agent writes a new session).
    const launcherFailed = failed[id] !== undefined || (c.mode === 'central' && failed[CENTRAL_AGENT] !== undefined);
    const status = a?.end?.status ?? (launcherFailed ? 'failed' : a ? 'running' : 'missing');
    return {
      id,
      status,
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
  const evaluated = agents.filter((a) => a.sharedAccuracy.length > 0 && a.status !== 'failed' && a.adversary === undefined);
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

/** A table's header and rows, for the terminal (formatTable) or a page (htmlTable). */
export interface TableData {
  header: string[];
  rows: string[][];
}

/** The per-agent table: main head and best head, private and shared, bytes; mean and min rows; then the failed agents. */
export function summaryTable(s: Summary): TableData {
  const row = (a: AgentSummary) => {
    const has = a.sharedAccuracy.length > 0;
    const pct = (v: number | undefined) => (has && v !== undefined ? percent(v) : '-');
    const note = (a.adversary !== undefined ? ` [liar: ${a.adversary}]` : '') + (a.status === 'finished' ? '' : ` (${a.status}${a.roundsCompleted ? ` after ${a.roundsCompleted} rounds` : ''})`);
    return [a.id + note, pct(a.privateAccuracy[0]), pct(a.sharedAccuracy[0]), has ? `h${a.bestHead}` : '-', pct(a.privateAccuracy[a.bestHead]), pct(a.sharedAccuracy[a.bestHead]), kib(a.bytesSent), kib(a.bytesReceived)];
  };
  const rows = s.agents.filter((a) => a.status !== 'failed').map(row);
  const stat = (label: string, st: Stat, best: { p: string; s: string }) => [label, percent(st.privateAccuracy[0] ?? 0), percent(st.sharedAccuracy[0] ?? 0), '', best.p, best.s, '', ''];
  const evaluated = s.agents.filter((a) => a.sharedAccuracy.length > 0 && a.status !== 'failed' && a.adversary === undefined);
  const minBest = (k: 'privateAccuracy' | 'sharedAccuracy') => percent(evaluated.length ? Math.min(...evaluated.map((a) => a[k][a.bestHead])) : 0);
  rows.push(stat('mean', s.mean, { p: percent(s.best.privateAccuracy), s: percent(s.best.sharedAccuracy) }));
  rows.push(stat('min', s.min, { p: minBest('privateAccuracy'), s: minBest('sharedAccuracy') }));
  // Failed agents after the statistics they are not part of: their last evaluation is stale.
  rows.push(...s.agents.filter((a) => a.status === 'failed').map(row));
  return { header: ['agent', 'private main', 'shared main', 'best', 'private best', 'shared best', 'sent', 'received'], rows };
}

export function summaryTitle(s: Summary): string {
  const liars = Object.entries(s.adversaries).map(([a, b]) => `${a}=${b}`);
  const trust = `defence ${s.defence ? 'on' : 'off'}${liars.length ? `, liars ${liars.join(' ')} (mean and min over honest agents)` : ''}`;
  const evaluated = s.evaluation === undefined || s.evaluation === 'the whole test split' ? '' : `, accuracy on ${s.evaluation.replace(/ \(the whole .*\)$/, '')}`;
  return `${s.mode} on ${s.topology}, ${s.dataset} ${s.partition}, ${s.rounds} rounds, backend ${s.backend}, ${s.wallSeconds.toFixed(1)}s, ${trust}${evaluated}`;
}

export function formatSummary(s: Summary): string {
  const t = summaryTable(s);
  return [summaryTitle(s), formatTable(t.header, t.rows)].join('\n');
}

/** Private and shared accuracy of every head, per agent. */
export function headsTable(s: Summary): TableData {
  const heads = s.mean.sharedAccuracy.length;
  const header = ['agent', ...Array.from({ length: heads }, (_, h) => `priv h${h}`), ...Array.from({ length: heads }, (_, h) => `shared h${h}`)];
  const cell = (xs: number[], h: number) => (xs[h] === undefined ? '-' : percent(xs[h]));
  const rows = s.agents.map((a) => [a.id, ...Array.from({ length: heads }, (_, h) => cell(a.privateAccuracy, h)), ...Array.from({ length: heads }, (_, h) => cell(a.sharedAccuracy, h))]);
  rows.push(['mean', ...s.mean.privateAccuracy.map((v) => percent(v)), ...s.mean.sharedAccuracy.map((v) => percent(v))]);
  return { header, rows };
}

export function formatHeads(s: Summary): string {
  const t = headsTable(s);
  return formatTable(t.header, t.rows);
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
