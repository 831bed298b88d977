// The settings of `npm run experiment -- pareto` (docs/results.md, "The default profile"): the full grid of the
// issue, and the reduced design that fits a 2-core machine (one factor at a time around a base).
import type { ExperimentOptions } from '../../../src/cluster/run-options.ts';

export interface Setting {
  /** Short, stable name: `nu0=0.3 aux=3 self=on T=1 chunk=500`. */
  name: string;
  options: Partial<ExperimentOptions>;
}

export interface Scenario {
  /** `mnist ring-8` */
  name: string;
  options: Partial<ExperimentOptions>;
}

export const SCENARIOS: Scenario[] = [
  { name: 'mnist ring-8', options: { dataset: 'mnist', partition: 'skew:0.9:2', topology: 'topologies/ring-8.yaml' } },
  { name: 'fashion ring-8', options: { dataset: 'fashion-mnist', partition: 'dirichlet:0.3', topology: 'topologies/ring-8.yaml' } },
  { name: 'mnist ring-32', options: { dataset: 'mnist', partition: 'skew:0.9:2', topology: 'topologies/ring-32.yaml' } },
  { name: 'fashion ring-32', options: { dataset: 'fashion-mnist', partition: 'dirichlet:0.3', topology: 'topologies/ring-32.yaml' } },
];

export interface Knobs {
  nu0: number;
  auxHeads: number;
  includeSelf: boolean;
  temperature: number;
  chunk: number;
}

export function setting(k: Knobs): Setting {
  return {
    name: `nu0=${k.nu0} aux=${k.auxHeads} self=${k.includeSelf ? 'on' : 'off'} T=${k.temperature} chunk=${k.chunk}`,
    options: { mode: 'mhd', nu0: k.nu0, auxHeads: k.auxHeads, includeSelf: k.includeSelf, temperature: k.temperature, chunk: k.chunk },
  };
}

export const ISOLATED: Setting = { name: 'isolated', options: { mode: 'isolated' } };

const GRID = { nu0: [0, 0.1, 0.3, 1], auxHeads: [0, 1, 3], includeSelf: [true, false], temperature: [1, 2, 4], chunk: [500, 1000] };

/** Every combination (4 x 3 x 2 x 3 x 2 = 144), less those that distil nothing (nu0 = 0 without auxiliary heads is isolated training). */
export function fullGrid(): Setting[] {
  const out: Setting[] = [];
  for (const nu0 of GRID.nu0)
    for (const auxHeads of GRID.auxHeads)
      for (const includeSelf of GRID.includeSelf)
        for (const temperature of GRID.temperature)
          for (const chunk of GRID.chunk) if (nu0 > 0 || auxHeads > 0) out.push(setting({ nu0, auxHeads, includeSelf, temperature, chunk }));
  return out;
}

/** The base of the reduced design: intermediate nu0 with the auxiliary chain, the other knobs at their defaults. */
export const BASE_KNOBS: Knobs = { nu0: 0.3, auxHeads: 3, includeSelf: true, temperature: 1, chunk: 500 };

/** The second base: the main head kept private (nu0 = 0), the chain carrying the neighbours' knowledge. */
export const CHAIN_KNOBS: Knobs = { ...BASE_KNOBS, nu0: 0 };

/**
 * The reduced design, in the order it is run (most telling first, so that an experiment cut short has
 * the core): the old default (nu0 = 1, no auxiliary heads), the base, nu0 in {0.1, 0} with the chain,
 * nu0 = 0.3 without it; then one factor at a time around the base and around CHAIN_KNOBS (T = 2 and 4,
 * includeSelf off, chunk 1000, 1 auxiliary head), nu0 = 1 with the chain and nu0 = 0.1 without.
 */
export function quickGrid(): Setting[] {
  const B = BASE_KNOBS;
  const C = CHAIN_KNOBS;
  const knobs = [
    { ...B, nu0: 1, auxHeads: 0 },
    B,
    { ...B, nu0: 0.1 },
    C,
    { ...B, auxHeads: 0 },
    { ...B, temperature: 2 },
    { ...C, temperature: 2 },
    { ...C, includeSelf: false },
    { ...C, chunk: 1000 },
    { ...C, temperature: 4 },
    { ...B, nu0: 1 },
    { ...B, nu0: 0.1, auxHeads: 0 },
    { ...B, includeSelf: false },
    { ...B, chunk: 1000 },
    { ...C, auxHeads: 1 },
    { ...B, auxHeads: 1 },
    { ...B, temperature: 4 },
  ].map(setting);
  // After the first four (the core), the consensus head and the shipped default: they are not on the
  // issue's grid of knobs.
  return [...knobs.slice(0, 4), CONSENSUS_HEAD, SHIPPED_DEFAULT, ...knobs.slice(4)];
}

/**
 * nodes/default.yaml as shipped: the chain with labelled auxiliary heads, prior-corrected teachers and a
 * cosine learning rate (docs/results.md, "The default profile"). The grid's other settings keep the recipe of
 * nodes/chain.yaml (the experiments' base) and change only their knobs.
 */
export const SHIPPED_DEFAULT: Setting = { name: 'nodes/default.yaml', options: { mode: 'mhd', nodes: 'default' } };

/**
 * The main head kept private (nu0 = 0) beside one consensus head: an auxiliary head that learns the
 * private labels and, with the gate, the neighbours' same head (auxTeacher `same`), so that it gathers
 * the whole graph's knowledge over the rounds as nu0 = 1's main head does, without touching the main head.
 */
export const CONSENSUS_HEAD: Setting = {
  name: 'nu0=0 consensus head (aux=1 same labels gate)',
  options: { mode: 'mhd', nu0: 0, auxHeads: 1, auxTeacher: 'same', auxLabels: true, gateAux: true, includeSelf: true, temperature: 1, chunk: 500 },
};

/** On the 32-agent graph only a few settings are run in the reduced design. */
export const LARGE_GRAPH_QUICK: Knobs[] = [{ ...BASE_KNOBS, nu0: 1, auxHeads: 0 }, CHAIN_KNOBS];

/** One run of the experiment: its scenario (data and graph) and its setting. */
export interface ParetoRun {
  label: string;
  group: string;
  setting: string;
  options: Partial<ExperimentOptions>;
}

// The grid is a tuning suite: its accuracies are on the validation set; the setting the rule picks is
// then rerun on the test split (./pareto.ts).
const run = (scenario: Scenario, s: Setting, grid: 'quick' | 'full'): ParetoRun => ({
  label: `${scenario.name} ${s.name}`,
  group: scenario.name,
  setting: s.name,
  options: { ...scenario.options, ...s.options, evalSplit: 'val', ...(grid === 'quick' ? { evalEvery: 2 } : {}) },
});

/**
 * The runs, in the order they are run. quick: every reduced setting on MNIST and Fashion ring-8
 * (alternating, so that an interrupted experiment has both), then isolated and LARGE_GRAPH_QUICK on
 * MNIST ring-32. full: isolated and all 144 settings on all four scenarios.
 */
export function paretoRuns(grid: 'quick' | 'full'): ParetoRun[] {
  if (grid === 'full') return SCENARIOS.flatMap((sc) => [ISOLATED, ...fullGrid()].map((s) => run(sc, s, grid)));
  const [mnist8, fashion8, mnist32] = SCENARIOS;
  const ring8 = [ISOLATED, ...quickGrid()].flatMap((s) => [run(mnist8, s, grid), run(fashion8, s, grid)]);
  return [...ring8, ...[ISOLATED, ...LARGE_GRAPH_QUICK.map(setting)].map((s) => run(mnist32, s, grid))];
}
