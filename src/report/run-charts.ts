// report.html's charts of what a round cost and how training went: seconds per round split into
// training, exchange and evaluation; bytes sent and received per agent; the loss terms per head.
import { numberTick } from './axis.ts';
import { stackedBarChart, stackLegend, type Stack } from './bars.ts';
import { lineChart, lineStyle, PAGE_CHART, seriesLegend, type Series } from './charts.ts';
import type { RunData } from './run-dir.ts';
import { agentSeries, curve, MAX_AGENT_LINES, meanOf, roundsOf, valuesByRound, type RoundValue } from './series.ts';
import type { RoundRecord } from '../node/records.ts';

const ZERO = { zero: true, clamp: [0, Infinity] } as const;

/** The legend of the charts with one line per agent (or bands), the same for every such chart. */
export function agentLegend(run: RunData, extra = ''): string {
  const many = run.agents.length > MAX_AGENT_LINES ? `${run.agents.length} agents: ` : '';
  return `<p class="legend">${many}${seriesLegend(agentSeries(run, () => 0))}${extra}</p>`;
}

const head = (h: number) => (h === 0 ? 'main head' : `auxiliary head ${h}`);

/** Seconds per round, mean over the agents that recorded the round, split into its parts. */
export function timeChart(run: RunData): string {
  const rounds = roundsOf(run);
  const part = (f: RoundValue) => {
    const by = valuesByRound(run.agents, f);
    return rounds.map((r) => (by.has(r) ? meanOf(by.get(r)!) : 0));
  };
  const other = (r: RoundRecord) => Math.max(0, r.seconds - r.trainSeconds - r.exchangeSeconds - r.evalSeconds);
  const stacks: Stack[] = [
    { label: 'train', colour: '#332288', values: part((r) => r.trainSeconds) },
    { label: 'exchange (own predictions, fetching the neighbours\', choosing targets)', colour: '#DDCC77', values: part((r) => r.exchangeSeconds) },
    { label: 'eval', colour: '#44AA99', values: part((r) => r.evalSeconds) },
    { label: 'other', colour: '#BBBBBB', values: part(other) },
  ].filter((s) => s.values.some((v) => v > 0.005));
  const chart = stackedBarChart('seconds per round, mean over agents', rounds, stacks, { ...PAGE_CHART, yLabel: 'seconds', y: ZERO, yFormat: numberTick });
  const wait = curve(run.agents, (r) => r.waitSeconds);
  const waited = wait.length ? Math.max(...wait.map(([, v]) => v)) : 0;
  const note = stacks.some((s) => s.label.startsWith('exchange')) ? `<p>The exchange includes waiting for neighbours that are behind: at most ${waited.toFixed(2)} s in a round, mean over agents.</p>` : '';
  return `<h2>Time per round</h2><p class="legend">${stackLegend(stacks)}</p>${chart}${note}`;
}

/** The unit that keeps the bytes' ticks short. */
function byteUnit(max: number): { name: string; size: number } {
  return max >= 10 * 2 ** 20 ? { name: 'MB', size: 2 ** 20 } : { name: 'KB', size: 1024 };
}

const total = (o: Record<string, number> | undefined) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);

/** Bytes each agent sent and received per round, one line per agent (or bands) and the mean. */
export function bytesCharts(run: RunData): string {
  const all = run.agents.flatMap((a) => a.rounds.flatMap((r) => [total(r.bytesSent), total(r.bytesReceived)]));
  if (!all.some((b) => b > 0)) return `<h2>Bytes per round</h2><p>No agent sent or received anything (${run.config.mode} run).</p>`;
  const unit = byteUnit(Math.max(0, ...all));
  const chart = (what: string, f: (r: RoundRecord) => Record<string, number>) =>
    lineChart(`${unit.name} ${what} per agent per round`, agentSeries(run, (r) => total(f(r)) / unit.size), { ...PAGE_CHART, yLabel: unit.name, y: ZERO, yFormat: numberTick });
  return `<h2>Bytes per round</h2>${agentLegend(run)}<div class="row">${chart('sent', (r) => r.bytesSent)}${chart('received', (r) => r.bytesReceived)}</div>
<p>Sent: the agent's predictions served to its neighbours that round; received: its neighbours' served to it.</p>`;
}

/** The loss terms per round, mean over agents: cross-entropy, distillation per head, embedding, total. */
export function lossChart(run: RunData): string {
  const heads = Math.max(0, ...run.agents.flatMap((a) => a.rounds.map((r) => r.loss?.distill?.length ?? 0)));
  const terms: { label: string; value: RoundValue }[] = [
    { label: 'cross-entropy (private batch, all heads)', value: (r) => r.loss?.ce },
    ...Array.from({ length: heads }, (_, h) => ({ label: `distillation, ${head(h)}`, value: (r: RoundRecord) => r.loss?.distill?.[h] })),
    { label: 'embedding', value: (r) => r.loss?.embedding },
  ];
  const idle = terms.filter((t) => curve(run.agents, t.value).every(([, v]) => v === 0));
  const shown = terms.filter((t) => !idle.includes(t));
  const series: Series[] = shown.map((t, i) => ({ label: t.label, points: curve(run.agents, t.value), ...lineStyle(i) }));
  series.push({ label: 'total', points: curve(run.agents, (r) => r.loss?.total), emphasis: true });
  const none = idle.length ? ` Zero in every round, not drawn: ${idle.map((t) => t.label).join('; ')}.` : '';
  return `<h2>Loss per round</h2><p class="legend">${seriesLegend(series)}</p>${lineChart("training loss, mean over a round's steps and over agents", series, { ...PAGE_CHART, yLabel: 'loss', y: ZERO, yFormat: numberTick })}
<p>The terms as trained on, before their weights; total: the weighted sum.${none}</p>`;
}
