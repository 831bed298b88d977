// Wire format of the weights protocol of the gossip baseline (docs/DESIGN.md, "Wire protocol"): a JSON
// header frame naming every tensor and its shape (messages.ts), then one payload frame of all values as
// little-endian f32. Pure functions, the sibling of predictions-codec.ts.
import type { NamedWeights } from '../learning/gossip.ts';
import type { Round } from '../learning/types.ts';
import type { AgentId } from '../topology/types.ts';
import { WireError } from './errors.ts';
import type { WeightsHeader } from './messages.ts';

export interface WeightsMessage {
  readonly round: Round;
  readonly weights: readonly NamedWeights[];
}

const valueCount = (weights: readonly NamedWeights[]) => weights.reduce((a, w) => a + w.values.length, 0);

/** The payload bytes a model of these tensors sends: the reader's frame limit. */
export const weightsPayloadBytes = (own: readonly NamedWeights[]) => valueCount(own) * 4;

export function encodeWeights(agent: AgentId, msg: WeightsMessage): { header: WeightsHeader; payload: Uint8Array } {
  const payload = new Uint8Array(weightsPayloadBytes(msg.weights));
  const view = new DataView(payload.buffer);
  let offset = 0;
  for (const w of msg.weights) for (const v of w.values) view.setFloat32(offset++ * 4, v, true);
  return { header: { status: 'ok', agent, round: msg.round, tensors: msg.weights.map((w) => ({ name: w.name, shape: [...w.shape] })) }, payload };
}

export interface WeightsExpectation {
  agent: AgentId;
  minRound: Round;
  maxRound: Round;
  /** This agent's own weights: a neighbour's must have the same tensors and shapes. */
  own: readonly NamedWeights[];
}

/** Validates the header against what this agent expects, then decodes. Throws WireError. */
export function decodeWeights(h: WeightsHeader, payload: Uint8Array, exp: WeightsExpectation): WeightsMessage {
  const { own } = exp;
  if (h.agent !== exp.agent) throw new WireError('wrong-agent', `weights claim to be from ${h.agent}, expected ${exp.agent}`);
  if (h.round < exp.minRound || h.round > exp.maxRound) throw new WireError('stale-round', `weights of round ${h.round}, accepted ${exp.minRound}..${exp.maxRound}`);
  if (h.tensors.length !== own.length || h.tensors.some((t, i) => t.shape.join('x') !== own[i].shape.join('x'))) {
    throw new WireError('wrong-shape', `weights of ${exp.agent} do not match this agent's model: gossip needs equal backbones and heads`);
  }
  const expected = weightsPayloadBytes(own);
  if (payload.byteLength !== expected) throw new WireError('truncated', `weights payload of ${payload.byteLength} bytes, expected ${expected}`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let offset = 0;
  const weights = own.map((w) => {
    const values = new Float32Array(w.values.length);
    for (let i = 0; i < values.length; i++) {
      values[i] = view.getFloat32(offset++ * 4, true);
      if (!Number.isFinite(values[i])) throw new WireError('non-finite', `non-finite weight in ${w.name}`);
    }
    return { name: w.name, shape: w.shape, values };
  });
  return { round: h.round, weights };
}
