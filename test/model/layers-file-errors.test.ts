// Every way a model.json can be unusable, in-process (the CLI tests show one of each reaching the user
// as one line): each is a LayersFileError naming the file and the problem.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LayersFileError, layersFileFor, readLayersFile } from '../../src/model/layers-file.ts';
import { tempDir } from '../helpers/config.ts';

type Json = Record<string, any>;
const conv = (o: Json = {}) => ({ class_name: 'Conv2D', config: { name: 'c1', batch_input_shape: [null, 4, 4, 1], filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'same', activation: 'relu', ...o } });
const pool = (o: Json = {}) => ({ class_name: 'MaxPooling2D', config: { name: 'p', pool_size: [2, 2], strides: [2, 2], padding: 'valid', ...o } });
const flat = { class_name: 'Flatten', config: { name: 'f' } };
const dense = (o: Json = {}) => ({ class_name: 'Dense', config: { name: 'd', units: 3, activation: 'relu', ...o } });
const WEIGHTS = [
  { name: 'c1/kernel', shape: [3, 3, 1, 2], dtype: 'float32' },
  { name: 'c1/bias', shape: [2], dtype: 'float32' },
  { name: 'd/kernel', shape: [8, 3], dtype: 'float32' },
  { name: 'd/bias', shape: [3], dtype: 'float32' },
];
const model = (layers: Json[], over: Json = {}): Json => ({
  format: 'layers-model',
  modelTopology: { class_name: 'Sequential', config: { name: 's', layers } },
  weightsManifest: [{ paths: ['w.bin'], weights: WEIGHTS }],
  ...over,
});
const GOOD = [conv(), pool(), flat, dense()];

/** Writes `json` (or raw text) and a shard of `floats` values into a new folder; returns model.json's path. */
function write(json: Json | string, floats = 18 + 2 + 24 + 3): string {
  const dir = tempDir('mhd-lf-');
  writeFileSync(join(dir, 'model.json'), typeof json === 'string' ? json : JSON.stringify(json));
  writeFileSync(join(dir, 'w.bin'), new Uint8Array(4 * floats));
  return join(dir, 'model.json');
}

const functional = (inputs: unknown[], outputs: unknown[], layers: Json[]) => ({ modelTopology: { class_name: 'Model', config: { name: 'm', layers, input_layers: inputs, output_layers: outputs } } });
const node = (from?: string[]) => (from ? { inbound_nodes: [from.map((f) => [f, 0, 0, {}])] } : {});
const chained = (l: Json, from?: string) => ({ ...l, name: l.config.name, ...node(from ? [from] : undefined) });

const cases: [string, () => string, RegExp][] = [
  ['a file that is not there', () => join(tempDir(), 'none', 'model.json'), /model file not found/],
  ['text that is not JSON', () => write('{ "modelTopology": '), /not a TF\.js model\.json/],
  ['JSON that is no object', () => write('[1, 2]'), /not a JSON object/],
  ['a graph model', () => write(model(GOOD, { format: 'graph-model' })), /graph model, which cannot be trained/],
  ['no modelTopology', () => write({ weightsManifest: [] }), /no modelTopology/],
  ['no list of layers', () => write({ modelTopology: { class_name: 'Sequential', config: { layers: 3 } } }), /no list of layers/],
  ['an unknown model class', () => write({ modelTopology: { class_name: 'Tower', config: { layers: [] } } }), /unsupported model class Tower/],
  ['two inputs', () => write(model([], functional([['a', 0, 0], ['b', 0, 0]], [['d', 0, 0]], []))), /2 inputs: mhd takes one image input/],
  ['two outputs', () => write(model([], functional([['c1', 0, 0]], [['d', 0, 0], ['e', 0, 0]], []))), /2 outputs/],
  ['a layer with two inputs', () => write(model([], functional([['c1', 0, 0]], [['d', 0, 0]], [chained(conv()), { ...chained(dense(), 'c1'), inbound_nodes: [[['c1', 0, 0, {}], ['p', 0, 0, {}]]] }]))), /takes several inputs/],
  ['no chain from input to output', () => write(model([], functional([['c1', 0, 0]], [['x', 0, 0]], [chained(conv()), chained(dense(), 'c1')]))), /not a plain chain/],
  ['no weightsManifest', () => write(model(GOOD, { weightsManifest: undefined })), /no weightsManifest/],
  ['a manifest group without paths', () => write(model(GOOD, { weightsManifest: [{ weights: WEIGHTS }] })), /malformed weightsManifest/],
  ['a shard that is not there', () => write(model(GOOD, { weightsManifest: [{ paths: ['gone.bin'], weights: WEIGHTS }] })), /weight shard .*gone\.bin .*not found/],
  ['float16 weights', () => write(model(GOOD, { weightsManifest: [{ paths: ['w.bin'], weights: [{ ...WEIGHTS[0], dtype: 'float16' }] }] })), /is float16: only float32/],
  ['quantized weights', () => write(model(GOOD, { weightsManifest: [{ paths: ['w.bin'], weights: [{ ...WEIGHTS[0], quantization: { dtype: 'uint8' } }] }] })), /is quantized/],
  ['a shard shorter than the manifest', () => write(model(GOOD), 20), /fewer than the weightsManifest lists \(at d\/kernel\)/],
  ['no input shape', () => write(model([conv({ batch_input_shape: undefined }), pool(), flat, dense()])), /gives no input shape/],
  ['an input that is neither image nor flat', () => write(model([conv({ batch_input_shape: [null, 4, 4] }), pool(), flat, dense()])), /is not \[h,w,c\] images or a flat \[n\]/],
  ['an activation other than relu or linear', () => write(model([conv({ activation: 'tanh' }), pool(), flat, dense()])), /"c1" \(Conv2D\) has activation "tanh"/],
  ['channels_first', () => write(model([conv({ data_format: 'channels_first' }), pool(), flat, dense()])), /is channels_first/],
  ['a Dense on images', () => write(model([conv(), dense()])), /gets \[4,4,2\]: put a Flatten before it/],
  ['a convolution after Flatten', () => write(model([conv(), flat, conv({ name: 'c2', batch_input_shape: undefined }), dense()])), /needs an image input but gets \[32\]/],
  ['strides of 2', () => write(model([conv({ strides: [2, 2] }), pool(), flat, dense()])), /strides or dilation other than 1/],
  ['causal padding', () => write(model([conv({ padding: 'causal' }), pool(), flat, dense()])), /has padding causal/],
  ['a kernel larger than its input', () => write(model([conv({ kernel_size: [5, 5], padding: 'valid' }), flat, dense()], { weightsManifest: [{ paths: ['w.bin'], weights: [{ ...WEIGHTS[0], shape: [5, 5, 1, 2] }, WEIGHTS[1]] }] }), 52), /5x5 kernel larger than its input/],
  ['a 3x3 pool', () => write(model([conv(), pool({ pool_size: [3, 3], strides: [3, 3] }), flat, dense()])), /not a 2x2 pool with stride 2/],
  ['a pool of a 1x1 image', () => write(model([conv(), pool(), pool({ name: 'p2' }), pool({ name: 'p3' }), flat, dense()])), /pools an input smaller than 2x2/],
  ['an unsupported layer', () => write(model([conv(), { class_name: 'BatchNormalization', config: { name: 'bn' } }, flat, dense()])), /"bn" \(BatchNormalization\) is not supported: supported are InputLayer/],
  ['a weight the layer needs but the manifest lacks', () => write(model(GOOD, { weightsManifest: [{ paths: ['w.bin'], weights: WEIGHTS.slice(0, 2) }] })), /no weight d\/kernel/],
  ['a weight of the wrong shape', () => write(model([conv(), pool(), flat, dense({ units: 4 })])), /weight d\/kernel is \[8,3\], the layer needs \[8,4\]/],
  ['no Dense at the end', () => write(model([conv(), pool(), flat])), /output is \[8\] from a Flatten, not an embedding/],
];

describe('an unusable model.json', () => {
  it.each(cases)('%s', (_what, file, message) => {
    const f = file();
    let err: unknown;
    try {
      readLayersFile(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LayersFileError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(f);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });

  it('a good one loads, and names both shapes when the data\'s images differ', () => {
    const f = write(model(GOOD));
    expect(readLayersFile(f).inputShape).toEqual([4, 4, 1]);
    expect(() => layersFileFor(f, [28, 28, 1], 'mnist')).toThrow(/takes input \[4,4,1\] but mnist gives \[28,28,1\] images/);
    expect(layersFileFor(f, [4, 4, 1]).inputShape).toEqual([4, 4, 1]);
    // a functional model that is a plain chain loads as the Sequential does
    const fn = write(model([], functional([['c1', 0, 0]], [['d', 0, 0]], [chained(conv()), chained(pool(), 'c1'), chained(flat, 'p'), chained(dense(), 'f')])));
    expect(readLayersFile(fn).inputShape).toEqual([4, 4, 1]);
  });
});
