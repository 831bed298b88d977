// Learning-rate schedules: a pure function of the round, so that every agent, a resumed one included,
// trains round r at the same rate.

export const LR_SCHEDULES = ['constant', 'cosine'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/**
 * The learning rate of round `round` (0-based) of `rounds`. `cosine` anneals from `base` in round 0
 * towards 0 after the last round, so that the last rounds' updates are small and the weights each
 * agent is evaluated on (and its neighbours distil from) stop jumping between rounds.
 */
export function learningRateAt(base: number, schedule: LrSchedule, round: number, rounds: number): number {
  if (schedule === 'constant') return base;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`a cosine schedule needs the run's rounds, got ${rounds}`);
  const t = Math.min(Math.max(round, 0), rounds) / rounds;
  return base * 0.5 * (1 + Math.cos(Math.PI * t));
}
