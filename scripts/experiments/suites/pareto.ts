// The Pareto front of private against shared accuracy (docs/results.md, "The default profile"): the grid of
// ./pareto-grid.ts on the validation set; the setting the rule picks (../report/pareto.ts) and the
// isolated runs of its scenarios then rerun on the test split with each report seed.
import { chooseDefault, paretoSection, RULE_SCENARIOS } from '../report/pareto.ts';
import { paretoRuns } from './pareto-grid.ts';
import type { Suite } from './suite.ts';

export const pareto: Suite = {
  name: 'pareto',
  about:
    'The Pareto front of private against shared accuracy (docs/results.md, "The default profile"): nu0, auxiliary heads, includeSelf, temperature and chunk size, on MNIST skew:0.9:2 and Fashion-MNIST dirichlet:0.3, on ring-8 and ring-32, against isolated training. --grid quick (default): nu0 x aux heads, then one factor at a time around nu0 = 0.3 and around nu0 = 0, each with 3 auxiliary heads, on ring-8; isolated and 2 settings on MNIST ring-32; --grid full: all 144 settings on all four.',
  runs: (ctx) => paretoRuns(ctx.grid),
  select: async (rows, ctx) => {
    const chosen = chooseDefault(rows).chosen;
    if (chosen === undefined) return [];
    for (const g of RULE_SCENARIOS) {
      for (const setting of ['isolated', chosen]) {
        const row = rows.find((r) => r.spec.group === g && r.spec.setting === setting);
        if (!row) continue;
        for (const seed of ctx.reportSeeds) await ctx.run({ label: `${g} test seed ${seed} ${setting}`, options: { ...row.spec.options, evalSplit: 'test', seed } });
      }
    }
    return [`Chosen on the validation set: ${chosen}; on the test split with seeds ${ctx.reportSeeds.join(', ')}:`];
  },
  tables: (rows, { outDir }) => [paretoSection(outDir, rows)],
};
