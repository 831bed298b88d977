// The weight-sharing baseline (D-PSGD style): after each round an agent replaces its weights with a
// Metropolis-Hastings weighted average of its own and its neighbours' weights. Metropolis weights
// (1 / (1 + max(deg_i, deg_j))) are symmetric and doubly stochastic on any undirected graph, so the
// average neither drifts nor favours hubs. It exists only to be compared with MHD (accuracy and bytes).

export interface NamedWeights {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface PeerWeights {
  readonly agent: string;
  readonly degree: number;
  readonly weights: readonly NamedWeights[];
}

/** Throws, naming the first difference, when two agents' weights cannot be averaged. */
export function assertSameArchitecture(own: readonly NamedWeights[], other: readonly NamedWeights[], agent: string): void {
  if (own.length !== other.length) {
    throw new Error(`gossip needs equal backbones and heads: ${agent} has ${other.length} weight tensors, this agent ${own.length}`);
  }
  own.forEach((w, i) => {
    if (w.shape.join('x') !== other[i].shape.join('x')) {
      throw new Error(`gossip needs equal backbones and heads: ${agent}'s tensor ${i} is ${other[i].shape.join('x')}, this agent's ${w.name} is ${w.shape.join('x')}`);
    }
  });
}

export function metropolisAverage(own: readonly NamedWeights[], ownDegree: number, peers: readonly PeerWeights[]): NamedWeights[] {
  for (const p of peers) assertSameArchitecture(own, p.weights, p.agent);
  const mix = peers.map((p) => 1 / (1 + Math.max(ownDegree, p.degree)));
  const self = 1 - mix.reduce((a, b) => a + b, 0);
  return own.map((w, i) => {
    const values = new Float32Array(w.values.length);
    for (let j = 0; j < values.length; j++) values[j] = self * w.values[j];
    peers.forEach((p, k) => {
      const v = p.weights[i].values;
      for (let j = 0; j < values.length; j++) values[j] += mix[k] * v[j];
    });
    return { name: w.name, shape: w.shape, values };
  });
}
