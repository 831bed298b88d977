// The serving side of an adversary (an experiment feature): what an agent named in the topology's
// `adversaries` publishes instead of its own predictions. The liar trains and fetches like any agent
// (its own learning is honest and irrelevant); only what it serves is distorted, through the ordinary
// protocol, so its neighbours see nothing but well-formed messages. Honest agents never read this.
import { distortBatch } from '../../learning/adversary.ts';
import type { PredictionBatch, Round } from '../../learning/types.ts';
import { parseBehaviour, type Behaviour } from '../../topology/adversaries.ts';
import type { RunConfig } from '../config.ts';

export interface Publisher {
  /** False for `silent`: no protocol handler at all, as if nothing listened. */
  readonly serves: boolean;
  /** What to serve for `round`, published before fetching (undefined: wait for `late`). */
  early(own: PredictionBatch, round: Round): PredictionBatch | undefined;
  /** What to serve once the neighbours' answers are in (only `echo` waits for them). */
  late(own: PredictionBatch, round: Round, fetched: readonly PredictionBatch[]): PredictionBatch | undefined;
}

const HONEST: Publisher = { serves: true, early: (own) => own, late: () => undefined };

export function behaviourOf(config: RunConfig, agent: string): Behaviour | undefined {
  const spec = config.topology.adversaries?.[agent];
  return spec === undefined ? undefined : parseBehaviour(spec);
}

export function publisherFor(config: RunConfig, agent: string): Publisher {
  const b = behaviourOf(config, agent);
  if (b === undefined) return HONEST;
  if (b.kind === 'silent') return { serves: false, early: () => undefined, late: () => undefined };
  if (b.kind === 'echo') {
    // A free rider: the first neighbour's predictions for this round, relabelled as its own; its own
    // (honest) ones only when no neighbour answered for this chunk.
    return {
      serves: true,
      early: () => undefined,
      late: (own, round, fetched) => {
        const copy = fetched.find((f) => f.round === round && f.chunkHash === own.chunkHash);
        return copy ? { ...copy, agent: own.agent, probs: copy.probs.slice(), embedding: own.embedding } : own;
      },
    };
  }
  const seed = config.seed * 7919 + config.topology.agents.indexOf(agent);
  return { serves: true, early: (own, round) => distortBatch(own, b, round, seed), late: () => undefined };
}
