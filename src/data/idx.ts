// The IDX format of MNIST-style files: a big-endian header (magic with element type and rank, then one
// uint32 per dimension) followed by the raw elements.

export interface IdxArray {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

export function parseIdx(input: Uint8Array, source: string): IdxArray {
  // A plain view, so a Node Buffer from readFileSync does not leak its type into the data layer.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length < 4) throw new Error(`${source}: not an IDX file (only ${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0) throw new Error(`${source}: not an IDX file (bad magic number)`);
  const type = view.getUint8(2);
  const rank = view.getUint8(3);
  if (type !== UNSIGNED_BYTE) {
    throw new Error(`${source}: IDX element type 0x${type.toString(16)} is not supported (only unsigned bytes)`);
  }
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new Error(`${source}: truncated IDX header`);
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(view.getUint32(4 + 4 * d));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - headerSize < count) {
    throw new Error(`${source}: truncated IDX data (${bytes.length - headerSize} bytes, shape ${shape.join('x')} needs ${count})`);
  }
  return { shape, data: bytes.subarray(headerSize, headerSize + count) };
}
