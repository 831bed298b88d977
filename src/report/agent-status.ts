// What each agent of a run amounted to, from its own records and the launcher's: its status, and
// whether it learnt from anyone. The summary (summary.ts) and the commands' exit status rest on these.
import type { RunConfig } from '../node/config.ts';
import { inNeighbours, type AgentId } from '../topology/types.ts';
import type { AgentRun, RunData } from './run-dir.ts';

/** finished | stopped: the agent's own end record; failed | running | not started: see agentStatus. */
export type AgentStatus = 'finished' | 'stopped' | 'failed' | 'running' | 'not started';

/**
 * An agent's status. The rules, in order:
 * 1. An end record of its latest session is its last word (`finished`, `stopped`); a restarted agent
 *    writes a new start record, which clears the old end.
 * 2. No start record (no metrics.jsonl, or one without a start: it never began round 0) is
 *    `not started`: an interrupted start-up, or an agent of another machine. It is `failed` only when
 *    the launcher saw it fail to start (could not start, did not start in time) in a run that nobody
 *    interrupted: a worker that exits on Ctrl-C before its agents began is no failure of theirs.
 * 3. A start but no end is `failed` when the launcher saw its process end, else `running` (still going,
 *    or killed with no launcher watching).
 */
export function agentStatus(a: AgentRun | undefined, launcher: RunData['launcher'], launcherIds: readonly AgentId[]): AgentStatus {
  if (a?.end) return a.end.status === 'stopped' ? 'stopped' : 'finished';
  const launcherFailed = launcherIds.some((id) => launcher?.failed[id] !== undefined);
  if (!a?.start) return launcherFailed && !launcher?.interrupted ? 'failed' : 'not started';
  return launcherFailed ? 'failed' : 'running';
}

/**
 * Agents that learnt from no neighbour: the rule (one place, so that the summary, its table and the
 * commands' exit status agree). An agent is untaught when all of these hold:
 * - the run's mode is `mhd` or `gossip`: the modes in which a neighbour's answer is used (mhd: its
 *   predictions as a distillation teacher; gossip: its weights averaged in). Both record those
 *   neighbours in `teachersUsed`. `isolated` and `central` learn from no neighbour by design and never
 *   count;
 * - the topology gives it at least one in-neighbour (an agent with none is isolated by design);
 * - it completed at least one round (an agent that never started is `not started`, not untaught);
 * - in every round it completed, no neighbour's answer reached it: `teachersUsed`, `excluded` and
 *   `rejected` are all empty (only skips: nobody found, nobody answered);
 * - it is no adversary of the experiment (a liar's own learning is not what the run measures).
 * One round with any answer is enough not to count: a neighbour that joined late is no error. An agent
 * whose answers were all excluded by the defence or rejected did reach its neighbours: that is the
 * defence at work (the round records and the trust table say so), not a run that talked to nobody.
 */
export function untaughtAgents(config: RunConfig, agents: readonly AgentRun[]): AgentId[] {
  if (config.mode !== 'mhd' && config.mode !== 'gossip') return [];
  const byId = new Map(agents.map((a) => [a.id, a]));
  return config.topology.agents.filter((id) => {
    const rounds = byId.get(id)?.rounds ?? [];
    const alone = (r: (typeof rounds)[number]) => (r.teachersUsed ?? []).length === 0 && (r.excluded ?? []).length === 0 && (r.rejected ?? []).length === 0;
    return config.topology.adversaries?.[id] === undefined && inNeighbours(config.topology, id).length > 0 && rounds.length > 0 && rounds.every(alone);
  });
}
