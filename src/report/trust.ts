// report.html's section on the defence: the trust placed in each agent over the rounds (a chart, mean
// over the agents that learn from it), each agent's trust in each in-neighbour per round (a table,
// excluded rounds marked), and the adversaries of the run. Rounds are 0-based, as in the records.
import type { AgentRun, RunData } from './run-dir.ts';
import { escapeXml } from '../text/xml.ts';
import { adversarySpecs } from '../topology/adversaries.ts';
import type { AgentId } from '../topology/types.ts';
import { lineChart, lineSwatch, PAGE_CHART, quantile, seriesLegend, type Series } from './charts.ts';
import { numberTick } from './axis.ts';
import { agentStyle, BANDS, MAX_AGENT_LINES, meanOf, orderedAgents, roundsOf } from './series.ts';

/** Agents up to which the table has a row for every agent and neighbour. */
export const ALL_ROWS_UP_TO = 32;

/** Per rated agent, per round: the trust its raters had in it after that round. */
function trustIn(run: RunData): Map<AgentId, Map<number, number[]>> {
  const by = new Map<AgentId, Map<number, number[]>>();
  for (const a of run.agents)
    for (const r of a.rounds)
      for (const [n, t] of Object.entries(r.trust ?? {})) {
        const rounds = by.get(n) ?? new Map<number, number[]>();
        rounds.set(r.round, [...(rounds.get(r.round) ?? []), t]);
        by.set(n, rounds);
      }
  return by;
}

/** The trust in each agent per round, mean over its raters; the liars always as their own lines. */
export function trustChart(run: RunData, liars: Record<AgentId, string>): string {
  const by = trustIn(run);
  if (by.size === 0) return '';
  const order = [...orderedAgents(run).map((a) => a.id), ...by.keys()];
  const rated = [...new Set(order)].filter((n) => by.has(n));
  const style = agentStyle(run);
  const line = (n: AgentId): Series => ({
    label: liars[n] !== undefined ? `${n} (liar)` : n,
    points: [...by.get(n)!.entries()].sort((x, y) => x[0] - y[0]).map(([r, ts]): [number, number] => [r, meanOf(ts)]),
    ...style(n),
    ...(liars[n] !== undefined ? { endLabel: `${n} (liar)` } : {}),
  });
  const many = rated.length > MAX_AGENT_LINES;
  const rounds = roundsOf(run);
  const means = rated.map(line);
  const bands = BANDS.map((b): Series => ({
    label: b.label,
    points: [],
    colour: b.colour,
    band: rounds.map((r): [number, number, number] => {
      const vs = means.filter((_, i) => liars[rated[i]] === undefined).flatMap((s) => s.points.filter((p) => p[0] === r).map((p) => p[1]));
      return [r, quantile(vs, b.low), quantile(vs, b.high)];
    }).filter((p) => Number.isFinite(p[1])),
  }));
  const series = many ? [...bands, ...means.filter((_, i) => liars[rated[i]] !== undefined)] : means;
  const d = run.config.defence;
  const rules = d.enabled ? [{ y: d.threshold, label: `excluded below ${d.threshold}` }] : [];
  const chart = lineChart('trust in each agent, mean over the agents that learn from it', series, { ...PAGE_CHART, y: { clamp: [0, 1], minSpan: 0.1 }, yFormat: numberTick, rules });
  const threshold = rules.length ? lineSwatch('#444', 'exclusion threshold', '2,3', 1) : '';
  return `<p class="legend">${many ? `${rated.length} agents rated; bands over the honest ones: ` : ''}${seriesLegend(series)}${threshold}</p>${chart}`;
}

/** A cell's background: orange below the threshold, otherwise blue, deeper as trust grows. */
function cellColour(t: number, threshold: number): string {
  if (t < threshold) return '#f6c08f';
  const depth = Math.max(0, Math.min(1, (t - threshold) / (1 - threshold || 1)));
  return `rgba(51,136,204,${(0.1 + 0.45 * depth).toFixed(2)})`;
}

export function trustSection(run: RunData): string {
  const liars = adversarySpecs(run.config.topology.adversaries);
  const withTrust = orderedAgents(run).filter((a) => a.rounds.some((r) => r.trust && Object.keys(r.trust).length));
  if (withTrust.length === 0 && Object.keys(liars).length === 0) return '';
  const rounds = roundsOf(run);
  const threshold = run.config.defence.threshold;
  const head = `<tr><th>agent</th><th>neighbour</th>${rounds.map((r) => `<th>${r}</th>`).join('')}</tr>`;
  // Past a few dozen agents, only the pairs where something happened: trust below the threshold or an exclusion.
  const all = run.agents.length <= ALL_ROWS_UP_TO;
  const notable = (a: AgentRun, n: AgentId) => a.rounds.some((r) => (r.trust?.[n] ?? 1) < threshold || r.excluded?.some((s) => s.agent === n));
  let pairs = 0;
  const body = withTrust.flatMap((a) => {
    const neighbours = [...new Set(a.rounds.flatMap((r) => Object.keys(r.trust ?? {})))];
    pairs += neighbours.length;
    return neighbours.filter((n) => all || notable(a, n)).map((n) => {
      const cells = rounds.map((round) => {
        const r = a.rounds.find((x) => x.round === round);
        const t = r?.trust?.[n];
        const out = r?.excluded?.find((s) => s.agent === n);
        const colour = t === undefined ? '#fff' : cellColour(t, threshold);
        const title = out ? ` title="${escapeXml(out.reason)}"` : '';
        return `<td style="background:${colour}"${title}>${t === undefined ? '-' : t.toFixed(2)}${out ? ' ✗' : ''}</td>`;
      });
      const tag = liars[n] !== undefined ? ` <b>(liar: ${escapeXml(liars[n])})</b>` : '';
      return `<tr><td>${escapeXml(a.id)}</td><td>${escapeXml(n)}${tag}</td>${cells.join('')}</tr>`;
    });
  });
  const liarLine = Object.keys(liars).length
    ? `<p>Adversaries of this experiment: ${Object.entries(liars).map(([a, b]) => `${escapeXml(a)} (${escapeXml(b)})`).join(', ')}; means and minima are over the honest agents.</p>`
    : '';
  return `<h2>Trust in neighbours</h2>${liarLine}
<p>Defence ${run.config.defence.enabled ? 'on' : 'off'}. Trust after each round (how well the neighbour's probabilities separate the classes this agent is sure of, a per-class AUC: about 1 honest, 0.5 or less for lies that do not follow the input; quick to drop, slow to rise).</p>
${trustChart(run, liars)}
<p>Each agent's trust in each neighbour after each round (columns: rounds, from 0); orange: below the exclusion threshold ${threshold}; ✗: excluded as a teacher that round (hover for the reason).${all ? '' : ` ${body.length} of the ${pairs} agent-neighbour pairs: those with trust below the threshold or an exclusion in some round.`}</p>
<table class="trust">${head}${body.join('\n')}</table>`;
}
