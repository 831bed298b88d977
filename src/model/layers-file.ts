// A backbone from a TF.js LayersModel on disk (`backbone: file:PATH/model.json`, the format `model.save`
// and the converter's tfjs_layers_model write): model.json (modelTopology + weightsManifest) and its
// binary shards, read synchronously, so any backend (and a check before any agent starts) can use it.
// The supported layers become the LayerPlans of src/model/backbones.ts, with the file's weights as the
// initial values. A classifier (last layer a softmax Dense) is cut: the embedding is the layer before.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LayerPlan } from './layer-plan.ts';
import type { Activation } from './lean-ops.ts';

export const FILE_BACKBONE_PREFIX = 'file:';
export type FileBackbone = `file:${string}`;

export function isFileBackbone(backbone: string): backbone is FileBackbone {
  return backbone.startsWith(FILE_BACKBONE_PREFIX) && backbone.length > FILE_BACKBONE_PREFIX.length;
}

/** The model.json path of a `file:` backbone. */
export function backboneFile(backbone: FileBackbone): string {
  return backbone.slice(FILE_BACKBONE_PREFIX.length);
}

/** A model file that cannot be used; the message names the file and the problem, in one line. */
export class LayersFileError extends Error {
  override name = 'LayersFileError';
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

export interface LayerWeights {
  kernel: Float32Array;
  bias: Float32Array;
}

export interface LayersFile {
  file: string;
  /** The model's input without the batch: [h, w, c], or [n] for a flat input. */
  inputShape: number[];
  plans: LayerPlan[];
  /** Initial values of every dense and conv plan, by plan name (kernels in the plan's kernelShape). */
  weights: Map<string, LayerWeights>;
  /** The softmax classifier that was cut off, if any. */
  cut?: string;
  /** Layers left out: Dropout (mhd has no dropout). */
  skipped: string[];
}

export const SUPPORTED_LAYERS = 'InputLayer, Flatten, Dense (relu or linear), Conv2D (stride 1, same or valid, relu or linear), MaxPooling2D (2x2, stride 2, valid), Dropout (skipped)';

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

const loaded = new Map<string, LayersFile>();

/** Reads and translates `file` (memoised per process). Throws LayersFileError. */
export function readLayersFile(file: string): LayersFile {
  let model = loaded.get(file);
  if (!model) {
    model = translate(file);
    loaded.set(file, model);
  }
  return model;
}

const show = (shape: readonly number[]) => `[${shape.join(',')}]`;

/** The model of `file` for images of `inputShape` [h, w, c]: its input must be that, or flat h*w*c. */
export function layersFileFor(file: string, inputShape: readonly [number, number, number], dataset = 'the dataset'): LayersFile {
  const model = readLayersFile(file);
  const size = inputShape[0] * inputShape[1] * inputShape[2];
  const fits = model.inputShape.length === 1 ? model.inputShape[0] === size : show(model.inputShape) === show(inputShape);
  if (!fits) {
    throw new LayersFileError(file, `the model takes input ${show(model.inputShape)} but ${dataset} gives ${show(inputShape)} images (a flat input must be ${size} wide)`);
  }
  return model;
}

function readJson(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new LayersFileError(file, 'model file not found');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LayersFileError(file, `not a TF.js model.json: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new LayersFileError(file, 'not a TF.js model.json: not a JSON object');
  return json as Record<string, unknown>;
}

function translate(file: string): LayersFile {
  const json = readJson(file);
  const fail = (problem: string): never => {
    throw new LayersFileError(file, problem);
  };
  if (json.format === 'graph-model') fail('a TF.js graph model, which cannot be trained: convert to a LayersModel (tfjs_layers_model)');
  const topology = json.modelTopology as Record<string, unknown> | undefined;
  if (typeof topology !== 'object' || topology === null) fail('not a TF.js LayersModel: no modelTopology');
  const layers = chain(topology!.model_config ? (topology!.model_config as Record<string, unknown>) : topology!, fail);
  const weights = readWeights(file, json.weightsManifest, fail);
  return plansOf(file, layers, weights, fail);
}

/** The layers in order: a Sequential's, or a functional Model's when it is a plain chain with one input. */
function chain(model: Record<string, unknown>, fail: (p: string) => never): LayerJson[] {
  const config = model.config as Record<string, unknown> | LayerJson[] | undefined;
  const layers = (Array.isArray(config) ? config : config?.layers) as LayerJson[] | undefined;
  if (!Array.isArray(layers) || layers.some((l) => typeof l?.class_name !== 'string' || typeof l.config !== 'object')) fail('malformed modelTopology: no list of layers');
  if (model.class_name === 'Sequential') return layers!;
  if (model.class_name !== 'Model' && model.class_name !== 'Functional') fail(`unsupported model class ${String(model.class_name)}: expected Sequential or a functional Model`);
  const c = config as Record<string, unknown>;
  const ins = c.input_layers as unknown[];
  const outs = c.output_layers as unknown[];
  if (!Array.isArray(ins) || ins.length !== 1) fail(`the model has ${Array.isArray(ins) ? ins.length : 'no'} inputs: mhd takes one image input`);
  if (!Array.isArray(outs) || outs.length !== 1) fail(`the model has ${Array.isArray(outs) ? outs.length : 'no'} outputs: mhd takes one`);
  const from = (l: LayerJson): string | undefined => {
    const nodes = l.inbound_nodes as unknown[][][] | undefined;
    if (!nodes || nodes.length === 0) return undefined;
    if (nodes.length !== 1 || nodes[0].length !== 1) fail(`layer "${l.name}" takes several inputs: mhd takes a plain chain of layers`);
    return String(nodes[0][0][0]);
  };
  const byInput = new Map(layers!.map((l) => [from(l), l]));
  const ordered: LayerJson[] = [];
  for (let l = layers!.find((x) => x.name === String((ins[0] as unknown[])[0])); l; l = byInput.get(l.name)) ordered.push(l);
  if (ordered.length !== layers!.length || ordered.at(-1)!.name !== String((outs[0] as unknown[])[0])) fail('the model is not a plain chain of layers from its input to its output');
  return ordered;
}

/** Every weight of the manifest by name, from the shards next to model.json. Float32 only. */
function readWeights(file: string, manifest: unknown, fail: (p: string) => never): Map<string, { shape: number[]; values: Float32Array }> {
  if (!Array.isArray(manifest)) fail('not a TF.js LayersModel: no weightsManifest');
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const group of manifest as { paths?: string[]; weights?: { name: string; shape: number[]; dtype?: string; quantization?: unknown }[] }[]) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) fail('malformed weightsManifest: a group without paths and weights');
    const shards = group.paths!.map((p) => {
      const shard = join(dirname(file), p);
      if (!existsSync(shard)) fail(`weight shard ${shard} (named in its weightsManifest) not found`);
      return readFileSync(shard);
    });
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights!) {
      if ((w.dtype ?? 'float32') !== 'float32' || w.quantization) fail(`weight ${w.name} is ${w.quantization ? 'quantized' : w.dtype}: only float32 weights are supported`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (offset + 4 * n > bytes.length) fail(`the weight shards hold ${bytes.length} bytes, fewer than the weightsManifest lists (at ${w.name})`);
      const values = new Float32Array(n);
      Buffer.from(values.buffer).set(bytes.subarray(offset, offset + 4 * n));
      out.set(w.name, { shape: w.shape, values });
      offset += 4 * n;
    }
  }
  return out;
}

const isBatchShape = (s: unknown): s is (number | null)[] => Array.isArray(s) && s.length >= 2 && s.slice(1).every((d) => Number.isInteger(d) && (d as number) > 0);

function inputShapeOf(layers: LayerJson[], fail: (p: string) => never): number[] {
  const c = layers[0]?.config ?? {};
  const batch = c.batch_input_shape ?? c.batch_shape;
  if (!isBatchShape(batch)) fail('the first layer gives no input shape (batch_input_shape)');
  const shape = (batch as number[]).slice(1);
  if (shape.length !== 1 && shape.length !== 3) fail(`input shape ${show(shape)} is not [h,w,c] images or a flat [n]`);
  return shape;
}

const pair = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : [Number(v), Number(v)]);

function plansOf(file: string, all: LayerJson[], weights: Map<string, { shape: number[]; values: Float32Array }>, fail: (p: string) => never): LayersFile {
  const inputShape = inputShapeOf(all, fail);
  const skipped = all.filter((l) => l.class_name === 'Dropout').map((l) => String(l.config.name ?? l.name));
  let layers = all.filter((l) => l.class_name !== 'Dropout' && l.class_name !== 'InputLayer');
  const last = layers.at(-1);
  let cut: string | undefined;
  if (last?.class_name === 'Dense' && last.config.activation === 'softmax') {
    cut = String(last.config.name);
    layers = layers.slice(0, -1);
  }
  const plans: LayerPlan[] = [];
  const init = new Map<string, LayerWeights>();
  let shape = [...inputShape];
  if (shape.length === 1) plans.push({ kind: 'flatten' });
  const weight = (name: string, part: 'kernel' | 'bias', expected: number[]): Float32Array => {
    const w = weights.get(`${name}/${part}`) ?? [...weights].find(([k]) => k.endsWith(`/${name}/${part}`))?.[1];
    if (!w) fail(`no weight ${name}/${part} in the weightsManifest`);
    if (show(w!.shape) !== show(expected)) fail(`weight ${name}/${part} is ${show(w!.shape)}, the layer needs ${show(expected)}`);
    return w!.values;
  };
  const weighted = (name: string, useBias: boolean, kernelShape: number[], units: number) => {
    init.set(name, { kernel: weight(name, 'kernel', kernelShape), bias: useBias ? weight(name, 'bias', [units]) : new Float32Array(units) });
  };
  for (const l of layers) {
    const c = l.config;
    const name = String(c.name ?? l.name);
    const unsupported = (why: string): never => fail(`layer "${name}" (${l.class_name}) ${why}: supported are ${SUPPORTED_LAYERS}`);
    const activation = (): Activation => {
      const a = c.activation ?? 'linear';
      if (a !== 'relu' && a !== 'linear') unsupported(`has activation ${JSON.stringify(a)}`);
      return a as Activation;
    };
    const image = () => {
      if (shape.length !== 3) unsupported(`needs an image input but gets ${show(shape)}`);
      if ((c.data_format ?? 'channels_last') !== 'channels_last') unsupported('is channels_first');
    };
    switch (l.class_name) {
      case 'Flatten':
        if (shape.length === 3) plans.push({ kind: 'flatten' });
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'Dense': {
        if (shape.length !== 1) unsupported(`gets ${show(shape)}: put a Flatten before it`);
        const units = Number(c.units);
        plans.push({ kind: 'dense', name, units, kernelShape: [shape[0], units], activation: activation() });
        weighted(name, c.use_bias !== false, [shape[0], units], units);
        shape = [units];
        break;
      }
      case 'Conv2D': {
        image();
        const [kh, kw] = pair(c.kernel_size);
        if (pair(c.strides ?? 1).some((s) => s !== 1) || pair(c.dilation_rate ?? 1).some((s) => s !== 1)) unsupported('has strides or dilation other than 1');
        if (c.padding !== 'same' && c.padding !== 'valid') unsupported(`has padding ${String(c.padding)}`);
        const units = Number(c.filters);
        const kernelShape: [number, number, number, number] = [kh, kw, shape[2], units];
        plans.push({ kind: 'conv', name, units, kernelShape, activation: activation(), padding: c.padding as 'same' | 'valid' });
        weighted(name, c.use_bias !== false, kernelShape, units);
        shape = c.padding === 'same' ? [shape[0], shape[1], units] : [shape[0] - kh + 1, shape[1] - kw + 1, units];
        if (shape[0] < 1 || shape[1] < 1) unsupported(`has a ${kh}x${kw} kernel larger than its input`);
        break;
      }
      case 'MaxPooling2D': {
        image();
        const size = pair(c.pool_size ?? 2);
        const strides = c.strides == null ? size : pair(c.strides);
        if (show(size) !== '[2,2]' || show(strides) !== '[2,2]' || (c.padding ?? 'valid') !== 'valid') unsupported('is not a 2x2 pool with stride 2 and valid padding');
        shape = [Math.floor(shape[0] / 2), Math.floor(shape[1] / 2), shape[2]];
        if (shape[0] < 1 || shape[1] < 1) unsupported('pools an input smaller than 2x2');
        plans.push({ kind: 'pool' });
        break;
      }
      default:
        unsupported('is not supported');
    }
  }
  if (plans.at(-1)?.kind !== 'dense') {
    fail(`the model's output${cut ? ` without its classifier ${cut}` : ''} is ${show(shape)}${shape.length === 1 ? ' from a Flatten' : ''}, not an embedding: the model must end with a Dense layer (or a Dense then a softmax Dense classifier)`);
  }
  return { file, inputShape, plans, weights: init, cut, skipped };
}
