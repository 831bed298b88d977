// MHD on every shipped 8-agent graph (docs/results.md, archive: "Topologies").
import type { Suite } from './suite.ts';

export const topologies: Suite = {
  name: 'topologies',
  about: 'MHD (nu0 = 1) with 3 auxiliary heads on every shipped 8-agent topology, MNIST skew:0.9:2, 20 rounds; and line-8 without auxiliary heads.',
  runs: () => [
    ...['complete-8', 'ring-8', 'line-8', 'star-8', 'islands-2x4', 'islands-2x4-apart'].map((t) => ({ label: t, options: { topology: `topologies/${t}.yaml`, auxHeads: 3, nu0: 1 } })),
    // Does the auxiliary chain pay on the sparsest graph? The same run without auxiliary heads.
    { label: 'line-8, 0 aux heads', options: { topology: 'topologies/line-8.yaml', auxHeads: 0, nu0: 1 } },
  ],
};
