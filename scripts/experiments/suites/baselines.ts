// MHD against isolated, gossip and central training on complete-8 and ring-8 (docs/results.md, archive: "Against the baselines").
import type { RunSpec } from '../report/types.ts';
import type { Suite } from './suite.ts';

function mhdVariants(topology: string, t: string): RunSpec[] {
  return [
    { label: `${t} mhd 0 aux, nu0=1`, options: { topology, auxHeads: 0, nu0: 1 } },
    { label: `${t} mhd 1 aux, nu0=1`, options: { topology, auxHeads: 1, nu0: 1 } },
    { label: `${t} mhd 1 aux, nu0=0`, options: { topology, auxHeads: 1, nu0: 0 } },
    { label: `${t} mhd 3 aux, nu0=1`, options: { topology, auxHeads: 3, nu0: 1 } },
    { label: `${t} mhd 3 aux, nu0=0`, options: { topology, auxHeads: 3, nu0: 0 } },
  ];
}

export const baselines: Suite = {
  name: 'baselines',
  about:
    'MNIST, 8 agents, skew:0.9:2, 1000 private samples each, 5000 public, 20 rounds: isolated, MHD (0/1/3 auxiliary heads, nu0 = 1 and 0), gossip and central on complete-8 and ring-8. (0 auxiliary heads with nu0 = 0 distils nothing: it is isolated training, so it is not run twice.)',
  runs: () => [
    ...['complete-8', 'ring-8'].flatMap((t): RunSpec[] => {
      const topology = `topologies/${t}.yaml`;
      return [{ label: `${t} isolated`, options: { topology, mode: 'isolated' } }, ...mhdVariants(topology, t), { label: `${t} gossip`, options: { topology, mode: 'gossip' } }];
    }),
    // The central model sees the pooled data: the topology does not matter.
    { label: 'central (pooled data)', options: { mode: 'central' } },
  ],
};
