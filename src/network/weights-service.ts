// The weights protocol of the gossip baseline: an agent serves its weights of each round and fetches
// its neighbours', checked against its own model's tensors (weights-codec.ts).
import type { Startable } from '@libp2p/interface';
import { weightsHeaderSchema, type RoundRequest } from './messages.ts';
import { WEIGHTS_PROTOCOL } from './protocols.ts';
import { outcomeOf, RoundService, type ExpectingFetch, type FetchOutcome, type Peer, type RoundServiceComponents, type StoreServiceInit } from './round-service.ts';
import { decodeWeights, encodeWeights, weightsPayloadBytes, type WeightsExpectation, type WeightsMessage } from './weights-codec.ts';

export type WeightsServiceInit = StoreServiceInit<WeightsMessage>;

export class WeightsService implements Startable {
  private readonly rounds: RoundService<WeightsMessage, typeof weightsHeaderSchema>;

  constructor(components: RoundServiceComponents, init: WeightsServiceInit) {
    this.rounds = new RoundService(components, {
      ...init,
      protocol: WEIGHTS_PROTOCOL,
      okHeader: weightsHeaderSchema,
      encode: (msg) => encodeWeights(init.agent, msg),
    });
  }

  start = () => this.rounds.start();
  stop = () => this.rounds.stop();

  async fetch(peer: Peer, req: RoundRequest, { signal, timeoutMs, expect }: ExpectingFetch<WeightsExpectation>): Promise<FetchOutcome<WeightsMessage>> {
    const f = await this.rounds.fetch(peer, req, { signal, timeoutMs, maxPayloadBytes: weightsPayloadBytes(expect.own) });
    return outcomeOf(f, (header, payload) => decodeWeights(header, payload, expect));
  }
}

export const weightsService = (init: WeightsServiceInit) => (components: RoundServiceComponents) => new WeightsService(components, init);
