// Inference for the agents of one stack (docs/DESIGN.md, "Batched agents"): the requests of agents that
// ask for the same rows of the same images within a gather window are computed together: the input is
// made once for all of them, and on native one batched forward pass serves every slot. Only the
// requesting slots' parameters are read, and nothing is written: inference never changes a slot.
import { tf } from '../model/backend.ts';
import type { StackedModel } from '../model/stacked-model.ts';
import { imageRows } from '../model/tensors.ts';
import { emptyResult, fillPass, INFERENCE_ROWS, sameInput, yieldToEventLoop, type InferenceRequest, type InferenceResult } from './inference.ts';

/** Counts for benchmarks: slots per computation is the batching's yield. */
export interface InferenceStats {
  /** Stacked computations run (one per distinct input gathered). */
  computations: number;
  /** Sum over computations of the slots they served. */
  slots: number;
}

/**
 * Slot-rows per pass of the batched forward: 64 slots x 500 rows keeps the widest activation
 * ([slots, rows, 256] floats of the default MLP) near 33 MB.
 */
export const STACK_PASS_SLOT_ROWS = 32_000;

/**
 * Every slot's outputs on one input; yields between passes. Native and cpu run one batched forward
 * pass, the input [1, rows, in] broadcast over the slots' [slots, in, out]; wasm runs the slots one by
 * one (its batched matmul took 3-7x as long broadcast or tiled: docs/DESIGN.md, "Batched agents").
 */
export function stackedInference(model: StackedModel, slots: readonly number[], req: InferenceRequest): Promise<InferenceResult[]> {
  return tf.getBackend() === 'wasm' ? slotBySlot(model, slots, req) : broadcast(model, slots, req);
}

function outputs(model: StackedModel, slots: readonly number[], req: InferenceRequest) {
  const s = model.scratch;
  const shape = { heads: s.headCount, classes: s.spec.classes, embeddingSize: s.embeddingSize };
  return { shape, results: slots.map(() => emptyResult(req, req.input.rows.length, shape)) };
}

/** The slots' parameters are copied once, so that the stack may grow or train between passes. */
async function broadcast(model: StackedModel, slots: readonly number[], req: InferenceRequest): Promise<InferenceResult[]> {
  const { pixels, imageSize, rows } = req.input;
  const n = rows.length;
  const { shape, results } = outputs(model, slots, req);
  const perPass = Math.max(1, Math.min(INFERENCE_ROWS, Math.floor(STACK_PASS_SLOT_ROWS / slots.length)));
  const params = tf.tidy(() => {
    const at = tf.tensor1d(Int32Array.from(slots), 'int32');
    return model.variables().map((v) => tf.gather(v, at));
  });
  try {
    for (let start = 0; start < n; start += perPass) {
      if (start > 0) await yieldToEventLoop();
      const end = Math.min(n, start + perPass);
      const x = imageRows(pixels, imageSize, rows.slice(start, end));
      tf.tidy(() => fillPass(model.forwardAll(tf.tensor3d(x, [1, end - start, imageSize]), params), results, req.output, start, n, shape));
    }
  } finally {
    tf.dispose(params);
  }
  return results;
}

/**
 * The input made once a pass, then each slot's model through the scratch model and its fused kernels
 * (a slot that is inferring is not training, so its parameters do not change between passes; each
 * load and its pass are synchronous, so slots cannot mix).
 */
async function slotBySlot(model: StackedModel, slots: readonly number[], req: InferenceRequest): Promise<InferenceResult[]> {
  const { pixels, imageSize, rows } = req.input;
  const n = rows.length;
  const { shape, results } = outputs(model, slots, req);
  for (let start = 0; start < n; start += INFERENCE_ROWS) {
    if (start > 0) await yieldToEventLoop();
    const end = Math.min(n, start + INFERENCE_ROWS);
    const x = imageRows(pixels, imageSize, rows.slice(start, end));
    tf.tidy(() => {
      const input = tf.tensor3d(x, [1, end - start, imageSize]);
      const load = model.slotLoader(slots.length);
      slots.forEach((slot, i) => tf.tidy(() => fillPass(load(slot).forwardAll(input), [results[i]], req.output, start, n, shape)));
    });
  }
  return results;
}

interface Pending {
  readonly slot: number;
  readonly req: InferenceRequest;
  readonly resolve: (r: InferenceResult) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Gathers a stack's inference requests: they run once every live agent has asked, or once the first has
 * waited `gatherMs`; requests for the same input share a computation. Computations run one at a time.
 */
export class InferenceGather {
  private pending: Pending[] = [];
  private firstAt = 0;
  private timer?: NodeJS.Timeout;
  private scheduled = false;
  private queue: Promise<void> = Promise.resolve();

  private readonly model: () => StackedModel;
  private readonly liveSlots: () => number;
  private readonly gatherMs: number;
  private readonly stats: InferenceStats;

  constructor(model: () => StackedModel, liveSlots: () => number, gatherMs: number, stats: InferenceStats) {
    this.model = model;
    this.liveSlots = liveSlots;
    this.gatherMs = gatherMs;
    this.stats = stats;
  }

  request(slot: number, req: InferenceRequest): Promise<InferenceResult> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) this.firstAt = performance.now();
      this.pending.push({ slot, req, resolve, reject });
      this.schedule();
    });
  }

  /** Re-checks the rule (an agent left, so fewer are expected). */
  schedule(): void {
    if (this.pending.length === 0 || this.scheduled) return;
    const left = this.pending.length >= this.liveSlots() ? 0 : this.gatherMs - (performance.now() - this.firstAt);
    if (left > 0) {
      this.timer ??= setTimeout(() => ((this.timer = undefined), this.schedule()), left);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = true;
    // On the next turn of the event loop, so that requests made in this one join.
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.pending;
      this.pending = [];
      this.queue = this.queue.then(() => this.run(batch));
    });
  }

  private async run(batch: readonly Pending[]): Promise<void> {
    const groups: Pending[][] = [];
    for (const p of batch) {
      const g = groups.find((g) => sameInput(g[0].req, p.req));
      if (g) g.push(p);
      else groups.push([p]);
    }
    for (const g of groups) {
      // One computation serves every request of the group: the embedding when any of them wants it.
      const req = { ...g[0].req, embedding: g.some((p) => p.req.embedding) };
      try {
        const out = await stackedInference(this.model(), g.map((p) => p.slot), req);
        this.stats.computations++;
        this.stats.slots += g.length;
        g.forEach((p, i) => p.resolve(p.req.embedding ? out[i] : { ...out[i], embedding: undefined }));
      } catch (err) {
        for (const p of g) p.reject(err);
      }
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
