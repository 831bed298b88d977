// One call from experiment options to every agent's data: the same seed gives every process the same
// public set and partition, so a multi-process cluster needs no data exchange to agree on them.
import { loadDataset } from './datasets.ts';
import { parsePartitionSpec, partition, type Partition } from './partition.ts';
import { splitTrain, type TrainSplit } from './split.ts';
import { featureSize, subsetLabelled, type Dataset, type LabelledSet } from './types.ts';

export interface DataOptions {
  dataset: string;
  partition: string;
  agents: number;
  privatePerAgent: number;
  publicSize: number;
  seed: number;
  /** Validation rows held out of the train split (default 0: none). */
  valSize?: number;
}

export interface ExperimentData {
  readonly dataset: Dataset;
  readonly split: TrainSplit;
  readonly partition: Partition;
  privateSet(agent: number): LabelledSet;
  /** The union of every agent's private data, in agent order: what the central baseline trains on. */
  pooledSet(): LabelledSet;
  /** Class counts of the pooled set. */
  pooledHistogram(): number[];
}

const prepared = new Map<string, ExperimentData>();

/** Memoised per process: the agents of a simulation share one split instead of copying it each. */
export function prepareExperimentData(opts: DataOptions): ExperimentData {
  const key = JSON.stringify([opts.dataset, opts.partition, opts.agents, opts.privatePerAgent, opts.publicSize, opts.seed, opts.valSize ?? 0]);
  let data = prepared.get(key);
  if (!data) {
    data = prepare(opts);
    prepared.set(key, data);
  }
  return data;
}

function prepare(opts: DataOptions): ExperimentData {
  const spec = parsePartitionSpec(opts.partition);
  const dataset = loadDataset(opts.dataset);
  const size = featureSize(dataset);
  const split = splitTrain(dataset.train, size, opts.publicSize, opts.seed, opts.valSize ?? 0);
  const part = partition(spec, {
    labels: split.privatePool.labels,
    classes: dataset.classes,
    agents: opts.agents,
    samplesPerAgent: opts.privatePerAgent,
    seed: opts.seed,
  });
  return {
    dataset,
    split,
    partition: part,
    privateSet: (agent) => subsetLabelled(split.privatePool, part.indices[agent], size),
    pooledSet: () => subsetLabelled(split.privatePool, part.indices.flat(), size),
    pooledHistogram: () => part.histograms.reduce((sum, h) => sum.map((v, c) => v + h[c]), new Array<number>(dataset.classes).fill(0)),
  };
}
