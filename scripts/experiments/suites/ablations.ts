// One choice of the reference MHD recipe changed at a time, each against its own isolated baseline on
// the validation set; the best by the rule then on the test split.
import type { Labelled } from './tuning.ts';
import { tuningSuite } from './tuning.ts';

const REFERENCE: Labelled['options'] = { auxHeads: 3, nu0: 1, teacher: 'most-confident', includeSelf: true, gateMain: true, steps: 50 };
const CHANGES: Labelled[] = [
  { label: 'reference (3 aux, nu0=1)', options: {} },
  { label: 'teacher mean', options: { teacher: 'mean' } },
  { label: 'teacher confidence-weighted', options: { teacher: 'confidence-weighted' } },
  { label: 'includeSelf false', options: { includeSelf: false } },
  { label: 'gateMain false', options: { gateMain: false } },
  { label: 'nu0 0', options: { nu0: 0 } },
  { label: 'nu0 0, includeSelf false', options: { nu0: 0, includeSelf: false } },
  { label: 'steps 25', options: { steps: 25 } },
  { label: 'steps 100', options: { steps: 100 } },
];

export const ablations = tuningSuite({
  name: 'ablations',
  about:
    'MLP with 3 auxiliary heads, nu0 = 1, most-confident teacher, includeSelf, main-head gate, 50 steps per round, on ring-8, MNIST skew:0.9:2, 20 rounds, changing one choice at a time; each against its own isolated baseline on the validation set, the best by the rule then on the test split.',
  scenarios: [{ label: 'mnist', options: {} }],
  candidates: CHANGES.map((c) => ({ ...c, options: { ...REFERENCE, ...c.options } })),
});
