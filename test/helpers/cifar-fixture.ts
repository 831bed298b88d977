// A small CIFAR-10 folder in the exact binary format (3073-byte records: label, then the red, green and
// blue 32x32 planes), written to a temp dir. The images are generated, deterministic and learnable:
// each class has its own colour and its own stripe direction and period, under per-pixel noise.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../src/data/random.ts';
import { CIFAR_RECORD, CIFAR_TEST_FILE, CIFAR_TRAIN_FILES } from '../../src/data/cifar.ts';
import { tempDir } from './config.ts';

export interface CifarFixture {
  /** Records in each of the five train batches. */
  perBatch?: number;
  /** Records in the test batch. */
  test?: number;
  seed?: number;
  /** Also write batches.meta.txt with these names. */
  classNames?: readonly string[];
}

const SIDE = 32;
const PLANE = SIDE * SIDE;

/** The class's base colour: three levels spread so that no two classes share one. */
function colour(label: number): [number, number, number] {
  return [60 + 40 * (label % 4), 60 + 50 * (Math.floor(label / 2) % 3), 200 - 15 * label];
}

/** `n` records, labels cycling through the ten classes from `firstLabel`, as the file's bytes. */
export function cifarRecords(n: number, seed: number, firstLabel = 0): Uint8Array {
  const rng = createRng(seed);
  const bytes = new Uint8Array(n * CIFAR_RECORD);
  for (let i = 0; i < n; i++) {
    const label = (firstLabel + i) % 10;
    const at = i * CIFAR_RECORD;
    bytes[at] = label;
    const base = colour(label);
    const period = 2 + (label % 5);
    const vertical = label >= 5;
    const phase = rng.int(period);
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < PLANE; p++) {
        const pos = (vertical ? p % SIDE : Math.floor(p / SIDE)) + phase;
        const stripe = Math.floor(pos / period) % 2 === 0 ? 35 : -35;
        const v = base[c] + stripe + 25 * rng.normal();
        bytes[at + 1 + c * PLANE + p] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return bytes;
}

/** Writes the six batch files (and the meta file when asked) into a new temp dir; returns the dir. */
export function writeCifarFixture({ perBatch = 80, test = 100, seed = 1, classNames }: CifarFixture = {}): string {
  const dir = tempDir('mhd-cifar-');
  CIFAR_TRAIN_FILES.forEach((f, b) => writeFileSync(join(dir, f), cifarRecords(perBatch, seed * 10 + b, b)));
  writeFileSync(join(dir, CIFAR_TEST_FILE), cifarRecords(test, seed * 10 + 9));
  if (classNames) writeFileSync(join(dir, 'batches.meta.txt'), classNames.join('\n') + '\n\n');
  return dir;
}

