// Three fixes to the wasm backend, each measured on this project's models.
//
// 1. The wasm backend ships no Conv2DBackpropFilter kernel, so a CNN cannot train on it. The filter
// gradient dW[p,q,i,o] = sum over b,y,x of xPadded[b, y*s+p, x*s+q, i] * dy[b,y,x,o] is itself a
// convolution: with the batch as channels, convolve x^T [i, H, W, b] with dy^T [oh, ow, b, o] dilated by
// the stride, and wasm's fast Conv2D (XNNPACK) does the work. Against the first version (the brief's
// Conv3DBackpropFilterV2 on a depth-1 view), per call at batch 96 on the project's CNN: 77 -> 38 ms for
// the first layer, 560 -> 37 ms for the second, measured on a busy 2-core machine. (Conv3DBackpropFilterV2
// also gives wrong gradients for strides above 1: only the first filter tap matched cpu.)
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];

function wasmKernel(name: string): (args: KernelArgs) => TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (k === undefined) throw new Error(`the wasm backend lacks the ${name} kernel`);
  return k.kernelFunc as (args: KernelArgs) => TensorInfo;
}

function conv2DBackpropFilterViaConv2D(args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as NamedAttrMap & {
    strides: number | [number, number];
    pad: unknown;
    dataFormat?: string;
    filterShape: [number, number, number, number];
  };
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${attrs.dataFormat}`);
  }
  if (attrs.pad !== 'same' && attrs.pad !== 'valid') {
    throw new Error(`Conv2DBackpropFilter on wasm supports "same" and "valid" padding only, got ${JSON.stringify(attrs.pad)}`);
  }
  const backend = args.backend as tf.KernelBackend;
  const [sh, sw] = typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
  const [fh, fw, ci, co] = attrs.filterShape;
  const { padInfo: p } = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, [sh, sw], 1, attrs.pad);
  const call = (name: string, inputs: Record<string, TensorInfo>, a: NamedAttrMap) => wasmKernel(name)({ backend, inputs, attrs: a });
  const temps: TensorInfo[] = [];
  const temp = (t: TensorInfo) => (temps.push(t), t);
  try {
    let xt = temp(call('Transpose', { x }, { perm: [3, 1, 2, 0] })); // [ci, H, W, b]
    if (p.top || p.bottom || p.left || p.right) {
      xt = temp(call('PadV2', { x: xt }, { paddings: [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]], constantValue: 0 }));
    }
    const dyt = temp(call('Transpose', { x: dy }, { perm: [1, 2, 0, 3] })); // [oh, ow, b, co]
    let dw = temp(call('Conv2D', { x: xt, filter: dyt }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw] })); // [ci, >=fh, >=fw, co]
    // Rows and columns that no output position reached (strided "valid" borders) are cut off.
    if (dw.shape[1] !== fh || dw.shape[2] !== fw) dw = temp(call('Slice', { x: dw }, { begin: [0, 0, 0, 0], size: [ci, fh, fw, co] }));
    return call('Transpose', { x: dw }, { perm: [1, 2, 0, 3] }); // [fh, fw, ci, co]
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

// 2. wasm's BatchMatMul with transposeA or transposeB (every dense layer's backward pass) runs 5-6x
// slower than an explicit Transpose followed by a plain BatchMatMul (64x784 by 64x256: 9.1 ms vs 1.6 ms),
// so the wrapper transposes first. This made MLP training about 4x faster on wasm. Only a batch of one
// reaches XNNPACK; a larger batch (the stacked agents of src/model/stacked-model.ts) falls to a scalar
// loop, 10x slower per matrix ([8, 96, 784] by [8, 784, 256]: 15 ms per matrix against 1.4), so the
// wrapper runs each matrix of the batch as a batch of one, through views of the heap.
function batchMatMulTransposingFirst(plain: KernelConfig['kernelFunc']) {
  return (args: KernelArgs): TensorInfo => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const backend = args.backend as tf.KernelBackend;
    if (!transposeA && !transposeB) return perMatrix(plain, args);
    const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
    const swapLast = (t: TensorInfo): TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return transpose({ backend, inputs: { x: t }, attrs: { perm } }) as TensorInfo;
    };
    const at = transposeA ? swapLast(a) : a;
    const bt = transposeB ? swapLast(b) : b;
    const out = perMatrix(plain, { ...args, inputs: { ...args.inputs, a: at, b: bt }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    if (at !== a) backend.disposeData(at.dataId);
    if (bt !== b) backend.disposeData(bt.dataId);
    return out;
  };
}

/** A plain (untransposed) batched product, one XNNPACK call per matrix when both operands have the same batch of more than one. */
function perMatrix(plain: KernelConfig['kernelFunc'], args: KernelArgs): TensorInfo {
  const { a, b, bias } = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo };
  const batch = a.shape.length === 3 ? a.shape[0] : 1;
  if (batch === 1 || b.shape.length !== 3 || b.shape[0] !== batch || bias !== undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return plain(args) as TensorInfo;
  const heap = args.backend as unknown as WasmBackendLike;
  const backend = args.backend as tf.KernelBackend;
  const [, m, k] = a.shape;
  const n = b.shape[2];
  const out = heap.makeOutput([batch, m, n], 'float32');
  const ai = heap.makeOutput([1, m, k], 'float32');
  try {
    for (let i = 0; i < batch; i++) {
      // XNNPACK caches its packed weights by b's tensor id, so each matrix gets a b of its own (its
      // disposal drops the cache entry). Views are taken after every makeOutput, which may move the heap.
      const bi = heap.makeOutput([1, k, n], 'float32');
      heap.typedArrayFromHeap(ai).set(heap.typedArrayFromHeap(a).subarray(i * m * k, (i + 1) * m * k));
      heap.typedArrayFromHeap(bi).set(heap.typedArrayFromHeap(b).subarray(i * k * n, (i + 1) * k * n));
      const oi = plain({ ...args, inputs: { a: ai, b: bi } }) as TensorInfo;
      heap.typedArrayFromHeap(out).set(heap.typedArrayFromHeap(oi), i * m * n);
      backend.disposeData(oi.dataId);
      backend.disposeData(bi.dataId);
    }
  } finally {
    backend.disposeData(ai.dataId);
  }
  return out;
}

// 3. wasm's SplitV slices its input once per part, and each slice starts by copying the whole input
// out of the heap (readSync). The flat optimizer splits its 235,000-value update into 6 parts every step:
// 1.1 ms of a 10 ms MLP step (tf.profile, 20 steps). Parts along the first axis are contiguous, so
// they are copied straight from a view of the heap; other axes go to the original kernel.
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}
function splitVFromHeap(plain: KernelConfig['kernelFunc']) {
  return (args: KernelArgs): TensorInfo[] => {
    const x = args.inputs.x as TensorInfo;
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    if (ax !== 0 || x.dtype === 'string') return plain(args) as TensorInfo[];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const backend = args.backend as unknown as WasmBackendLike;
    const row = tf.util.sizeFromShape(x.shape.slice(1));
    let offset = 0;
    return sizes.map((n) => {
      const out = backend.makeOutput([n, ...x.shape.slice(1)], x.dtype);
      // The view is taken after makeOutput, which may grow (and so move) the heap.
      backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + n * row));
      offset += n * row;
      return out;
    });
  };
}

let registered = false;

/** Idempotent: installs the kernels once per process. */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: conv2DBackpropFilterViaConv2D as unknown as KernelConfig['kernelFunc'],
    });
  }
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (matMul !== undefined) {
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMulTransposingFirst(matMul.kernelFunc) as KernelConfig['kernelFunc'] });
  }
  const split = tf.getKernel('SplitV', 'wasm');
  if (split !== undefined) {
    tf.unregisterKernel('SplitV', 'wasm');
    tf.registerKernel({ kernelName: 'SplitV', backendName: 'wasm', kernelFunc: splitVFromHeap(split.kernelFunc) as unknown as KernelConfig['kernelFunc'] });
  }
}
