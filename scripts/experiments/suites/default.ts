// The default profile, chosen honestly (docs/results.md, "The default profile"): the shipped candidates on two
// data sets, on the validation set, the chosen one then on the test split on other seeds.
import { tuningSuite } from './tuning.ts';

export const defaultProfile = tuningSuite({
  name: 'default',
  about:
    'The default profile, chosen honestly (docs/results.md, "The default profile"): the shipped candidates (default, chain-labels, consensus-head) each against its own fair isolated baseline (same model, no targets) on MNIST skew:0.9:2 and Fashion-MNIST dirichlet:0.3, ring-8, 20 rounds, accuracy on the validation set with --select-seed (1); the rule picks one for both data sets; it and its baseline then run with each --report-seeds (2,3), accuracy on the test split.',
  // The shipped default, where the other suites keep nodes/chain.yaml.
  options: { nodes: 'default' },
  scenarios: [
    { label: 'mnist', options: {} },
    { label: 'fashion', options: { dataset: 'fashion-mnist', partition: 'dirichlet:0.3' } },
  ],
  candidates: ['default', 'chain-labels', 'consensus-head'].map((nodes) => ({ label: nodes, options: { nodes } })),
});
