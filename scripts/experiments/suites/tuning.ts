// A tuning suite (docs/results.md, "The default profile"): per scenario, every candidate and its fair isolated
// baseline on the validation set with the selection seed; the rule (../report/select-on-val.ts) picks
// one candidate for all scenarios; it and its baseline then run on the test split with each report seed.
import type { ExperimentOptions } from '../../../src/cluster/run-options.ts';
import { chooseOnVal } from '../report/select-on-val.ts';
import type { Suite } from './suite.ts';

export interface Labelled {
  label: string;
  options: Partial<ExperimentOptions>;
}

export interface TuningDef {
  name: string;
  about: string;
  options?: Partial<ExperimentOptions>;
  /** The data each candidate is tried on; --only keeps scenarios by label. */
  scenarios: readonly Labelled[];
  candidates: readonly Labelled[];
}

export function tuningSuite(def: TuningDef): Suite {
  return {
    name: def.name,
    about: def.about,
    options: def.options,
    ownSeeds: true,
    runs: () => [],
    select: async (_rows, ctx) => {
      const scenarios = def.scenarios.filter((sc) => ctx.wanted(sc.label));
      const candidates = [];
      for (const c of def.candidates) {
        const scores = [];
        for (const sc of scenarios) {
          const on: Partial<ExperimentOptions> = { ...sc.options, ...c.options, evalSplit: 'val', seed: ctx.selectSeed };
          const isolated = await ctx.run({ label: `${sc.label} val seed ${ctx.selectSeed} ${c.label} isolated`, options: { ...on, mode: 'isolated' } });
          const run = await ctx.run({ label: `${sc.label} val seed ${ctx.selectSeed} ${c.label}`, options: on });
          scores.push({ scenario: sc.label, summary: run.summary, isolated: isolated.summary });
        }
        candidates.push({ ...c, scores });
      }
      const { chosen, lines } = chooseOnVal(candidates);
      const selection = [`Chosen on the validation set (seed ${ctx.selectSeed}), for ${scenarios.map((sc) => sc.label).join(' and ')}:`, ...lines];
      console.log(selection.join('\n'));
      for (const sc of scenarios) {
        for (const seed of ctx.reportSeeds) {
          const on: Partial<ExperimentOptions> = { ...sc.options, ...chosen.options, evalSplit: 'test', seed };
          await ctx.run({ label: `${sc.label} test seed ${seed} ${chosen.label} isolated`, options: { ...on, mode: 'isolated' } });
          await ctx.run({ label: `${sc.label} test seed ${seed} ${chosen.label}`, options: on });
        }
      }
      return selection;
    },
  };
}
