// The second data set: Fashion-MNIST with a Dirichlet split.
import type { Suite } from './suite.ts';

const data = { dataset: 'fashion-mnist', partition: 'dirichlet:0.3' };

export const fashion: Suite = {
  name: 'fashion',
  about: 'Fashion-MNIST, dirichlet:0.3 on ring-8, 20 rounds: isolated vs MHD vs central.',
  runs: () => [
    { label: 'fashion isolated', options: { ...data, mode: 'isolated' } },
    { label: 'fashion mhd', options: { ...data, auxHeads: 3, nu0: 1 } },
    { label: 'fashion central', options: { ...data, mode: 'central' } },
  ],
};
