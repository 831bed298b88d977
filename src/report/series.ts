// The report's per-round series from the agents' round records: one line per agent (its colour fixed by
// its place in the topology, the same in every chart of the page), the mean over the agents it is taken
// over, or bands of the spread when agents are many. Rounds are the records' own `round`: 0-based, as in
// the logs, a point at round r measured at the end of round r.
import type { RoundRecord } from '../node/records.ts';
import type { AgentId } from '../topology/types.ts';
import { lineStyle, quantile, type Series } from './charts.ts';
import type { AgentRun, RunData } from './run-dir.ts';

/** Past this many agents, a chart shows the spread over agents as bands instead of one line each. */
export const MAX_AGENT_LINES = 16;

export const BANDS = [
  { label: 'min to max', colour: '#9ecae1', low: 0, high: 1 },
  { label: '10th to 90th percentile', colour: '#3182bd', low: 0.1, high: 0.9 },
];

/** A figure of one round record (undefined: the record has none). */
export type RoundValue = (r: RoundRecord, agent: AgentId) => number | undefined;

export const meanOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The run's agents in the topology's order (others, e.g. the central learner, after): the order of the colours. */
export function orderedAgents(run: RunData): AgentRun[] {
  const at = (id: AgentId) => {
    const i = run.config.topology.agents.indexOf(id);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...run.agents].sort((a, b) => at(a.id) - at(b.id) || a.id.localeCompare(b.id));
}

/** The colour and dash of an agent's line, from its place among the ordered agents. */
export function agentStyle(run: RunData): (id: AgentId) => { colour: string; dash: string } {
  const order = orderedAgents(run).map((a) => a.id);
  return (id) => lineStyle(Math.max(0, order.indexOf(id)));
}

/** Per recorded round: the values of the agents that have one. */
export function valuesByRound(agents: readonly AgentRun[], value: RoundValue): Map<number, number[]> {
  const by = new Map<number, number[]>();
  for (const a of agents)
    for (const r of a.rounds) {
      const v = value(r, a.id);
      if (v !== undefined && Number.isFinite(v)) by.set(r.round, [...(by.get(r.round) ?? []), v]);
    }
  return new Map([...by.entries()].sort((x, y) => x[0] - y[0]));
}

/** [round, f(values of that round)] over the rounds where some agent has a value. */
export function curve(agents: readonly AgentRun[], value: RoundValue, f: (xs: number[]) => number = meanOf): [number, number][] {
  return [...valuesByRound(agents, value).entries()].map(([r, vs]): [number, number] => [r, f(vs)]);
}

/**
 * One line per agent and the mean over the agents `counted` keeps; past MAX_AGENT_LINES agents, the
 * bands of the spread over all agents and the mean.
 */
export function agentSeries(run: RunData, value: RoundValue, counted: (id: AgentId) => boolean = () => true): Series[] {
  const agents = orderedAgents(run);
  const style = agentStyle(run);
  const mean: Series = { label: 'mean', points: curve(agents.filter((a) => counted(a.id)), value), emphasis: true };
  if (agents.length > MAX_AGENT_LINES) {
    const at = [...valuesByRound(agents, value).entries()];
    const bands = BANDS.map((b): Series => ({ label: b.label, points: [], colour: b.colour, band: at.map(([r, vs]) => [r, quantile(vs, b.low), quantile(vs, b.high)]) }));
    return [...bands, mean];
  }
  const lines = agents.map((a): Series => {
    const points = a.rounds.flatMap((r): [number, number][] => {
      const v = value(r, a.id);
      return v === undefined || !Number.isFinite(v) ? [] : [[r.round, v]];
    });
    return { label: a.id, points, ...style(a.id) };
  });
  return [...lines, mean];
}

/** The rounds any agent recorded, in order. */
export function roundsOf(run: RunData): number[] {
  return [...new Set(run.agents.flatMap((a) => a.rounds.map((r) => r.round)))].sort((a, b) => a - b);
}
