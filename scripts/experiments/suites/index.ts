// Every experiment suite, in the order the usage lists them. A new suite is a file here and a line below.
import { ablations } from './ablations.ts';
import { attacks } from './attacks.ts';
import { baselines } from './baselines.ts';
import { defaultProfile } from './default.ts';
import { fashion } from './fashion.ts';
import { heterogeneous } from './heterogeneous.ts';
import { pareto } from './pareto.ts';
import type { Suite } from './suite.ts';
import { topologies } from './topologies.ts';

export const SUITES: readonly Suite[] = [baselines, topologies, heterogeneous, ablations, fashion, pareto, defaultProfile, attacks];
