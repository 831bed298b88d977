// report.html's section on the defence: each agent's trust in each in-neighbour per round (excluded
// rounds marked), and the adversaries of the run.
import type { RunData } from './run-dir.ts';
import { escapeXml } from '../text/xml.ts';
import { adversarySpecs } from '../topology/adversaries.ts';

export function trustSection(run: RunData): string {
  const liars = adversarySpecs(run.config.topology.adversaries);
  const withTrust = run.agents.filter((a) => a.rounds.some((r) => r.trust && Object.keys(r.trust).length));
  if (withTrust.length === 0 && Object.keys(liars).length === 0) return '';
  const rounds = Math.max(0, ...run.agents.map((a) => a.rounds.length));
  const head = `<tr><th>agent</th><th>neighbour</th>${Array.from({ length: rounds }, (_, r) => `<th>${r}</th>`).join('')}</tr>`;
  const body = withTrust.flatMap((a) => {
    const neighbours = [...new Set(a.rounds.flatMap((r) => Object.keys(r.trust ?? {})))];
    return neighbours.map((n) => {
      const cells = a.rounds.map((r) => {
        const t = r.trust?.[n];
        const out = r.excluded?.find((s) => s.agent === n);
        const colour = t === undefined ? '#fff' : `hsl(${Math.round(120 * t)},70%,85%)`;
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
<p>Defence ${run.config.defence.enabled ? 'on' : 'off'}. Trust after each round (how well the neighbour's probabilities separate the classes this agent is sure of, a per-class AUC: about 1 honest, 0.5 or less for lies that do not follow the input; quick to drop, slow to rise); ✗: excluded as a teacher that round (hover for the reason).</p>
<table class="trust">${head}${body.join('\n')}</table>`;
}
