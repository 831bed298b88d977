// CIFAR-10 from its "binary version" (cifar-10-binary.tar.gz, which unpacks to cifar-10-batches-bin/):
// data_batch_1.bin .. data_batch_5.bin (train) and test_batch.bin (test). Each record is 3073 bytes:
// one label byte (0..9), then the 1024 red, 1024 green and 1024 blue bytes of a 32x32 image, each
// plane row-major. A Dataset keeps its pixels row-major height x width x channels (interleaved), so
// every record is transposed from planes to pixels here, once, as it is read.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, LabelledSet } from './types.ts';

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_CLASSES = 10;
const PLANE = CIFAR_SIDE * CIFAR_SIDE;
const IMAGE = PLANE * CIFAR_CHANNELS;
/** One label byte and a 32x32x3 image. */
export const CIFAR_RECORD = 1 + IMAGE;
/** CIFAR-100's binary records carry a coarse and a fine label byte. */
const CIFAR100_RECORD = 2 + IMAGE;

export const CIFAR_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR_TEST_FILE = 'test_batch.bin';
/** Class names, one a line, as the archive ships them (optional: the defaults below are the same). */
export const CIFAR_META_FILE = 'batches.meta.txt';
export const CIFAR_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/**
 * The records of one batch file's bytes, pixels interleaved. Fails with one line naming `file` when the
 * bytes are not a whole number of records or a label is not a CIFAR-10 class.
 */
export function parseCifarBatch(bytes: Uint8Array, file: string): LabelledSet {
  if (bytes.length === 0) throw new Error(`${file}: empty file, expected ${CIFAR_RECORD}-byte CIFAR-10 records`);
  if (bytes.length % CIFAR_RECORD !== 0) {
    const whole = Math.floor(bytes.length / CIFAR_RECORD);
    const why =
      bytes.length % CIFAR100_RECORD === 0
        ? `a whole number of ${CIFAR100_RECORD}-byte records: CIFAR-100's binary version, not CIFAR-10's`
        : `truncated or not CIFAR-10: ${whole} whole records and ${bytes.length - whole * CIFAR_RECORD} bytes over`;
    throw new Error(`${file}: ${bytes.length} bytes is not a whole number of ${CIFAR_RECORD}-byte CIFAR-10 records (${why})`);
  }
  const n = bytes.length / CIFAR_RECORD;
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * IMAGE);
  for (let i = 0; i < n; i++) {
    const at = i * CIFAR_RECORD;
    const label = bytes[at];
    if (label >= CIFAR_CLASSES) throw new Error(`${file}: record ${i} (byte ${at}) has label ${label}, expected 0..${CIFAR_CLASSES - 1}`);
    labels[i] = label;
    const out = i * IMAGE;
    for (let c = 0; c < CIFAR_CHANNELS; c++) {
      const plane = at + 1 + c * PLANE;
      for (let p = 0; p < PLANE; p++) pixels[out + p * CIFAR_CHANNELS + c] = bytes[plane + p];
    }
  }
  return { pixels, labels, n };
}

/** The class names of `batches.meta.txt` when the folder has one, else the standard ten. */
export function readCifarClassNames(dir: string): string[] {
  const file = join(dir, CIFAR_META_FILE);
  if (!existsSync(file)) return CIFAR_CLASS_NAMES;
  const names = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (names.length !== CIFAR_CLASSES) throw new Error(`${file}: ${names.length} class names, expected ${CIFAR_CLASSES} (one a line)`);
  return names;
}

function concat(sets: readonly LabelledSet[]): LabelledSet {
  const n = sets.reduce((a, s) => a + s.n, 0);
  const pixels = new Uint8Array(n * IMAGE);
  const labels = new Uint8Array(n);
  let row = 0;
  for (const s of sets) {
    pixels.set(s.pixels, row * IMAGE);
    labels.set(s.labels, row);
    row += s.n;
  }
  return { pixels, labels, n };
}

/** Loads the folder `dir` as the dataset `name` (`cifar10:DIR`); every problem is one line naming its file. */
export function loadCifar10Folder(dir: string, name: string): Dataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${name}: no folder ${dir} (expected the CIFAR-10 binary version's ${CIFAR_TRAIN_FILES[0]} .. ${CIFAR_TEST_FILE})`);
  const files = [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE].map((f) => join(dir, f));
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    const unpacked = join(dir, 'cifar-10-batches-bin');
    const hint = existsSync(unpacked) ? ` (the archive unpacks to a folder: did you mean cifar10:${unpacked}?)` : '';
    throw new Error(`${name}: missing file${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${hint}`);
  }
  const read = (f: string) => parseCifarBatch(readFileSync(f), f);
  const classNames = readCifarClassNames(dir);
  return {
    name,
    classes: CIFAR_CLASSES,
    classNames,
    inputShape: [CIFAR_SIDE, CIFAR_SIDE, CIFAR_CHANNELS],
    train: concat(files.slice(0, CIFAR_TRAIN_FILES.length).map(read)),
    test: read(files[files.length - 1]),
  };
}
