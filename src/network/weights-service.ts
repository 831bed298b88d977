// The weights protocol of the gossip baseline: an agent serves its weights of each round and fetches
// its neighbours', checked against its own model's tensors (weights-codec.ts).
import type { Startable } from '@libp2p/interface';
import type { AgentId } from '../topology/types.ts';
import { weightsHeaderSchema, type RoundRequest } from './messages.ts';
import { WEIGHTS_PROTOCOL } from './protocols.ts';
import { outcomeOf, RoundService, type FetchOutcome, type Peer, type ReaderAccess, type RoundServiceComponents, type ServerDeadlines } from './round-service.ts';
import type { RoundStore } from './round-store.ts';
import { decodeWeights, encodeWeights, weightsPayloadBytes, type WeightsExpectation, type WeightsMessage } from './weights-codec.ts';

export interface WeightsServiceInit {
  agent: AgentId;
  store: RoundStore<WeightsMessage>;
  access: ReaderAccess;
  maxWaitMs: number;
  deadlines?: ServerDeadlines;
}

export interface WeightsFetch {
  signal: AbortSignal;
  timeoutMs: number;
  expect: WeightsExpectation;
}

export class WeightsService implements Startable {
  private readonly rounds: RoundService<WeightsMessage, typeof weightsHeaderSchema>;

  constructor(components: RoundServiceComponents, init: WeightsServiceInit) {
    this.rounds = new RoundService(components, {
      protocol: WEIGHTS_PROTOCOL,
      agent: init.agent,
      store: init.store,
      access: init.access,
      maxWaitMs: init.maxWaitMs,
      deadlines: init.deadlines,
      okHeader: weightsHeaderSchema,
      encode: (msg) => encodeWeights(init.agent, msg),
    });
  }

  start = () => this.rounds.start();
  stop = () => this.rounds.stop();

  async fetch(peer: Peer, req: RoundRequest, { signal, timeoutMs, expect }: WeightsFetch): Promise<FetchOutcome<WeightsMessage>> {
    const f = await this.rounds.fetch(peer, req, { signal, timeoutMs, maxPayloadBytes: weightsPayloadBytes(expect.own) });
    return outcomeOf(f, (header, payload) => decodeWeights(header, payload, expect));
  }
}

export const weightsService = (init: WeightsServiceInit) => (components: RoundServiceComponents) => new WeightsService(components, init);
