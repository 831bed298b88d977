// The predictions protocol of MHD: an agent serves every head's predictions on the round's public chunk
// from its round store, and fetches its teachers', validated field by field (predictions-codec.ts)
// before anything reaches the learner.
import type { Startable } from '@libp2p/interface';
import type { PredictionBatch } from '../learning/types.ts';
import type { AgentId } from '../topology/types.ts';
import { decodePredictions, encodePredictions, payloadBytes, type Expectation } from './predictions-codec.ts';
import { predictionHeaderSchema, type Encoding, type RoundRequest } from './messages.ts';
import { PREDICTIONS_PROTOCOL } from './protocols.ts';
import { outcomeOf, RoundService, type ExpectingFetch, type FetchOutcome, type Peer, type RoundServiceComponents, type StoreServiceInit } from './round-service.ts';

export interface PredictionsServiceInit extends StoreServiceInit<PredictionBatch> {
  encoding: Encoding;
  /** What a given reader is served of a stored batch (a liar of the experiments tailors it); absent: the batch. */
  forReader?: (batch: PredictionBatch, reader: AgentId) => PredictionBatch;
}

export class PredictionsService implements Startable {
  private readonly rounds: RoundService<PredictionBatch, typeof predictionHeaderSchema>;

  constructor(components: RoundServiceComponents, init: PredictionsServiceInit) {
    this.rounds = new RoundService(components, {
      ...init,
      protocol: PREDICTIONS_PROTOCOL,
      okHeader: predictionHeaderSchema,
      encode: (stored, _round, req, reader) => {
        const batch = init.forReader ? init.forReader(stored, reader) : stored;
        // Embeddings only of the width the reader can use (a reader that names none takes any).
        const withEmbedding = req.embedding && (req.embeddingSize === undefined || req.embeddingSize === batch.embedding?.size);
        return encodePredictions(batch, init.encoding, withEmbedding);
      },
    });
  }

  start = () => this.rounds.start();
  stop = () => this.rounds.stop();

  async fetch(peer: Peer, req: RoundRequest, { signal, timeoutMs, expect }: ExpectingFetch<Expectation>): Promise<FetchOutcome<PredictionBatch>> {
    // The largest reply an honest teacher can send: every head it may have, f32, our embedding width.
    const maxPayloadBytes = payloadBytes({ heads: expect.maxHeads, classes: expect.classes, samples: expect.samples, encoding: 'f32', embeddingSize: expect.embeddingSize });
    const f = await this.rounds.fetch(peer, req, { signal, timeoutMs, maxPayloadBytes });
    return outcomeOf(f, (header, payload) => decodePredictions(header, payload, expect));
  }
}

/** js-libp2p's service shape: init first, then the node's components. */
export const predictionsService = (init: PredictionsServiceInit) => (components: RoundServiceComponents) => new PredictionsService(components, init);
