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
 * y = act(x W + b) on rank-3 operands [1, rows, in] x [1, in, out] (the fused kernels take only batched
 * matmuls, and staying rank 3 saves a reshape on either side). With `dataInput` the input is data (the image batch): it is not an input of the
 * gradient, so its gradient, the largest matmul of the backward pass, is never computed.
 */
export function dense(x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor1D, activation: Activation, dataInput = false): tf.Tensor3D {
  const forward = (xx: tf.Tensor3D, ww: tf.Tensor3D, bb: tf.Tensor1D) =>
    runKernel('_FusedMatMul', { a: xx, b: ww, bias: bb }, { transposeA: false, transposeB: false, activation }) as tf.Tensor3D;
  if (dataInput) {
    const op = tf.customGrad((ww, bb, save) => {
      const y = forward(x, ww as tf.Tensor3D, bb as tf.Tensor1D);
      // x is saved too: a caller's reshape of its batch inside the gradient scope is disposed with the
      // forward pass (tfjs-node frees it; cpu and wasm only share its data), before the backward runs.
      (save as tf.GradSaveFunc)([x, y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const g = activationGrad(dy, saved[1], activation);
          return [tf.matMul(saved[0] as tf.Tensor3D, g as tf.Tensor3D, true, false), tf.sum(g, [0, 1])];
        },
      };
    });
    return op(w, b) as tf.Tensor3D;
  }
  const op = tf.customGrad((xx, ww, bb, save) => {
    const y = forward(xx as tf.Tensor3D, ww as tf.Tensor3D, bb as tf.Tensor1D);
    (save as tf.GradSaveFunc)([xx as tf.Tensor, ww as tf.Tensor, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as tf.Tensor3D[];
        const g = activationGrad(dy, sy, activation) as tf.Tensor3D;
        return [tf.matMul(g, sw, false, true), tf.matMul(sx, g, true, false), tf.sum(g, [0, 1])];
      },
    };
  });
  return op(x, w, b) as tf.Tensor3D;
}

/** y = relu(conv2d(x, W, stride 1, same padding) + b), NHWC; `dataInput` as for dense. */
export function convRelu(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, dataInput = false): tf.Tensor4D {
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
  const forward = (xx: tf.Tensor4D, ww: tf.Tensor4D, bb: tf.Tensor1D) => runKernel('FusedConv2D', { x: xx, filter: ww, bias: bb }, { ...attrs, activation: 'relu' }) as tf.Tensor4D;
  const filterGrad = (xx: tf.Tensor4D, g: tf.Tensor) => runKernel('Conv2DBackpropFilter', { x: xx, dy: g }, { ...attrs, filterShape: w.shape });
  if (dataInput) {
    const op = tf.customGrad((ww, bb, save) => {
      const y = forward(x, ww as tf.Tensor4D, bb as tf.Tensor1D);
      (save as tf.GradSaveFunc)([x, y]); // x saved as in dense()
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const g = activationGrad(dy, saved[1], 'relu');
          return [filterGrad(saved[0] as tf.Tensor4D, g), tf.sum(g, [0, 1, 2])];
        },
      };
    });
    return op(w, b) as tf.Tensor4D;
  }
  const op = tf.customGrad((xx, ww, bb, save) => {
    const y = forward(xx as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D);
    (save as tf.GradSaveFunc)([xx as tf.Tensor, ww as tf.Tensor, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved;
        const g = activationGrad(dy, sy, 'relu');
        const dx = runKernel('Conv2DBackpropInput', { dy: g, filter: sw }, { ...attrs, inputShape: sx.shape });
        return [dx, filterGrad(sx as tf.Tensor4D, g), tf.sum(g, [0, 1, 2])];
      },
    };
  });
  return op(x, w, b) as tf.Tensor4D;
}
