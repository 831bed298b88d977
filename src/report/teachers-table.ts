// report.html's table of teachers: in how many of its rounds each agent used each in-neighbour as a
// teacher (the round records' teachersUsed), and how often its defence excluded it. Past a few dozen
// agents, one row per teacher instead: how often it was chosen, over all the agents that learn from it.
import { htmlTable } from '../text/html-table.ts';
import { escapeXml } from '../text/xml.ts';
import { adversarySpecs } from '../topology/adversaries.ts';
import { inNeighbours, type AgentId } from '../topology/types.ts';
import type { RunData } from './run-dir.ts';
import { orderedAgents } from './series.ts';

/** Agents up to which the table has one row per agent and neighbour. */
export const PAIR_ROWS_UP_TO = 32;

export interface TeacherCount {
  agent: AgentId;
  neighbour: AgentId;
  /** Rounds in which the agent used the neighbour's predictions. */
  chosen: number;
  /** Rounds in which the agent's defence excluded the neighbour. */
  excluded: number;
  /** Rounds the agent recorded. */
  rounds: number;
}

/** Every agent's in-neighbours (and any other teacher its records name), counted over its rounds. */
export function teacherCounts(run: RunData): TeacherCount[] {
  const t = run.config.topology;
  return orderedAgents(run).flatMap((a) => {
    const named = a.rounds.flatMap((r) => [...r.teachersUsed, ...(r.excluded ?? []).map((s) => s.agent)]);
    const candidates = [...new Set([...inNeighbours(t, a.id), ...named])];
    return candidates.map((n) => ({
      agent: a.id,
      neighbour: n,
      chosen: a.rounds.filter((r) => r.teachersUsed.includes(n)).length,
      excluded: a.rounds.filter((r) => (r.excluded ?? []).some((s) => s.agent === n)).length,
      rounds: a.rounds.length,
    }));
  });
}

export interface TeacherTotal {
  teacher: AgentId;
  /** Agent-rounds in which it was used as a teacher. */
  chosen: number;
  /** Agent-rounds of the agents that could use it. */
  possible: number;
  excluded: number;
}

/** Per teacher, summed over the agents that learn from it. */
export function teacherTotals(counts: readonly TeacherCount[]): TeacherTotal[] {
  const by = new Map<AgentId, TeacherTotal>();
  for (const c of counts) {
    const t = by.get(c.neighbour) ?? { teacher: c.neighbour, chosen: 0, possible: 0, excluded: 0 };
    by.set(c.neighbour, { ...t, chosen: t.chosen + c.chosen, possible: t.possible + c.rounds, excluded: t.excluded + c.excluded });
  }
  return [...by.values()];
}

const share = (n: number, of: number) => (of ? `${Math.round((100 * n) / of)}%` : '-');

export function teachersSection(run: RunData): string {
  const counts = teacherCounts(run);
  if (counts.length === 0 || (run.config.mode !== 'mhd' && counts.every((c) => c.chosen === 0))) return '';
  const liars = adversarySpecs(run.config.topology.adversaries);
  const name = (n: AgentId) => (liars[n] !== undefined ? `${n} (liar: ${liars[n]})` : n);
  const table =
    run.agents.length <= PAIR_ROWS_UP_TO
      ? htmlTable(
          ['agent', 'neighbour', 'chosen as teacher (rounds)', 'excluded by the defence (rounds)', 'rounds', 'chosen'],
          counts.map((c) => [c.agent, name(c.neighbour), String(c.chosen), String(c.excluded), String(c.rounds), share(c.chosen, c.rounds)]),
        )
      : htmlTable(
          ['teacher', 'chosen (agent-rounds)', 'excluded (agent-rounds)', 'of agent-rounds', 'chosen'],
          teacherTotals(counts).map((t) => [name(t.teacher), String(t.chosen), String(t.excluded), String(t.possible), share(t.chosen, t.possible)]),
        );
  const never = counts.filter((c) => c.rounds > 0 && c.chosen === 0);
  const note = never.length ? ` Never chosen: ${never.slice(0, 20).map((c) => `${escapeXml(c.neighbour)} by ${escapeXml(c.agent)}`).join(', ')}${never.length > 20 ? `, and ${never.length - 20} more` : ''}.` : '';
  return `<h2>Teachers chosen</h2>
<p>How often each neighbour's predictions were used as a teacher (the round records' <code>teachersUsed</code>), out of the rounds the agent recorded.${note}</p>
${table}`;
}
