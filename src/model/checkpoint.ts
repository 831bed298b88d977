// Model weights on disk: a JSON header line (names, shapes, the model spec, a SHA-256 of the body) then
// raw little-endian float32 values. Written to a temporary file and renamed, so a crash never leaves
// half a checkpoint; checked on load (checksum, length, finite values), so a damaged one is refused by name.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ModelView, MultiHeadSpec } from './multi-head.ts';

const FORMAT = 'mhd-weights-2';

interface Header {
  format: typeof FORMAT;
  spec: MultiHeadSpec;
  tensors: { name: string; shape: number[] }[];
  /** SHA-256 (hex) of the bytes after the header line. */
  sha256: string;
  /** Free-form state the caller wants back on resume (round number, peer id, ...). */
  meta: Record<string, unknown>;
}

/** A checkpoint file that cannot be used: damaged, cut short, of an old format, or holding NaN/Infinity. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.file = file;
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function saveCheckpoint(file: string, model: ModelView, meta: Record<string, unknown> = {}): void {
  const weights = model.getWeights();
  const total = weights.reduce((a, w) => a + w.values.length, 0);
  const body = new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    body.set(w.values, offset);
    offset += w.values.length;
  }
  const bodyBytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const header: Header = { format: FORMAT, spec: model.spec, tensors: weights.map(({ name, shape }) => ({ name, shape })), sha256: sha256(bodyBytes), meta };
  const head = Buffer.from(JSON.stringify(header) + '\n', 'utf8');
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, Buffer.concat([head, bodyBytes]));
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
    if (nl < 0) throw new Error('no header line');
    header = JSON.parse(bytes.subarray(0, nl).toString('utf8')) as Header;
  } catch {
    throw new CheckpointError(file, 'not an mhd checkpoint (bad header)');
  }
  if ((header.format as string) === 'mhd-weights-1') {
    throw new CheckpointError(file, 'checkpoint of an older mhd, without a checksum: delete it, or run without --resume');
  }
  if (header.format !== FORMAT) throw new CheckpointError(file, `unknown checkpoint format ${String(header.format)}`);
  const data = bytes.subarray(nl + 1);
  if (sha256(data) !== header.sha256) throw new CheckpointError(file, `checksum mismatch: the file is damaged or cut short (${data.length} bytes of weights)`);
  if (data.length % 4 !== 0) throw new CheckpointError(file, `${data.length} bytes of weights is not a whole number of float32 values`);
  // Copy into an aligned buffer: Float32Array needs a 4-byte aligned offset.
  const floats = new Float32Array(new Uint8Array(data).buffer);
  const needed = header.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  if (floats.length !== needed) throw new CheckpointError(file, `checkpoint holds ${floats.length} values, its header promises ${needed}`);
  let offset = 0;
  const weights = header.tensors.map((t) => {
    const size = t.shape.reduce((x, y) => x * y, 1);
    const values = floats.slice(offset, offset + size);
    offset += size;
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new CheckpointError(file, `non-finite value (${values[bad]}) in tensor ${t.name} at index ${bad}: the model had diverged`);
    return { name: t.name, shape: t.shape, values };
  });
  return { spec: header.spec, meta: header.meta, weights };
}

export function loadCheckpointInto(file: string, model: ModelView): Checkpoint {
  const cp = readCheckpoint(file);
  const a = JSON.stringify({ ...cp.spec, seed: 0 });
  const b = JSON.stringify({ ...model.spec, seed: 0 });
  if (a !== b) throw new CheckpointError(file, `checkpoint is of a different model (${a}) than this agent's (${b})`);
  model.setWeights(cp.weights);
  return cp;
}
