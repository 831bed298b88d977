// The serving side of an adversary (an experiment feature): a wrapper around the publisher of an
// honest agent that changes what it serves, the way Flower's strategy wrappers change a strategy. The
// liar trains and fetches like any agent (its own learning is honest and irrelevant); only what it
// serves is distorted, through the ordinary protocol, so its neighbours see nothing but well-formed
// messages. Honest agents never build one.
import { distortBatch } from '../../learning/adversary.ts';
import type { PredictionBatch, Round } from '../../learning/types.ts';
import type { Behaviour } from '../../topology/adversaries.ts';

export interface Publisher {
  /** False for `silent`: no protocol handler at all, as if nothing listened. */
  readonly serves: boolean;
  /** What to serve for `round`, published before fetching (undefined: wait for `late`). */
  early(own: PredictionBatch, round: Round): PredictionBatch | undefined;
  /** What to serve once the neighbours' answers are in, when `early` served nothing. */
  late(own: PredictionBatch, round: Round, fetched: readonly PredictionBatch[]): PredictionBatch | undefined;
}

/** An honest agent serves its own predictions as soon as it has them. */
export const HONEST: Publisher = { serves: true, early: (own) => own, late: () => undefined };

/** `inner` lying as `b`; `seed` makes its lies repeatable. */
export function lying(inner: Publisher, b: Behaviour, seed: number): Publisher {
  if (b.kind === 'silent') return { serves: false, early: () => undefined, late: () => undefined };
  if (b.kind === 'echo') {
    // A free rider: the first neighbour's predictions for this round, relabelled as its own; what the
    // honest publisher would serve only when no neighbour answered for this chunk.
    return {
      serves: inner.serves,
      early: () => undefined,
      late: (own, round, fetched) => {
        const copy = fetched.find((f) => f.round === round && f.chunkHash === own.chunkHash);
        return copy ? { ...copy, agent: own.agent, probs: copy.probs.slice(), embedding: own.embedding } : (inner.early(own, round) ?? inner.late(own, round, fetched));
      },
    };
  }
  const distort = (batch: PredictionBatch | undefined, round: Round) => (batch ? distortBatch(batch, b, round, seed) : undefined);
  return {
    serves: inner.serves,
    early: (own, round) => distort(inner.early(own, round), round),
    late: (own, round, fetched) => distort(inner.late(own, round, fetched), round),
  };
}
