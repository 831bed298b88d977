// Lying peers (README, "Lying peers"): every liar behaviour on ring-8 with 1 and 3 liars, complete-8
// with 2 and 3, and a 32-agent graph with 30 % liars, with the defence off and on, against a clean run
// and a run where the liars are absent (nothing at their address), on seeds 1 and 2; the default
// profile. Every run in one process (simulate), so that an absent agent is simply not started.
// `embedding-blowup` lies only in the embeddings, so its runs (and their references) distil them.
import type { ExperimentOptions } from '../../../src/cluster/run-options.ts';
import { attacksTable, honestRoundSeconds } from '../report/attacks.ts';
import type { RunSpec } from '../report/types.ts';
import type { Suite } from './suite.ts';

const ATTACK_BASE: Partial<ExperimentOptions> = { private: 300, public: 1000, chunk: 200, rounds: 10, evalSamples: 2000, evalEvery: 5, fetchTimeout: 60 };
/** What embedding runs add: embeddings exchanged and distilled. */
const EMBEDDINGS: Partial<ExperimentOptions> = { embeddings: true, nuEmb: 0.1 };
export const ATTACK_BEHAVIOURS = ['aux-shift', 'camouflage', 'partial:0.4', 'stall', 'shift', 'echo'];
const EMBEDDING_BEHAVIOURS = ['embedding-blowup'];
/** Every third agent of 32 lies: 10 of them. */
const THIRTY_PERCENT = Array.from({ length: 32 }, (_, i) => `a${i}`).filter((_, i) => i % 3 === 0);
export const ATTACK_SETTINGS = [
  { name: 'ring-8 1-liar', topology: 'ring-8', liars: ['a3'] },
  { name: 'ring-8 3-liars', topology: 'ring-8', liars: ['a1', 'a4', 'a6'] },
  { name: 'complete-8 2-liars', topology: 'complete-8', liars: ['a3', 'a6'] },
  { name: 'complete-8 3-liars', topology: 'complete-8', liars: ['a1', 'a4', 'a6'] },
  { name: 'random-regular-32 30%-liars', topology: 'random-regular-32', liars: THIRTY_PERCENT },
];
export const ATTACK_SEEDS = [1, 2];

function attackRuns(): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const s of ATTACK_SETTINGS) {
    for (const seed of ATTACK_SEEDS) {
      const group = `${s.name} s${seed}`;
      for (const [extra, behaviours, tag] of [
        [{}, ATTACK_BEHAVIOURS, ''],
        [EMBEDDINGS, EMBEDDING_BEHAVIOURS, 'emb '],
      ] as const) {
        const base = { ...ATTACK_BASE, ...extra, topology: `topologies/${s.topology}.yaml`, seed };
        const spec = (setting: string, options: Partial<ExperimentOptions>, absent?: string[]): RunSpec => ({ label: `${group} ${tag}${setting}`, group: `${group}${tag ? ' emb' : ''}`, setting, options, absent });
        runs.push(spec('absent', { ...base, defence: false }, s.liars));
        for (const defence of [false, true]) {
          const d = defence ? 'on' : 'off';
          runs.push(spec(`clean defence-${d}`, { ...base, defence }));
          for (const b of behaviours) runs.push(spec(`${b} defence-${d}`, { ...base, defence, adversary: s.liars.map((a) => `${a}=${b}`) }));
        }
      }
    }
  }
  return runs;
}

export const attacks: Suite = {
  name: 'attacks',
  about:
    'Lying peers: the default profile, MNIST skew:0.9:2, 300 private samples per agent, 1000 public, chunks of 200, 10 rounds, 2000 test samples; ring-8 with 1 liar (a3) and 3 (a1, a4, a6), complete-8 with 2 (a3, a6) and 3 (a1, a4, a6), random-regular-32 with 10 (every third); every behaviour with the defence off and on, against a clean run and a run where the liars are absent (nothing at their address); seeds 1 and 2. embedding-blowup runs exchange and distil embeddings (nuEmb 0.1), as do their references.',
  options: { nodes: 'default' },
  simulate: true,
  runs: attackRuns,
  tables: (rows, { backend }) => [attacksTable(rows.map((r) => ({ label: r.spec.label, group: r.spec.group ?? '', setting: r.spec.setting ?? '', summary: r.summary, config: r.config, absent: r.spec.absent ?? [], roundSeconds: honestRoundSeconds(r.dir, r.summary) })), backend)],
};
