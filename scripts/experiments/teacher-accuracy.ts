// How often the teacher choice is right (docs/results.md, "How the default was found"). A diagnostic
// only an experimenter may run: it looks up the public samples' true labels in the train split, which no
// agent ever sees. One process, N learners on a ring, synchronous rounds, the project's learner, chunk and
// strategy (src/learning/strategy.ts, the one the agents run); every 5 rounds it prints, per head, how
// often the chosen target's argmax is the true label, how often some candidate's is (the candidates as
// the strategy weighed them: auxTeacher's heads, prior-corrected when the profile says so), and the
// agents' private and shared accuracy.
// Usage: npm run teacher-accuracy -- [--dataset fashion-mnist] [--partition dirichlet:0.3] [--seed 1]
//          [--rounds 20] [--agents 8] [--chunk 500] [--nodes default] [--over '{"priorCorrection":0}']
import { assertDatasetName } from '../../src/data/datasets.ts';
import { prepareExperimentData } from '../../src/data/experiment-data.ts';
import { parsePartitionSpec } from '../../src/data/partition.ts';
import { range } from '../../src/data/random.ts';
import { publicChunk } from '../../src/learning/chunks.ts';
import { Learner, type RoundTargets } from '../../src/learning/learner.ts';
import { loadProfile, profileSchema } from '../../src/learning/profile.ts';
import { distillation, distillationPolicy } from '../../src/learning/strategy.ts';
import { argmaxRow } from '../../src/learning/trust.ts';
import type { PredictionBatch } from '../../src/learning/types.ts';
import { formatBackend, selectBackend } from '../../src/model/backend.ts';
import { pct } from '../../src/text/format.ts';
import { nonEmpty, one, parseCommand, whole } from '../lib/args.ts';

const checked = <T>(read: (raw: string) => T) => (raw: string) => {
  read(raw);
  return raw;
};
const { values: v } = parseCommand({
  name: 'teacher-accuracy',
  about: 'How often the teacher choice is right, per head, on a ring of learners in one process (a diagnostic: it reads the public labels).',
  options: {
    dataset: one('NAME', 'mnist, fashion-mnist, idx:DIR or cifar10:DIR', checked(assertDatasetName), 'fashion-mnist'),
    partition: one('SPEC', 'iid | skew:S:C | dirichlet:ALPHA | shards:K', checked(parsePartitionSpec), 'dirichlet:0.3'),
    seed: one('N', 'seed of data, models and chunks', whole(0), '1'),
    rounds: one('N', 'rounds', whole(1), '20'),
    agents: one('N', 'learners on the ring', whole(3), '8'),
    chunk: one('N', 'public samples per round', whole(1), '500'),
    nodes: one('PROFILE', 'agent profile', nonEmpty, 'default'),
    over: one('JSON', 'profile fields to override, as JSON', (raw) => JSON.parse(raw) as Record<string, unknown>, '{}'),
  },
});
const { seed, rounds, agents, chunk: chunkSize } = v;
const PUBLIC = 5000;
const profile = profileSchema.parse({ ...loadProfile(v.nodes), ...v.over });
const backend = formatBackend(await selectBackend());
const data = prepareExperimentData({ dataset: v.dataset, partition: v.partition, agents, privatePerAgent: 1000, publicSize: PUBLIC, seed });
const classes = data.dataset.classes;
const truth = data.split.publicRows.map((r) => data.dataset.train.labels[r]);
const learners = range(agents).map(
  (i) => new Learner({ profile, classes, inputShape: data.dataset.inputShape, privateSet: data.privateSet(i), publicSet: data.split.publicSet, seed: seed * 1000 + i + 1 }),
);
const ring = (i: number) => [(i + 1) % agents, (i + agents - 1) % agents];
// f32 predictions in one process: no encoding floor.
const strategy = distillation(distillationPolicy(profile, false, 0));
const share = (x: number, n: number) => pct(x / n);
console.log(`teacher accuracy: ${v.dataset} ${v.partition}, ring of ${agents}, seed ${seed}, ${rounds} rounds, chunks of ${chunkSize}, profile ${v.nodes} ${JSON.stringify(v.over)}, backend ${backend}`);

let targets: (RoundTargets | undefined)[] = learners.map(() => undefined);
for (let round = 0; round < rounds; round++) {
  for (const [i, l] of learners.entries()) await l.trainRound(targets[i], { round, rounds });
  const rows = publicChunk(seed, round, chunkSize, PUBLIC);
  const preds: PredictionBatch[] = [];
  for (const [i, l] of learners.entries()) preds.push({ agent: `a${i}`, round, chunkHash: `r${round}`, heads: l.heads, classes, samples: rows.length, probs: (await l.predict(rows)).probs });
  const heads = learners[0].heads;
  const right = new Array<number>(heads).fill(0);
  const anyRight = new Array<number>(heads).fill(0);
  targets = learners.map((_, i) => {
    const decision = strategy({ round, answers: ring(i).map((j) => preds[j]), ownFor: (r) => (r === round ? preds[i] : undefined), rowsFor: () => rows });
    for (const { head: k, choice } of decision.targets?.heads ?? []) {
      rows.forEach((row, s) => {
        if (argmaxRow(choice.targets, s, classes) === truth[row]) right[k]++;
        if ((choice.candidates ?? []).some((c) => argmaxRow(c, s, classes) === truth[row])) anyRight[k]++;
      });
    }
    return decision.targets;
  });
  if ((round + 1) % 5 !== 0 && round !== rounds - 1) continue;
  const n = rows.length * agents;
  const ev = await Promise.all(learners.map((l, i) => l.evaluate(data.dataset.test, data.partition.histograms[i])));
  const mean = (f: (e: (typeof ev)[number]) => number) => share(ev.reduce((a, e) => a + f(e), 0), agents);
  console.log(
    `round ${round}: targets right ${right.map((x) => share(x, n)).join(' / ')}; some candidate right ${anyRight.map((x) => share(x, n)).join(' / ')}` +
      ` (heads 0..${heads - 1}); private ${mean((e) => e.privateAccuracy[0])}; shared per head ${range(heads).map((h) => mean((e) => e.sharedAccuracy[h])).join(' / ')}`,
  );
}
for (const l of learners) l.dispose();
