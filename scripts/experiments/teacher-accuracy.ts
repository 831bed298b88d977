// How often the teacher choice is right (README, "The default profile", "How it was found"). A diagnostic
// only an experimenter may run: it looks up the public samples' true labels in the train split, which no
// agent ever sees. One process, N learners on a ring, synchronous rounds, the project's learner, chunk and
// teacher code; every 5 rounds it prints, per head, how often the chosen target's argmax is the true label,
// how often some candidate's is, and the agents' private and shared accuracy.
// Usage: npm run teacher-accuracy -- [--dataset fashion-mnist] [--partition dirichlet:0.3] [--seed 1]
//          [--rounds 20] [--agents 8] [--chunk 500] [--nodes default] [--over '{"priorCorrection":0}']
import { parseArgs } from 'node:util';
import { prepareExperimentData } from '../../src/data/experiment-data.ts';
import { range } from '../../src/data/random.ts';
import { publicChunk } from '../../src/learning/chunks.ts';
import { Learner, type RoundTargets } from '../../src/learning/learner.ts';
import { loadProfile, profileSchema } from '../../src/learning/profile.ts';
import { targetsForHeads } from '../../src/learning/teachers.ts';
import { argmaxRow } from '../../src/learning/trust.ts';
import { headProbs, type PredictionBatch } from '../../src/learning/types.ts';
import { formatBackend, selectBackend } from '../../src/model/backend.ts';

const { values: v } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'fashion-mnist' },
    partition: { type: 'string', default: 'dirichlet:0.3' },
    seed: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '20' },
    agents: { type: 'string', default: '8' },
    chunk: { type: 'string', default: '500' },
    nodes: { type: 'string', default: 'default' },
    over: { type: 'string', default: '{}' },
  },
});
const [seed, rounds, agents, chunkSize] = [v.seed, v.rounds, v.agents, v.chunk].map(Number);
const PUBLIC = 5000;
const profile = profileSchema.parse({ ...loadProfile(v.nodes), ...JSON.parse(v.over) });
const backend = formatBackend(await selectBackend());
const data = prepareExperimentData({ dataset: v.dataset, partition: v.partition, agents, privatePerAgent: 1000, publicSize: PUBLIC, seed });
const classes = data.dataset.classes;
const truth = data.split.publicRows.map((r) => data.dataset.train.labels[r]);
const learners = range(agents).map(
  (i) => new Learner({ profile, classes, inputShape: data.dataset.inputShape, privateSet: data.privateSet(i), publicSet: data.split.publicSet, seed: seed * 1000 + i + 1 }),
);
const ring = (i: number) => [(i + 1) % agents, (i + agents - 1) % agents];
const policy = { rule: profile.teacher, gateMain: profile.gateMain, gateAux: profile.gateAux, includeSelf: profile.includeSelf, auxTeacher: profile.auxTeacher, priorCorrection: profile.priorCorrection };
const pct = (x: number, n: number) => ((x / n) * 100).toFixed(1);
console.log(`teacher accuracy: ${v.dataset} ${v.partition}, ring of ${agents}, seed ${seed}, ${rounds} rounds, chunks of ${chunkSize}, profile ${v.nodes} ${v.over}, backend ${backend}`);

let targets: (RoundTargets | undefined)[] = learners.map(() => undefined);
for (let round = 0; round < rounds; round++) {
  for (const [i, l] of learners.entries()) await l.trainRound(targets[i], { round, rounds });
  const rows = publicChunk(seed, round, chunkSize, PUBLIC);
  const preds: PredictionBatch[] = learners.map((l, i) => ({ agent: `a${i}`, round, chunkHash: `r${round}`, heads: l.heads, classes, samples: rows.length, probs: l.predict(rows).probs }));
  const heads = learners[0].heads;
  const right = new Array<number>(heads).fill(0);
  const anyRight = new Array<number>(heads).fill(0);
  targets = learners.map((_, i) => {
    const chosen = targetsForHeads(preds[i], ring(i).map((j) => preds[j]), policy);
    for (const { head: k, choice } of chosen) {
      // The same candidates targetsForHeads weighs (auxTeacher previous; the agent's own with includeSelf).
      const source = k === 0 ? 0 : k - 1;
      const candidates = [...ring(i).map((j) => headProbs(preds[j], source)), ...(k > 0 && profile.includeSelf ? [headProbs(preds[i], source)] : [])];
      rows.forEach((row, s) => {
        if (argmaxRow(choice.targets, s, classes) === truth[row]) right[k]++;
        if (candidates.some((c) => argmaxRow(c, s, classes) === truth[row])) anyRight[k]++;
      });
    }
    return { chunkRows: rows, heads: chosen };
  });
  if ((round + 1) % 5 !== 0 && round !== rounds - 1) continue;
  const n = rows.length * agents;
  const ev = await Promise.all(learners.map((l, i) => l.evaluate(data.dataset.test, data.partition.histograms[i])));
  const mean = (f: (e: (typeof ev)[number]) => number) => pct(ev.reduce((a, e) => a + f(e), 0), agents);
  console.log(
    `round ${round}: targets right ${right.map((x) => pct(x, n)).join(' / ')}; some candidate right ${anyRight.map((x) => pct(x, n)).join(' / ')}` +
      ` (heads 0..${heads - 1}); private ${mean((e) => e.privateAccuracy[0])}; shared per head ${range(heads).map((h) => mean((e) => e.sharedAccuracy[h])).join(' / ')}`,
  );
}
for (const l of learners) l.dispose();
