// Lying peers (README, "Lying peers"): every behaviour, 1 liar on ring-8 and 2 on complete-8, each
// teacher rule with the defence off and on, against clean and liar-absent runs of the same seed. Every
// run in one process (simulate), so that an absent agent is simply not started.
import type { ExperimentOptions } from '../../../src/cluster/run-options.ts';
import { TEACHER_RULES } from '../../../src/learning/teachers.ts';
import { attacksTable } from '../report/attacks.ts';
import type { RunSpec } from '../report/types.ts';
import type { Suite } from './suite.ts';

const ATTACK_BASE: Partial<ExperimentOptions> = { private: 300, public: 1000, chunk: 200, rounds: 10, evalSamples: 2000, evalEvery: 5, fetchTimeout: 60 };
const BEHAVIOUR_RUNS = ['shift', 'constant:0', 'random', 'noise', 'sleeper:3', 'echo', 'silent'];
const ATTACK_SETTINGS = [
  { t: 'ring-8', liars: ['a3'] },
  { t: 'complete-8', liars: ['a3', 'a6'] },
];

function attackRuns(): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const { t, liars } of ATTACK_SETTINGS) {
    const topology = `topologies/${t}.yaml`;
    runs.push({ label: `${t} isolated`, options: { ...ATTACK_BASE, topology, mode: 'isolated' } });
    for (const teacher of TEACHER_RULES) {
      const base = { ...ATTACK_BASE, topology, teacher };
      runs.push({ label: `${t} ${teacher} absent`, options: { ...base, defence: false }, absent: liars });
      for (const defence of [false, true]) {
        const d = defence ? 'on' : 'off';
        runs.push({ label: `${t} ${teacher} clean defence-${d}`, options: { ...base, defence } });
        for (const b of BEHAVIOUR_RUNS) runs.push({ label: `${t} ${teacher} ${b} defence-${d}`, options: { ...base, defence, adversary: liars.map((a) => `${a}=${b}`) } });
      }
    }
  }
  return runs;
}

export const attacks: Suite = {
  name: 'attacks',
  about:
    'Lying peers: MNIST skew:0.9:2, 300 private samples per agent, 1000 public, chunks of 200, 10 rounds, 2000 test samples; 1 liar (a3) on ring-8 and 2 (a3, a6) on complete-8, every behaviour, each teacher rule with the defence off and on, against a clean run and a run where the liars are absent (nothing at their address).',
  simulate: true,
  runs: attackRuns,
  tables: (rows, { backend }) => [attacksTable(rows.map((r) => ({ label: r.spec.label, summary: r.summary, kbPerRound: r.kbPerRound, config: r.config, absent: r.spec.absent ?? [] })), backend)],
};
