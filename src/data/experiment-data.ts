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
}

export interface ExperimentData {
  readonly dataset: Dataset;
  readonly split: TrainSplit;
  readonly partition: Partition;
  privateSet(agent: number): LabelledSet;
}

export function prepareExperimentData(opts: DataOptions): ExperimentData {
  const spec = parsePartitionSpec(opts.partition);
  const dataset = loadDataset(opts.dataset);
  const size = featureSize(dataset);
  const split = splitTrain(dataset.train, size, opts.publicSize, opts.seed);
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
  };
}
