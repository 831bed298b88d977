// The pure half of the exchange: the distillation strategy and the defence that wraps it, on crafted
// answers (no network, no model).
import { describe, expect, it } from 'vitest';
import { defended } from '../../src/learning/defence.ts';
import { distillation, type StrategyInput } from '../../src/learning/strategy.ts';
import { DEFAULT_TRUST } from '../../src/learning/trust.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';

const classes = 4;
const samples = 40;
/** Sample s is of class s % 4; `label(s)` is what this batch says, with probability `p`. */
function batch(agent: string, round: number, label: (s: number) => number, p = 0.97, heads = 2): PredictionBatch {
  const probs = new Float32Array(heads * samples * classes);
  for (let h = 0; h < heads; h++) {
    for (let s = 0; s < samples; s++) {
      for (let c = 0; c < classes; c++) probs[(h * samples + s) * classes + c] = c === label(s) ? p : (1 - p) / (classes - 1);
    }
  }
  return { agent, round, chunkHash: `c${round}`, heads, classes, samples, probs };
}
const truth = (s: number) => s % classes;
const shifted = (s: number) => (s + 1) % classes;
const rows = Array.from({ length: samples }, (_, i) => i);
const policy = { rule: 'most-confident' as const, gateMain: false, gateAux: false, includeSelf: false, embeddings: false };

const input = (answers: PredictionBatch[], own = batch('me', 2, truth, 0.95)): StrategyInput => ({
  round: 2,
  answers,
  ownFor: (r) => (r === 2 ? own : undefined),
  rowsFor: () => rows,
});

describe('distillation', () => {
  it('learns from every answer whose round it still has, in the answers\' order, and declines the others', () => {
    const d = distillation(policy)(input([batch('b', 2, truth), batch('c', 1, truth), batch('a', 2, truth)]));
    expect(d.used).toEqual(['b', 'a']);
    expect(d.declined).toEqual([{ agent: 'c', reason: 'answered round 1, whose own predictions are no longer kept' }]);
    expect(d.targets!.chunkRows).toEqual(rows);
    expect(d.targets!.heads.map((h) => h.teachers)).toEqual([['b', 'a'], ['b', 'a']]);
    // the candidates the choice weighed travel with it
    expect(d.targets!.heads[0].choice.candidates).toHaveLength(2);
  });

  it('no answers: nothing to distil', () => {
    expect(distillation(policy)(input([]))).toEqual({ targets: undefined, used: [], declined: [] });
  });
});

describe('the defence wraps a strategy', () => {
  const asChosen = { priorCorrection: 0, probabilityFloor: 0 };

  it('a liar whose probabilities do not follow the input is excluded, and the strategy never sees it', () => {
    const seen: string[][] = [];
    const spy = distillation(policy);
    const wrapped = defended((i) => {
      seen.push(i.answers.map((a) => a.agent));
      return spy(i);
    }, DEFAULT_TRUST, asChosen);
    const d = wrapped(input([batch('honest', 2, truth, 0.8), batch('liar', 2, shifted)]), {});
    expect(seen).toEqual([['honest']]);
    expect(d.used).toEqual(['honest']);
    expect(d.excluded.map((e) => e.agent)).toEqual(['liar']);
    expect(d.changes).toEqual([expect.objectContaining({ agent: 'liar', change: 'excluded' })]);
    expect(d.trust.honest).toBeGreaterThan(0.9);
    expect(d.trust.liar).toBeLessThan(0.55);
    // the states carry the exclusion into the next round: still out, though it now tells the truth
    const next = wrapped(input([batch('honest', 2, truth, 0.8), batch('liar', 2, truth)]), d.states);
    expect(next.used).toEqual(['honest']);
  });

  it('with the policy off every answer goes through, and trust is still measured', () => {
    const d = defended(distillation(policy), { ...DEFAULT_TRUST, enabled: false }, asChosen)(input([batch('honest', 2, truth, 0.8), batch('liar', 2, shifted)]), {});
    expect(d.used).toEqual(['honest', 'liar']);
    expect(d.excluded).toEqual([]);
    expect(d.changes).toEqual([]);
    expect(d.trust.liar).toBeLessThan(0.55);
  });

  it('an admitted neighbour counts by its standing: a confident claim of a half-trusted one loses to a less confident trusted one', () => {
    // A neighbour at trust 0.725 (standing 0.5) is sure of the shifted class at 0.99; one trusted fully
    // says the truth at 0.6 (0.99 * 0.5 < 0.6). The agent is sure of no row (0.85 < 0.9), so this round
    // judges nobody and the trust stays as it was.
    const states = { loud: { trust: 0.725 }, fair: { trust: 0.95 } };
    const answers = [batch('loud', 2, shifted, 0.99), batch('fair', 2, truth, 0.6)];
    const own = batch('me', 2, truth, 0.85);
    const d = defended(distillation(policy), DEFAULT_TRUST, asChosen)(input(answers, own), states);
    expect(d.trust).toEqual({ loud: 0.725, fair: 0.95 });
    expect(d.used).toEqual(['loud', 'fair']);
    const chosen = d.targets!.heads[1].choice.targets;
    // every row's target is fair's: its class, at 0.6
    for (let s = 0; s < samples; s++) expect(chosen[s * classes + truth(s)]).toBeCloseTo(0.6, 6);
    // with the policy off both count in full, and the loud claim wins every row
    const off = defended(distillation(policy), { ...DEFAULT_TRUST, enabled: false }, asChosen)(input(answers, own), states);
    const raw = off.targets!.heads[1].choice.targets;
    for (let s = 0; s < samples; s++) expect(raw[s * classes + shifted(s)]).toBeCloseTo(0.99, 6);
  });
});
