// Two fixes to the wasm backend, both measured on this project's models.
//
// 1. The wasm backend ships no Conv2DBackpropFilter kernel, so a CNN cannot train on it. A 2-D convolution
// is a 3-D one of depth 1, and wasm does have Conv3DBackpropFilterV2: view x [b,h,w,c] as
// [b,1,h,w,c] and dy likewise, compute the 5-D filter gradient, and hand it back as 4-D. Views share
// the data id, so nothing is copied and no reference counts change. wasm's Conv3DBackpropFilterV2 is
// wrong for strides above 1 (measured against cpu: only the first filter tap matches), so strided
// convolutions take a plain loop over the same numbers instead; this project's CNNs use stride 1.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];

function conv2DBackpropFilterViaConv3D(args: KernelArgs): TensorInfo {
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
  const [sh, sw] = typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
  if (sh !== 1 || sw !== 1) return stridedFilterGrad(args.backend as tf.KernelBackend, x, dy, attrs.filterShape, sh, sw, attrs.pad);
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  if (conv3d === undefined) throw new Error('wasm backend lacks Conv3DBackpropFilterV2');
  const [b, h, w, c] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const [fh, fw, fi, fo] = attrs.filterShape;
  const dw5 = conv3d.kernelFunc({
    backend: args.backend,
    inputs: {
      x: { dataId: x.dataId, dtype: x.dtype, shape: [b, 1, h, w, c] },
      dy: { dataId: dy.dataId, dtype: dy.dtype, shape: [b, 1, oh, ow, co] },
    },
    attrs: { strides: [1, sh, sw], pad: attrs.pad, filterShape: [1, fh, fw, fi, fo] },
  }) as TensorInfo;
  return { dataId: dw5.dataId, dtype: dw5.dtype, shape: [fh, fw, fi, fo] };
}

// 2. wasm's BatchMatMul with transposeA or transposeB (every dense layer's backward pass) runs 5-6x
// slower than an explicit Transpose followed by a plain BatchMatMul (64x784 by 64x256: 9.1 ms vs 1.6 ms),
// so the wrapper transposes first. This made MLP training about 4x faster on wasm.
function batchMatMulTransposingFirst(plain: KernelConfig['kernelFunc']) {
  return (args: KernelArgs): TensorInfo => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return plain(args) as TensorInfo;
    const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
    const backend = args.backend as tf.KernelBackend;
    const swapLast = (t: TensorInfo): TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return transpose({ backend, inputs: { x: t }, attrs: { perm } }) as TensorInfo;
    };
    const at = transposeA ? swapLast(a) : a;
    const bt = transposeB ? swapLast(b) : b;
    const out = plain({ ...args, inputs: { a: at, b: bt }, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as TensorInfo;
    if (at !== a) backend.disposeData(at.dataId);
    if (bt !== b) backend.disposeData(bt.dataId);
    return out;
  };
}

let registered = false;

function stridedFilterGrad(
  backend: tf.KernelBackend,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: [number, number, number, number],
  sh: number,
  sw: number,
  pad: 'same' | 'valid',
): TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, [sh, sw], 1, pad);
  const xs = backend.readSync(x.dataId) as Float32Array;
  const dys = backend.readSync(dy.dataId) as Float32Array;
  const [b, h, w, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const [fh, fw] = filterShape;
  const dw = new Float32Array(fh * fw * ci * co);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const dyRow = ((n * oh + i) * ow + j) * co;
        for (let p = 0; p < fh; p++) {
          const r = i * sh + p - info.padInfo.top;
          if (r < 0 || r >= h) continue;
          for (let q = 0; q < fw; q++) {
            const c = j * sw + q - info.padInfo.left;
            if (c < 0 || c >= w) continue;
            const xRow = ((n * h + r) * w + c) * ci;
            for (let k = 0; k < ci; k++) {
              const xv = xs[xRow + k];
              const out = ((p * fw + q) * ci + k) * co;
              for (let o = 0; o < co; o++) dw[out + o] += xv * dys[dyRow + o];
            }
          }
        }
      }
    }
  }
  // The wasm backend's own constructor of an output that starts from given values.
  const wasm = backend as unknown as { makeOutput(shape: number[], dtype: 'float32', offset?: number, values?: Float32Array): TensorInfo };
  return wasm.makeOutput(filterShape, 'float32', undefined, dw);
}

/** Idempotent: installs both kernels once per process. */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: conv2DBackpropFilterViaConv3D as unknown as KernelConfig['kernelFunc'],
    });
  }
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (matMul !== undefined) {
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMulTransposingFirst(matMul.kernelFunc) as KernelConfig['kernelFunc'] });
  }
}
