// Train and inference samples/s of the two reference models (batch 64) on every backend that loads.
// Usage: npm run bench:backend [-- --seconds 3]
import { BACKENDS, tf } from '../../src/model/backend.ts';
import { loadedBackends } from './loaded-backends.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import type { BackboneName } from '../../src/model/backbones.ts';
import { formatTable } from '../../src/text/table.ts';
import { one, parseCommand, positive, whole } from '../lib/args.ts';

const { values } = parseCommand({
  name: 'bench:backend',
  about: 'Train and inference samples/s of the two reference models on every backend that loads.',
  options: { seconds: one('S', 'seconds per figure', positive, '3'), batch: one('N', 'samples per batch', whole(1), '64') },
});
const { seconds, batch } = values;

const MODELS: { label: string; backbone: BackboneName }[] = [
  { label: 'mlp 784-256-128-10', backbone: 'mlp' },
  { label: 'cnn c16-p-c32-p-d128-10', backbone: 'cnn' },
];

/** Runs `step` until `budget` seconds pass (at least 2 timed calls after 2 warm-up calls); returns calls/s. */
function rate(step: () => void, budget: number): number {
  step();
  step();
  let calls = 0;
  const start = performance.now();
  while (calls < 2 || performance.now() - start < budget * 1000) {
    step();
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
}

const rows: (string | number)[][] = [];
/** Training samples/s per backend and backbone, for the ratios printed under the table. */
const trainRates = new Map<string, number>();
for await (const { name, label } of loadedBackends(BACKENDS)) {
  for (const m of MODELS) {
    const model = new MultiHeadModel({ backbone: m.backbone, auxHeads: 0, classes: 10, inputShape: [28, 28, 1], seed: 1 });
    const optimizer = tf.train.adam(1e-3);
    const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 7);
    const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 8), 10);
    const vars = model.trainableVariables();
    const train = () => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x, true).logits[0]) as tf.Scalar, true, vars);
      loss?.dataSync();
      loss?.dispose();
    };
    const infer = () => {
      tf.tidy(() => tf.softmax(model.forward(x, false).logits[0]).dataSync());
    };
    const trainRate = rate(train, seconds) * batch;
    const inferRate = rate(infer, seconds) * batch;
    rows.push([label, m.label, Math.round(trainRate), Math.round(inferRate)]);
    trainRates.set(`${name} ${m.backbone}`, trainRate);
    console.log(`${label}  ${m.label}: train ${Math.round(trainRate)} samples/s, inference ${Math.round(inferRate)} samples/s`);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}
console.log(`\nbatch ${batch}, ~${seconds}s per figure, ${process.arch}, Node ${process.version}`);
console.log(formatTable(['backend', 'model', 'train samples/s', 'inference samples/s'], rows));
for (const m of MODELS) {
  const native = trainRates.get(`native ${m.backbone}`);
  const wasm = trainRates.get(`wasm ${m.backbone}`);
  if (native !== undefined && wasm !== undefined) {
    console.log(`${m.backbone} training, native / wasm: ${(native / wasm).toFixed(2)}x (${Math.round(native)} vs ${Math.round(wasm)} samples/s)`);
  }
}
