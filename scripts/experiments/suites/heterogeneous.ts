// Agents with different backbones learning from each other (docs/results.md, archive: "Heterogeneous agents").
import type { Suite } from './suite.ts';

const topology = 'topologies/complete-8-mixed.yaml';

export const heterogeneous: Suite = {
  name: 'heterogeneous',
  about: 'Agents with different backbones (mlp, mlp-small, cnn) on complete-8 (topologies/complete-8-mixed.yaml), MNIST skew:0.9:2, 20 rounds, against the same agents in isolation.',
  runs: () => [
    { label: 'mixed isolated', options: { topology, mode: 'isolated' } },
    { label: 'mixed mhd', options: { topology, auxHeads: 3, nu0: 1 } },
  ],
};
