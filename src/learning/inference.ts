// Inference of every head on rows of a shared image set (the round's public chunk to serve, the test
// rows to evaluate on): what an agent asks for, and how one model or a stack of them computes it.
// Every agent of a run asks for the same rows of the same images, so a stack of agents computes one
// input for all of them (src/learning/step-batcher.ts).
import { tf } from '../model/backend.ts';
import type { ForwardAll, MultiHeadModel } from '../model/multi-head.ts';
import { imageRows } from '../model/tensors.ts';
import { batchInput } from './step.ts';

/** Rows of row-major byte images; agents that share `pixels` and `rows` share the input. */
export interface InferenceInput {
  readonly pixels: Uint8Array;
  readonly imageSize: number;
  readonly rows: readonly number[];
}

/** `probs`: softmax of every head, head-major [heads, rows, classes]. `classes`: argmax, [rows, heads]. */
export type InferenceOutput = 'probs' | 'classes';

export interface InferenceRequest {
  readonly input: InferenceInput;
  readonly output: InferenceOutput;
  readonly embedding: boolean;
}

export interface InferenceResult {
  readonly probs?: Float32Array;
  readonly classes?: Int32Array;
  /** [rows, embedding] */
  readonly embedding?: Float32Array;
}

/** What a model's shape says about its outputs. */
export interface OutputShape {
  readonly heads: number;
  readonly classes: number;
  readonly embeddingSize: number;
}

// Rows per pass of one model: large enough that per-kernel overhead vanishes, small enough for the
// CNN's activations (2,000 x 28 x 28 x 16 floats) to stay near 100 MB.
export const INFERENCE_ROWS = 2000;

/** Whether two requests can share one computation. */
export function sameInput(a: InferenceRequest, b: InferenceRequest): boolean {
  if (a.output !== b.output || a.input.pixels !== b.input.pixels || a.input.imageSize !== b.input.imageSize) return false;
  const [x, y] = [a.input.rows, b.input.rows];
  if (x === y) return true;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Empty outputs for `n` rows, filled pass by pass by `fillPass`. */
export function emptyResult(req: InferenceRequest, n: number, shape: OutputShape): { probs?: Float32Array; classes?: Int32Array; embedding?: Float32Array } {
  return {
    probs: req.output === 'probs' ? new Float32Array(shape.heads * n * shape.classes) : undefined,
    classes: req.output === 'classes' ? new Int32Array(n * shape.heads) : undefined,
    embedding: req.embedding ? new Float32Array(n * shape.embeddingSize) : undefined,
  };
}

/**
 * Reads one pass's outputs of `models` models (logits [models, rows, heads * classes]) into each
 * model's result, rows [start, start + rows) of `n`: softmax or argmax on the device, one read back.
 */
export function fillPass(out: ForwardAll, results: readonly ReturnType<typeof emptyResult>[], output: InferenceOutput, start: number, n: number, shape: OutputShape): void {
  const [models, rows] = out.logits.shape;
  const { heads: H, classes: c, embeddingSize: E } = shape;
  tf.tidy(() => {
    const logits = tf.reshape(out.logits, [models, rows, H, c]);
    if (output === 'probs') {
      const p = tf.softmax(logits).dataSync();
      results.forEach((res, m) => {
        for (let r = 0; r < rows; r++) {
          for (let h = 0; h < H; h++) {
            const at = ((m * rows + r) * H + h) * c;
            res.probs!.set(p.subarray(at, at + c), (h * n + start + r) * c);
          }
        }
      });
    } else {
      const k = tf.argMax(logits, 3).dataSync();
      results.forEach((res, m) => res.classes!.set(k.subarray(m * rows * H, (m + 1) * rows * H), start * H));
    }
    if (results.some((res) => res.embedding)) {
      const e = out.embedding.dataSync();
      results.forEach((res, m) => res.embedding?.set(e.subarray(m * rows * E, (m + 1) * rows * E), start * E));
    }
  });
}

/** One model's outputs on the request's rows, in passes of INFERENCE_ROWS; yields between passes. */
export async function modelInference(model: MultiHeadModel, req: InferenceRequest): Promise<InferenceResult> {
  const { pixels, imageSize, rows } = req.input;
  const n = rows.length;
  const shape = { heads: model.headCount, classes: model.spec.classes, embeddingSize: model.embeddingSize };
  const res = emptyResult(req, n, shape);
  for (let start = 0; start < n; start += INFERENCE_ROWS) {
    if (start > 0) await yieldToEventLoop();
    const end = Math.min(n, start + INFERENCE_ROWS);
    const x = imageRows(pixels, imageSize, rows.slice(start, end));
    tf.tidy(() => fillPass(model.forwardAll(batchInput(model, x, end - start)), [res], req.output, start, n, shape));
  }
  return res;
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
