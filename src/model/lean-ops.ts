// The few-kernel layers of the training step. Each is one TensorFlow.js kernel forward (bias and relu
// folded into _FusedMatMul / FusedConv2D) and a hand-written backward that computes only what the tape
// needs: tfjs's own fused ops fall back to separate matMul, add and relu whenever a gradient is being
// recorded, and their gradient always computes the input's gradient, even for the data itself.
// Kernel counts per call are measured by `npm run bench:step` (tf.profile).
import { tf } from './backend.ts';

export type Activation = 'relu' | 'linear';

const runKernel = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) =>
  tf.engine().runKernel(name, inputs as never, attrs as never) as tf.Tensor;

/**
 * dy masked by where the relu was active; dy itself for a linear layer. y >= 0 after a relu, so sign(y)
 * is that mask in one kernel (tfjs-node runs step as fill, greater and select).
 */
function activationGrad(dy: tf.Tensor, y: tf.Tensor, activation: Activation): tf.Tensor {
  return activation === 'relu' ? tf.mul(dy, tf.sign(y)) : dy;
}

/**
 * One weighted layer as a custom-gradient op: `forward` is its single kernel, `weightGrads` the kernel
 * and bias gradients from the activation's gradient g, `inputGrad` the input's. With `dataInput` the
 * input is data (the image batch): it is no input of the gradient, so `inputGrad`, the largest product
 * of the backward pass, never runs. x is saved either way: a caller's reshape of its batch inside the
 * gradient scope is disposed with the forward pass (tfjs-node frees it; cpu and wasm only share its
 * data), before the backward runs.
 */
function weightedLayer<T extends tf.Tensor, B extends tf.Tensor>(
  x: T,
  w: tf.Tensor,
  b: B,
  activation: Activation,
  dataInput: boolean,
  forward: (x: T, w: tf.Tensor, b: B) => T,
  weightGrads: (x: T, g: tf.Tensor) => [tf.Tensor, tf.Tensor],
  inputGrad: (g: tf.Tensor, w: tf.Tensor, x: T) => tf.Tensor,
): T {
  if (dataInput) {
    const op = tf.customGrad((ww, bb, save) => {
      const y = forward(x, ww as tf.Tensor, bb as B);
      (save as tf.GradSaveFunc)([x, y]);
      return { value: y, gradFunc: (dy: tf.Tensor, [sx, sy]: tf.Tensor[]) => weightGrads(sx as T, activationGrad(dy, sy, activation)) };
    });
    return op(w, b) as T;
  }
  const op = tf.customGrad((xx, ww, bb, save) => {
    const y = forward(xx as T, ww as tf.Tensor, bb as B);
    (save as tf.GradSaveFunc)([xx as tf.Tensor, ww as tf.Tensor, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sx, sw, sy]: tf.Tensor[]) => {
        const g = activationGrad(dy, sy, activation);
        return [inputGrad(g, sw, sx as T), ...weightGrads(sx as T, g)];
      },
    };
  });
  return op(x, w, b) as T;
}

/**
 * y = act(x W + b) on rank-3 operands [1, rows, in] x [1, in, out] (the fused kernels take only batched
 * matmuls, and staying rank 3 saves a reshape on either side).
 */
export function dense(x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor1D, activation: Activation, dataInput = false): tf.Tensor3D {
  return weightedLayer(
    x,
    w,
    b,
    activation,
    dataInput,
    (xx, ww, bb) => runKernel('_FusedMatMul', { a: xx, b: ww, bias: bb }, { transposeA: false, transposeB: false, activation }) as tf.Tensor3D,
    (xx, g) => [tf.matMul(xx, g as tf.Tensor3D, true, false), tf.sum(g, [0, 1])],
    (g, ww) => tf.matMul(g as tf.Tensor3D, ww as tf.Tensor3D, false, true),
  );
}

/**
 * The same layer for a stack of models: x [models, rows, in], w [models, in, out], b [models, 1, out]
 * (src/model/stacked-model.ts). The fused kernels take only a rank-1 bias, so the bias and the relu are
 * kernels of their own: three forward, whatever the number of models.
 */
export function stackedDense(x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor3D, activation: Activation, dataInput = false): tf.Tensor3D {
  return weightedLayer(
    x,
    w,
    b,
    activation,
    dataInput,
    (xx, ww, bb) => {
      const z = tf.add(tf.matMul(xx, ww as tf.Tensor3D), bb) as tf.Tensor3D;
      return activation === 'relu' ? tf.relu(z) : z;
    },
    (xx, g) => [tf.matMul(xx, g as tf.Tensor3D, true, false), tf.sum(g, 1, true)],
    (g, ww) => tf.matMul(g as tf.Tensor3D, ww as tf.Tensor3D, false, true),
  );
}

export type Padding = 'same' | 'valid';

/** y = act(conv2d(x, W, stride 1) + b), NHWC; `dataInput` as for dense. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, activation: Activation, padding: Padding, dataInput = false): tf.Tensor4D {
  const attrs = { strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
  return weightedLayer(
    x,
    w,
    b,
    activation,
    dataInput,
    (xx, ww, bb) => runKernel('FusedConv2D', { x: xx, filter: ww, bias: bb }, { ...attrs, activation }) as tf.Tensor4D,
    (xx, g) => [runKernel('Conv2DBackpropFilter', { x: xx, dy: g }, { ...attrs, filterShape: w.shape }), tf.sum(g, [0, 1, 2])],
    (g, ww, xx) => runKernel('Conv2DBackpropInput', { dy: g, filter: ww }, { ...attrs, inputShape: xx.shape }),
  );
}
