// When an agent stops waiting for a late neighbour (docs/DESIGN.md, "Round loop"). A neighbour that
// stalls, on purpose or because it waits for another that stalls (two echo liars), would otherwise
// cost every round the whole fetch budget. Once half the teachers that can still answer have answered
// (the quorum), each of the rest gets an allowance from its own record, and is then skipped as late
// if it is alive (Neighbours.fetchAll): a neighbour that asks this agent for rounds but does not
// answer is stalling, one that has gone quiet is behind a partition or down, and is waited for as the
// partition rule says, unless its record already shows it a staller. Every parameter scales with the
// fetch budget (timeouts.locateWaitMs, --fetch-timeout) or with the agent's own work in a round, so
// the same rule holds for short test runs and long ones.
import type { FetchOutcome } from '../network/round-service.ts';
import type { AgentId } from '../topology/types.ts';

/**
 * The late rule's floor: the least grace after the quorum (1 s at the default 60 s budget), below which
 * the rule is off. Under a second, an honest neighbour is easily late by scheduling alone: two cores
 * running eight agents delay a reply by a training step or two.
 */
const MIN_GRACE_MS = 1000;
const GRACE_OF_BUDGET = 1 / 60;
/**
 * Of the agent's own work between two fetches (training, evaluating, predicting), what a neighbour
 * without a record gets after the quorum: honest neighbours of the same kind do about the same work, so
 * their lag is a fraction of it. A quarter keeps a round with stallers within 1.5x of one without them
 * (complete-8: 3.8 s of work a round, 0.4 s of fetch).
 */
const GRACE_OF_WORK = 0.25;
/**
 * Of the budget, the most lag a record may show and still earn waiting: half of it. The `stall` liar
 * answers just before the budget ends; an honest CNN among small MLPs (complete-8-mixed) is late by the
 * difference of their work, seconds, every round.
 */
const CAP_OF_BUDGET = 1 / 2;

/** A round's late rule, fixed when its quorum answered. */
export interface LateRule {
  /** The least grace; a known staller (its least lag past capMs) is not waited for at all. */
  floorMs: number;
  /** For a neighbour without a record: the floor, as long as the quorum took, or a share of the work, whichever is longest. */
  graceMs: number;
  capMs: number;
}

/** Off with one teacher (nobody to compare with) and with budgets too short to be worth cutting. */
export const lateRuleApplies = (budgetMs: number, teachers: number) => teachers >= 2 && budgetMs > Math.max(MIN_GRACE_MS, budgetMs * GRACE_OF_BUDGET);

/**
 * Whether half the teachers that can still answer have answered (the quorum). Known stallers are not
 * counted; with nobody else left to wait for, the quorum needs no answer at all while stallers are out.
 */
export function quorumReached(n: { teachers: number; answered: number; failed: number; stallers: number; stallersOut: boolean }): boolean {
  const need = Math.ceil((n.teachers - n.failed - n.stallers) / 2);
  return n.answered >= need && (n.answered > 0 || (need === 0 && n.stallersOut));
}

export function lateRule(budgetMs: number, workMs: number, quorumMs: number): LateRule {
  const floorMs = Math.max(MIN_GRACE_MS, budgetMs * GRACE_OF_BUDGET);
  const graceMs = Math.min(budgetMs, Math.max(floorMs, quorumMs, GRACE_OF_WORK * workMs));
  return { floorMs, graceMs, capMs: Math.max(graceMs, budgetMs * CAP_OF_BUDGET) };
}

/**
 * Each neighbour's record: the least lag after its round's quorum that its answers have shown, and the
 * least time it took to answer at all. A neighbour skipped as late is still listened to (one fetch at
 * a time), so the record is its real lag, not the cut. An honest but slower neighbour earns twice its
 * record (up to the cap) and is waited for again; a staller's record is past the cap, and from then on
 * it is not waited for once the quorum is in. The least lag, not the last: two echo liars serve only after their own fetch, so
 * each one's lag is the wait the other allows it, and a record that followed the last lag would double
 * their allowance every round. A skipped fetch that never answers at all counts as late by the whole
 * budget. The time to answer catches what the lag cannot: when every teacher stalls, they answer
 * together at the end of the budget, each a moment after the quorum that the first one made.
 */
export class Punctuality {
  private readonly leastLateMs = new Map<AgentId, number>();
  private readonly leastAnswerMs = new Map<AgentId, number>();
  private readonly answers = new Map<AgentId, number>();
  /** Neighbours with a fetch still out after being skipped, and when that round's quorum answered. */
  private readonly probing = new Map<AgentId, number>();

  /** `lateMs` after the quorum (0 before it), `answerMs` after the fetch began. */
  answered(agent: AgentId, lateMs: number, answerMs = lateMs): void {
    this.leastLateMs.set(agent, Math.min(lateMs, this.leastLateMs.get(agent) ?? Infinity));
    this.leastAnswerMs.set(agent, Math.min(answerMs, this.leastAnswerMs.get(agent) ?? Infinity));
    this.answers.set(agent, (this.answers.get(agent) ?? 0) + 1);
  }

  /**
   * A neighbour whose every answer on record came past the cap after the quorum, or, from its second
   * answer on, past the cap after the fetch began (a first answer may be late by the start alone).
   */
  knownStaller(agent: AgentId, capMs: number): boolean {
    const slow = (this.answers.get(agent) ?? 0) >= 2 && (this.leastAnswerMs.get(agent) ?? 0) > capMs;
    return (this.leastLateMs.get(agent) ?? 0) > capMs || slow;
  }

  /**
   * How long after the quorum `agent` is waited for; whether it is a known staller; whether it is behind
   * (an earlier round's request, skipped as late, is still unanswered).
   */
  allowance(agent: AgentId, rule: LateRule, now: number): { ms: number; staller: boolean; behind: boolean } {
    const known = this.leastLateMs.get(agent);
    const since = this.probing.get(agent);
    const behind = since !== undefined;
    // A fetch still out says only how late the neighbour is at least: it earns nothing, but may condemn.
    const staller = this.knownStaller(agent, rule.capMs) || (known === undefined && behind && now - since > rule.capMs);
    // Not even the floor, for a staller, or for one behind with no prompt answer on record: a neighbour
    // that has never answered within a grace, and has not answered the last request, will not answer
    // this one within a grace (it is holding replies). Its fetch goes on as a probe (or the one still out
    // does), so one that turns prompt is seen, and waited for again, once that probe is in. One behind
    // that has been prompt before is catching up (a healed partition, a slow round) and gets its grace.
    const prompt = known !== undefined && known <= rule.graceMs;
    if (staller || (behind && !prompt)) return { ms: 0, staller, behind };
    return { ms: known === undefined ? rule.graceMs : Math.max(rule.graceMs, Math.min(rule.capMs, 2 * known)), staller, behind };
  }

  /** Lets a skipped fetch finish to learn the lag; a second one while the first is out is cancelled. */
  probe(agent: AgentId, quorumAt: number, fetched: Promise<FetchOutcome<unknown>>, cancel: () => void, budgetMs: number, startedAt = quorumAt): void {
    if (this.probing.has(agent)) return cancel();
    this.probing.set(agent, quorumAt);
    const learn = (lateMs: number, answerMs: number) => {
      this.answered(agent, lateMs, answerMs);
      this.probing.delete(agent);
    };
    fetched.then(
      (got) => (got.ok ? learn(Date.now() - quorumAt, Date.now() - startedAt) : learn(budgetMs, budgetMs)),
      () => learn(budgetMs, budgetMs),
    );
  }
}
