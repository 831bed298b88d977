// npm run bench:step [-- --seconds 3 --backend wasm]: the training step of the default profile (MLP,
// 4 heads, 32 private + 64 public samples, labelled auxiliary heads, 3 distilling heads, Adam) and the
// same step on the mlp-small and CNN backbones, on every backend that loads, with inference of all heads on a
// 500-row chunk. One line per backend and step: kernels (tf.profile of one call), ms, samples/s. Then
// the PyTorch twin (../shared/bench/torch_twin.py) on the same machine when a python with torch is there.
// For the dense backbones, also the stacked step of --agents N co-located agents (src/learning/
// stacked-step.ts), each with its own batch: kernels and ms per agent-step; and their inference of
// the same 500 rows (src/learning/stacked-inference.ts): kernels and ms per agent.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../src/data/random.ts';
import { FlatOptimizer } from '../../src/learning/flat-optimizer.ts';
import { loadProfile } from '../../src/learning/profile.ts';
import { batchInput, trainStep, type StepBatch } from '../../src/learning/step.ts';
import { BACKENDS, parseBackendName, tf, type BackendName } from '../../src/model/backend.ts';
import { loadedBackends } from './loaded-backends.ts';
import { BACKBONES } from '../../src/model/backbones.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';
import { StackedModel, stackable } from '../../src/model/stacked-model.ts';
import { StackedOptimizer, stackedTrainStep } from '../../src/learning/stacked-step.ts';
import { stackedInference } from '../../src/learning/stacked-inference.ts';
import { one, parseCommand, positive } from '../lib/args.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TWIN = resolve(ROOT, '..', 'shared', 'bench', 'torch_twin.py');

const { values } = parseCommand({
  name: 'bench:step',
  about: "The default profile's training step and the inference of all heads, per backbone, on every backend that loads (cpu only when asked for).",
  options: {
    seconds: one('S', 'seconds per figure', positive, '3'),
    agents: one('N,N', 'stacked agents per step (0: none)', (raw) => {
      const v = raw.split(',').map(Number);
      if (v.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`must be counts separated by commas, got "${raw}"`);
      return v.filter((n) => n > 0);
    }, '8,64'),
    backend: one('native|wasm|cpu', 'this backend only', (raw) => {
      try {
        return parseBackendName(raw);
      } catch {
        throw new Error(`must be native (or node), wasm or cpu, got "${raw}"`);
      }
    }),
  },
});
const { seconds } = values;
const backends: readonly BackendName[] = values.backend === undefined ? BACKENDS.filter((b) => b !== 'cpu') : [values.backend];

const profile = loadProfile('default');
const P = profile.batchPrivate;
const U = profile.batchPublic;
const C = 10;
const CHUNK = 500;

/** Calls/s of `f` over about `seconds` (after 5 warm-up calls, at least 5 timed). */
function msPerCall(f: () => void): number {
  for (let i = 0; i < 5; i++) f();
  let n = 0;
  const start = performance.now();
  while (n < 5 || performance.now() - start < seconds * 1000) {
    f();
    n++;
  }
  return (performance.now() - start) / n;
}

/** The same for an async `f`, awaited call by call. */
async function msPerCallAsync(f: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await f();
  let n = 0;
  const start = performance.now();
  while (n < 5 || performance.now() - start < seconds * 1000) {
    await f();
    n++;
  }
  return (performance.now() - start) / n;
}

async function kernels(f: () => unknown): Promise<number> {
  return (await tf.profile(async () => void (await f()))).kernels.length;
}

const pad = (s: string, n: number) => s.padEnd(n);
const line = (backend: string, what: string, k: number, ms: number, samples: number) =>
  console.log(`${pad(backend, 20)} ${pad(what, 34)} ${String(Number(k.toFixed(2))).padStart(4)} kernels ${ms.toFixed(2).padStart(7)} ms ${String(Math.round((samples / ms) * 1000)).padStart(7)} samples/s`);

for await (const { label } of loadedBackends(backends)) {
  for (const backbone of BACKBONES) {
    const model = new MultiHeadModel({ backbone, auxHeads: profile.auxHeads, classes: C, inputShape: [28, 28, 1], seed: 1 });
    const optimizer = new FlatOptimizer(profile.optimizer, profile.learningRate, model.trainableVariables());
    const rng = createRng(7);
    const x = Float32Array.from({ length: (P + U) * 784 }, () => rng.next());
    const labels = Uint8Array.from({ length: P }, () => rng.int(C));
    const soft = () => {
      const t = Float32Array.from({ length: U * C }, () => rng.next());
      for (let r = 0; r < U; r++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += t[r * C + c];
        for (let c = 0; c < C; c++) t[r * C + c] /= s;
      }
      return { targets: t, mask: new Float32Array(U).fill(1) };
    };
    const batch: StepBatch = { x, labels, publicRows: U, headTargets: Array.from({ length: model.headCount }, (_, k) => (k === 0 && profile.nu0 === 0 ? undefined : soft())) };
    const w = { nu0: profile.nu0, nuAux: profile.nuAux, nuEmb: profile.nuEmb, temperature: profile.temperature, auxLabels: profile.auxLabels };
    const step = () => void trainStep(model, optimizer, batch, w);
    const what = `${backbone === 'mlp' ? 'default step' : 'step'} (${backbone}, ${model.headCount} heads)`;
    line(label, what, await kernels(step), msPerCall(step), P + U);
    const chunk = Float32Array.from({ length: CHUNK * 784 }, () => rng.next());
    const infer = () => tf.tidy(() => void tf.softmax(tf.reshape(model.forwardAll(batchInput(model, chunk, CHUNK)).logits, [CHUNK, model.headCount, C])).dataSync());
    line(label, `inference, all ${model.headCount} heads (${backbone})`, await kernels(infer), msPerCall(infer), CHUNK);
    optimizer.dispose();
    model.dispose();
    if (!stackable({ backbone, inputShape: [28, 28, 1] })) continue;
    for (const A of values.agents) {
      const stacked = new StackedModel({ backbone, auxHeads: profile.auxHeads, classes: C, inputShape: [28, 28, 1] });
      const init = Array.from({ length: A }, (_, i) => new MultiHeadModel({ backbone, auxHeads: profile.auxHeads, classes: C, inputShape: [28, 28, 1], seed: 1 + i }));
      stacked.addSlots(init);
      init.forEach((m) => m.dispose());
      const so = new StackedOptimizer(profile.optimizer);
      so.resetSlots(stacked, 0);
      const steps = Array.from({ length: A }, (_, slot) => ({ slot, batch, weights: w, learningRate: profile.learningRate }));
      const stackedStep = () => void stackedTrainStep(stacked, so, steps);
      const k = await kernels(stackedStep);
      const ms = msPerCall(stackedStep) / A;
      line(label, `  ${A} agents stacked, per agent-step`, k / A, ms, P + U);
      // Every agent on the same rows, as for the exchange and evaluation (src/learning/stacked-inference.ts).
      const pixels = Uint8Array.from(chunk, (v) => Math.round(v * 255));
      const req = { input: { pixels, imageSize: 784, rows: Array.from({ length: CHUNK }, (_, i) => i) }, output: 'probs' as const, embedding: false };
      const slots = Array.from({ length: A }, (_, i) => i);
      const stackedInfer = () => stackedInference(stacked, slots, req);
      line(label, `  ${A} stacked, inference per agent`, (await kernels(stackedInfer)) / A, (await msPerCallAsync(stackedInfer)) / A, CHUNK);
      so.dispose();
      stacked.dispose();
    }
  }
}
console.log(`\n${P} private + ${U} public samples per step, ${profile.auxHeads} auxiliary heads, auxLabels ${profile.auxLabels}, ${profile.optimizer}; inference on ${CHUNK} rows; ~${seconds} s per figure; ${process.arch}, Node ${process.version}`);

const python = [join(ROOT, '.venv-torch', 'bin', 'python'), 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
if (!existsSync(TWIN)) {
  console.log(`PyTorch twin: ${TWIN} is not there`);
} else if (python === undefined) {
  console.log(`PyTorch twin: no python with torch here. Once: python3 -m venv .venv-torch && .venv-torch/bin/pip install torch==2.13.0 (then rerun this)`);
} else {
  const env = { ...process.env };
  // Set on some machines for old OpenBLAS builds; it slows current wheels (the twin's header says so).
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(python, [TWIN, '--seconds', String(seconds), '--aux', String(profile.auxHeads), '--private', String(P), '--public', String(U)], { encoding: 'utf8', env });
  console.log(r.status === 0 ? `PyTorch twin, same machine, just after:\n${r.stdout.trim()}` : `PyTorch twin failed: ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`);
}
