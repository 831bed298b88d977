import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { selectBackend, tf } from '../../src/model/backend.ts';
import { MultiHeadModel } from '../../src/model/multi-head.ts';

async function on<T>(backend: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await selectBackend(backend);
  return f();
}

function filterGrad(xShape: number[], fShape: number[], stride: number, pad: 'same' | 'valid'): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomNormal(xShape, 0, 1, 'float32', 11) as unknown as tf.Tensor4D;
    const f = tf.randomNormal(fShape, 0, 1, 'float32', 12);
    const w = tf.randomNormal([1, 1, 1, fShape[3]], 0, 1, 'float32', 13);
    // A non-uniform upstream gradient (weights per output channel and position) catches index mix-ups.
    const g = tf.grad((filter) => tf.sum(tf.mul(tf.conv2d(x, filter as tf.Tensor4D, stride, pad), w)))(f);
    return g.dataSync() as Float32Array;
  });
}

describe('wasm kernels', () => {
  const cases: [number[], number[], number, 'same' | 'valid'][] = [
    [[2, 9, 9, 3], [3, 3, 3, 4], 1, 'valid'],
    [[2, 9, 9, 3], [3, 3, 3, 4], 1, 'same'],
    [[2, 9, 9, 3], [3, 3, 3, 4], 2, 'valid'],
    [[2, 10, 10, 3], [3, 3, 3, 4], 2, 'same'],
    [[1, 7, 8, 2], [2, 3, 2, 5], 2, 'same'],
  ];
  for (const [xs, fs, stride, pad] of cases) {
    it(`Conv2DBackpropFilter equals cpu's (x ${xs.join('x')}, filter ${fs.join('x')}, stride ${stride}, ${pad})`, async () => {
      const cpu = await on('cpu', () => filterGrad(xs, fs, stride, pad));
      const wasm = await on('wasm', () => filterGrad(xs, fs, stride, pad));
      expect(wasm.length).toBe(cpu.length);
      const maxDiff = Math.max(...cpu.map((v, i) => Math.abs(v - wasm[i])));
      expect(maxDiff).toBeLessThan(1e-4);
      expect(Math.max(...cpu.map(Math.abs))).toBeGreaterThan(0.1);
    });
  }

  it('transposed and batched matMul equal cpu (the wasm wrapper transposes first, and runs a batch matrix by matrix)', async () => {
    const run = () =>
      tf.tidy(() => {
        const a = tf.randomNormal([3, 5, 4], 0, 1, 'float32', 1);
        const b = tf.randomNormal([3, 6, 5], 0, 1, 'float32', 2);
        return [
          tf.matMul(a, b, true, true).dataSync(),
          tf.matMul(tf.transpose(a, [0, 2, 1]), b, false, true).dataSync(),
          tf.matMul(a, tf.transpose(b, [0, 2, 1]), true, false).dataSync(),
          // Plain and batched, twice: XNNPACK's weight cache must not serve one matrix's packing to another.
          tf.matMul(tf.transpose(a, [0, 2, 1]), tf.transpose(b, [0, 2, 1])).dataSync(),
          tf.matMul(tf.transpose(a, [0, 2, 1]), tf.transpose(b, [0, 2, 1])).dataSync(),
        ].map((d) => Array.from(d));
      });
    const cpu = await on('cpu', run);
    const wasm = await on('wasm', run);
    for (let k = 0; k < cpu.length; k++) {
      cpu[k].forEach((v, i) => expect(wasm[k][i]).toBeCloseTo(v, 4));
    }
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    tf.tidy(() => tf.matMul(tf.ones([4, 3]), tf.ones([4, 2]), true, false).dataSync());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a small CNN trains on wasm: its loss falls', async () => {
    await selectBackend('wasm');
    const model = new MultiHeadModel({ backbone: 'cnn', auxHeads: 0, classes: 3, inputShape: [8, 8, 1], seed: 3 });
    const x = tf.randomUniform([12, 8, 8, 1], 0, 1, 'float32', 5);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32'), 3);
    const opt = tf.train.adam(0.01);
    const losses: number[] = [];
    const dataIds: number[] = [];
    for (let i = 0; i < 30; i++) {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x, true).logits[0]) as tf.Scalar, true, model.trainableVariables())!;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      dataIds.push(tf.backend().numDataIds());
    }
    expect(losses[29]).toBeLessThan(losses[0] * 0.5);
    // the kernels' intermediate buffers are freed: the backend holds as many buffers after 30 steps as after 2
    expect(dataIds[29]).toBe(dataIds[1]);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('backend selection', () => {
  it('names the problem when a forced backend cannot load', async () => {
    await expect(selectBackend('quantum')).rejects.toThrow(/unknown backend "quantum"/);
    // Resolved, not imported: loading it here would bypass the project's quiet loader (native-load.ts).
    let native = true;
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    } catch {
      native = false;
    }
    if (!native) await expect(selectBackend('node')).rejects.toThrow(/tfjs-node is not installed/);
  });
});
