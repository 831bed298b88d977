// The serving side of an adversary (an experiment feature): a wrapper around the publisher of an
// honest agent that changes what it serves, the way Flower's strategy wrappers change a strategy. The
// liar trains and fetches like any agent (its own learning is honest and irrelevant); only what it
// serves is distorted, through the ordinary protocol, so its neighbours see nothing but well-formed
// messages. Honest agents never build one.
import { camouflaged, distortBatch } from '../../learning/adversary.ts';
import type { PredictionBatch, Round } from '../../learning/types.ts';
import type { Behaviour } from '../../topology/adversaries.ts';
import type { AgentId } from '../../topology/types.ts';

/** How long before a reader stops waiting `stall` answers. */
export const STALL_MARGIN_MS = 250;

export interface Publisher {
  /** False for `silent`: no protocol handler at all, as if nothing listened. */
  readonly serves: boolean;
  /** What to serve for `round`, published before fetching (undefined: wait for `late`). */
  early(own: PredictionBatch, round: Round): PredictionBatch | undefined;
  /** What to serve once the neighbours' answers are in, when `early` served nothing. */
  late(own: PredictionBatch, round: Round, fetched: readonly PredictionBatch[]): PredictionBatch | undefined;
  /** What one reader gets of what was served (absent: the same for every reader). */
  forReader?: (served: PredictionBatch, reader: AgentId) => PredictionBatch;
  /** How long to hold a ready answer to a request that asked to wait `waitMs` (absent: no hold). */
  holdMs?: (waitMs: number) => number;
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
  if (b.kind === 'stall') return { ...inner, holdMs: (waitMs) => Math.max(0, waitMs - STALL_MARGIN_MS) };
  if (b.kind === 'camouflage') {
    // Tailored to each reader, so it needs the readers' predictions of the round: it serves once its
    // own fetch (of neighbours that are also its readers, on an undirected graph) is in.
    const seen = new Map<Round, readonly PredictionBatch[]>();
    return {
      serves: inner.serves,
      early: () => undefined,
      late: (own, round, fetched) => {
        seen.set(round, fetched);
        for (const r of seen.keys()) if (r < round - 3) seen.delete(r);
        return inner.early(own, round) ?? inner.late(own, round, fetched);
      },
      forReader: (served, reader) => camouflaged(served, seen.get(served.round)?.find((f) => f.agent === reader), b.threshold),
    };
  }
  const distort = (batch: PredictionBatch | undefined, round: Round) => (batch ? distortBatch(batch, b, round, seed) : undefined);
  return {
    serves: inner.serves,
    early: (own, round) => distort(inner.early(own, round), round),
    late: (own, round, fetched) => distort(inner.late(own, round, fetched), round),
  };
}
