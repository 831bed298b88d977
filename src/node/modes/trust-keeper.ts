// The defence's state at the edge: one agent's trust in each in-neighbour, updated every round by the
// pure judgement of src/learning/trust.ts; exclusions and readmissions go to the agent's log.
import { priorCorrected } from '../../learning/teachers.ts';
import { judgeRound, scoreNeighbour, type NeighbourTrust, type TrustPolicy } from '../../learning/trust.ts';
import { headProbs, type PredictionBatch, type Round } from '../../learning/types.ts';
import type { AgentId } from '../../topology/types.ts';
import type { Skip } from '../records.ts';
import type { AgentLog } from '../run-log.ts';

export interface Screened {
  /** Batches of trusted neighbours. */
  readonly kept: PredictionBatch[];
  readonly trust: Record<AgentId, number>;
  readonly excluded: Skip[];
}

export class TrustKeeper {
  private states: Record<AgentId, NeighbourTrust> = {};
  private readonly policy: TrustPolicy;
  private readonly log: AgentLog;
  /** The profile's priorCorrection: the teacher choice sees neighbours' predictions corrected by it. */
  private readonly priorCorrection: number;
  /** The exchange encoding's floor, as the teacher choice applies it. */
  private readonly probabilityFloor: number;

  constructor(policy: TrustPolicy, log: AgentLog, priorCorrection = 0, probabilityFloor = 0) {
    this.policy = policy;
    this.log = log;
    this.priorCorrection = priorCorrection;
    this.probabilityFloor = probabilityFloor;
  }

  /**
   * Scores every answer against own predictions on the same chunk (`ownFor(round)`), updates trust and
   * returns the answers of neighbours not excluded. With the defence off, everything is kept (trust is
   * still measured and recorded).
   */
  screen(round: Round, answers: readonly PredictionBatch[], ownFor: (r: Round) => PredictionBatch | undefined): Screened {
    const p = this.policy;
    const scores = new Map<AgentId, number | undefined>();
    for (const b of answers) {
      const own = ownFor(b.round);
      const head = headProbs(b, 0);
      const asChosen = this.priorCorrection > 0 ? priorCorrected(head, b.samples, b.classes, this.priorCorrection, this.probabilityFloor) : undefined;
      scores.set(b.agent, own ? scoreNeighbour(head, headProbs(own, 0), own.samples, own.classes, p, asChosen) : undefined);
    }
    const j = judgeRound(this.states, scores, round, p);
    this.states = j.states;
    const trust = Object.fromEntries(Object.entries(j.trust).map(([a, t]) => [a, Math.round(t * 1000) / 1000]));
    if (!p.enabled) return { kept: [...answers], trust, excluded: [] };
    for (const c of j.changes) {
      if (c.change === 'excluded') this.log.warn(`round ${round}: excluded ${c.agent} as a teacher: ${c.reason}`);
      else this.log.info(`round ${round}: readmitted ${c.agent} as a teacher: ${c.reason}`);
    }
    const out = new Set(j.excluded);
    const excluded = j.excluded.map((agent) => ({ agent, reason: j.changes.find((c) => c.agent === agent)?.reason ?? `trust ${trust[agent] ?? 'none'} still low` }));
    return { kept: answers.filter((b) => !out.has(b.agent)), trust, excluded };
  }
}
