// A multi-head model as a plain TF.js LayersModel: input [h, w, c], the backbone's layers, then one
// Dense(classes, softmax) per head on the embedding, each its own output. Saved as model.json and
// weights.bin, the files `tf.loadLayersModel` reads (Node or browser); heads.json says which output is
// which head and how an image becomes the input.
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from './backend.ts';
import type { LayerPlan } from './backbones.ts';
import type { ModelView, NamedWeights } from './multi-head.ts';

/** The name of head `k` (0 is the main head): the checkpoint's, and the export's output layer. */
export const headName = (k: number): string => (k === 0 ? 'head_main' : `head_aux${k}`);

/** The files of one export, in the directory it was written to. */
export const EXPORT_FILES = ['model.json', 'weights.bin', 'heads.json'] as const;

/** What the export's input is: an image's bytes, row-major [h, w, c], divided by this (src/model/tensors.ts). */
export const PIXEL_DIVISOR = 255;

/** One layer of the backbone as a tfjs-layers layer, named as in the checkpoint. */
function backboneLayer(plan: LayerPlan, i: number): tfl.layers.Layer {
  switch (plan.kind) {
    case 'flatten':
      return tfl.layers.flatten({ name: `flatten_${i}` });
    case 'pool':
      return tfl.layers.maxPooling2d({ name: `pool_${i}`, poolSize: 2, strides: 2, padding: 'valid' });
    case 'dense':
      return tfl.layers.dense({ name: plan.name, units: plan.units, activation: plan.activation });
    case 'conv':
      return tfl.layers.conv2d({
        name: plan.name,
        filters: plan.units,
        kernelSize: [plan.kernelShape[0], plan.kernelShape[1]],
        strides: 1,
        padding: plan.padding,
        activation: plan.activation,
      });
    default:
      throw new Error(`cannot export a backbone layer of kind "${(plan as { kind: string }).kind}"`);
  }
}

/** Sets a weighted layer's kernel and bias from the model's named weights. */
function setLayerWeights(layer: tfl.layers.Layer, weights: ReadonlyMap<string, NamedWeights>): void {
  const values = ['kernel', 'bias'].map((part) => {
    const w = weights.get(`${layer.name}/${part}`);
    if (!w) throw new Error(`the model has no weight ${layer.name}/${part} to export`);
    return tf.tensor(w.values, w.shape);
  });
  layer.setWeights(values);
  tf.dispose(values);
}

/**
 * The model as a tfjs-layers functional model with its current weights: outputs in head order (main
 * head first), each [n, classes] softmax probabilities. The caller disposes it.
 */
export function toLayersModel(model: ModelView): tfl.LayersModel {
  const input = tfl.input({ shape: [...model.spec.inputShape], name: 'image' });
  const weighted: tfl.layers.Layer[] = [];
  let h = input;
  model.plans.forEach((plan, i) => {
    const layer = backboneLayer(plan, i);
    h = layer.apply(h) as tfl.SymbolicTensor;
    if (plan.kind === 'dense' || plan.kind === 'conv') weighted.push(layer);
  });
  const heads = Array.from({ length: model.headCount }, (_, k) => tfl.layers.dense({ name: headName(k), units: model.spec.classes, activation: 'softmax' }));
  const outputs = heads.map((head) => head.apply(h) as tfl.SymbolicTensor);
  const out = tfl.model({ inputs: input, outputs, name: 'mhd' });
  const weights = new Map(model.getWeights().map((w) => [w.name, w]));
  for (const layer of [...weighted, ...heads]) setLayerWeights(layer, weights);
  return out;
}

/** A saved LayersModel: model.json's object and weights.bin's bytes. */
export interface LayersFiles {
  modelJson: tf.io.ModelJSON;
  weights: Uint8Array;
}

/** Saves `layers` in memory, as the files tf.loadLayersModel reads: one weight file, weights.bin. */
export async function layersFiles(layers: tfl.LayersModel): Promise<LayersFiles> {
  let saved: LayersFiles | undefined;
  await layers.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      saved = {
        modelJson: {
          modelTopology: artifacts.modelTopology as object,
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
          convertedBy: 'mhd export',
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        },
        weights: new Uint8Array(data),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
    }),
  );
  return saved!;
}

/** What heads.json says besides the outputs: where the model comes from. */
export interface ExportOrigin {
  run: string;
  agent: string;
  /** The round the checkpoint was written after (0-based, as in metrics.jsonl). */
  round: number;
  classNames?: readonly string[];
}

/** heads.json: which output is which head, the classes, and the input the model expects. */
export function headsJson(model: ModelView, origin: ExportOrigin): Record<string, unknown> {
  const [h, w, c] = model.spec.inputShape;
  return {
    format: 'mhd-heads-1',
    run: origin.run,
    agent: origin.agent,
    round: origin.round,
    roundsTrained: origin.round + 1,
    backbone: model.spec.backbone,
    input: {
      shape: [h, w, c],
      dtype: 'float32',
      scaling: `pixels / ${PIXEL_DIVISOR}`,
      description: `a batch [n, ${h}, ${w}, ${c}]: each image's bytes in row-major (height, width, channel) order, divided by ${PIXEL_DIVISOR}`,
    },
    classes: model.spec.classes,
    ...(origin.classNames ? { classNames: [...origin.classNames] } : {}),
    outputs: Array.from({ length: model.headCount }, (_, k) => ({
      output: k,
      head: k,
      name: headName(k),
      role: k === 0 ? 'main' : 'auxiliary',
      activation: 'softmax',
    })),
  };
}

/** JSON indented two spaces a level, with arrays of plain values on one line (shapes, class names). */
export function readableJson(value: unknown, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return JSON.stringify(value);
    return `[\n${value.map((v) => inner + readableJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${readableJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

/** Writes model.json, weights.bin and heads.json of `model` into `dir` (created if missing). */
export async function exportModel(model: ModelView, dir: string, origin: ExportOrigin): Promise<void> {
  const layers = toLayersModel(model);
  try {
    const files = await layersFiles(layers);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(files.modelJson) + '\n');
    writeFileSync(join(dir, 'weights.bin'), files.weights);
    writeFileSync(join(dir, 'heads.json'), readableJson(headsJson(model, origin)) + '\n');
  } finally {
    layers.dispose();
  }
}
