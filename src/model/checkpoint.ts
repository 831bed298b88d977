// Model weights on disk: a JSON header line (names, shapes, the model spec) then raw little-endian
// float32 values. Written to a temporary file and renamed, so a crash never leaves half a checkpoint.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { MultiHeadModel, MultiHeadSpec } from './multi-head.ts';

interface Header {
  format: 'mhd-weights-1';
  spec: MultiHeadSpec;
  tensors: { name: string; shape: number[] }[];
  /** Free-form state the caller wants back on resume (round number, peer id, ...). */
  meta: Record<string, unknown>;
}

export function saveCheckpoint(file: string, model: MultiHeadModel, meta: Record<string, unknown> = {}): void {
  const weights = model.getWeights();
  const header: Header = { format: 'mhd-weights-1', spec: model.spec, tensors: weights.map(({ name, shape }) => ({ name, shape })), meta };
  const head = Buffer.from(JSON.stringify(header) + '\n', 'utf8');
  const total = weights.reduce((a, w) => a + w.values.length, 0);
  const body = new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    body.set(w.values, offset);
    offset += w.values.length;
  }
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, Buffer.concat([head, Buffer.from(body.buffer, body.byteOffset, body.byteLength)]));
  renameSync(tmp, file);
}

export interface Checkpoint {
  spec: MultiHeadSpec;
  meta: Record<string, unknown>;
  weights: { name: string; shape: number[]; values: Float32Array }[];
}

export function readCheckpoint(file: string): Checkpoint {
  const bytes = readFileSync(file);
  const nl = bytes.indexOf(0x0a);
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(0, nl).toString('utf8')) as Header;
  } catch {
    throw new Error(`${file}: not an mhd checkpoint (bad header)`);
  }
  if (header.format !== 'mhd-weights-1') throw new Error(`${file}: unknown checkpoint format ${String(header.format)}`);
  const data = bytes.subarray(nl + 1);
  // Copy into an aligned buffer: Float32Array needs a 4-byte aligned offset.
  const floats = new Float32Array(new Uint8Array(data).buffer);
  const needed = header.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  if (floats.length !== needed) throw new Error(`${file}: checkpoint holds ${floats.length} values, its header promises ${needed}`);
  let offset = 0;
  const weights = header.tensors.map((t) => {
    const size = t.shape.reduce((x, y) => x * y, 1);
    const values = floats.slice(offset, offset + size);
    offset += size;
    return { name: t.name, shape: t.shape, values };
  });
  return { spec: header.spec, meta: header.meta, weights };
}

export function loadCheckpointInto(file: string, model: MultiHeadModel): Checkpoint {
  const cp = readCheckpoint(file);
  const a = JSON.stringify({ ...cp.spec, seed: 0 });
  const b = JSON.stringify({ ...model.spec, seed: 0 });
  if (a !== b) throw new Error(`${file}: checkpoint is of a different model (${a}) than this agent's (${b})`);
  model.setWeights(cp.weights);
  return cp;
}
