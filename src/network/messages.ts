// The JSON frames of the round protocols (docs/DESIGN.md, "Wire protocol"): a request, and a reply header
// that is either a refusal or, per protocol, an ok header. Each is a zod schema that is also its
// TypeScript type, so a field is declared once and every frame from a peer is checked before use.
// Requests are read leniently (a bad optional field falls back to its default), replies strictly.
import { z } from 'zod';
import { WireError } from './errors.ts';

const count = z.number().int().min(0);
/** An optional field that a careless client may send wrong: read as absent. */
const lenient = <T extends z.ZodType>(t: T) => t.optional().catch(undefined);

export const roundRequestSchema = z
  .object({
    round: count,
    /** The oldest round the client accepts (the staleness bound); at most `round`. */
    minRound: lenient(count),
    /** How long the client asks the server to hold the request while the round is not there yet. */
    waitMs: lenient(z.number().min(0)),
    embedding: lenient(z.boolean()),
    /** The embedding width the client can use; the server sends embeddings only of that width. */
    embeddingSize: lenient(count),
  })
  .transform((o) => ({
    round: o.round,
    minRound: Math.min(o.minRound ?? o.round, o.round),
    waitMs: o.waitMs ?? 0,
    embedding: o.embedding === true,
    embeddingSize: o.embeddingSize,
  }));
export type RoundRequest = z.output<typeof roundRequestSchema>;

export const ENCODINGS = ['f32', 'f16', 'u8'] as const;
export type Encoding = (typeof ENCODINGS)[number];
export const isEncoding = (v: string): v is Encoding => (ENCODINGS as readonly string[]).includes(v);

export const REFUSALS = ['not-ready', 'gone', 'forbidden', 'bad-request'] as const;
export type Refusal = (typeof REFUSALS)[number];
export type ResponseStatus = 'ok' | Refusal;

/** What every reply header carries; unknown fields are kept (a newer peer may add some). */
const replyFields = {
  agent: z.string(),
  /** How long the server held the request waiting for the round (informational). */
  waitedMs: lenient(z.number().min(0)),
};

export const refusalHeaderSchema = z.looseObject({ status: z.enum(REFUSALS), ...replyFields, message: lenient(z.string()) });
export type RefusalHeader = z.output<typeof refusalHeaderSchema>;

export const predictionHeaderSchema = z.looseObject({
  status: z.literal('ok'),
  ...replyFields,
  round: count,
  chunkHash: z.string(),
  heads: count,
  classes: count,
  samples: count,
  encoding: z.enum(ENCODINGS),
  embeddingSize: count,
});
export type PredictionHeader = z.output<typeof predictionHeaderSchema>;

export const weightsHeaderSchema = z.looseObject({
  status: z.literal('ok'),
  ...replyFields,
  round: count,
  tensors: z.array(z.object({ name: z.string(), shape: z.array(count) })),
});
export type WeightsHeader = z.output<typeof weightsHeaderSchema>;

const decodeUtf8 = (raw: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(raw);

/** A frame's JSON, or a malformed WireError naming `what`. */
export function parseJsonFrame(raw: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decodeUtf8(raw)) as unknown;
  } catch {
    throw new WireError('malformed', `${what} is not JSON`);
  }
}

export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** Checks `value` against `schema`; the first problem becomes one malformed WireError naming the field. */
export function checked<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.length > 0 ? ` field ${issue.path.join('.')}` : '';
  throw new WireError('malformed', `${what}${field}: ${issue.message}`);
}

export function parseRoundRequest(raw: Uint8Array): RoundRequest {
  const o = parseJsonFrame(raw, 'request');
  if (typeof o !== 'object' || o === null || !count.safeParse((o as { round?: unknown }).round).success) {
    throw new WireError('malformed', 'request lacks a non-negative integer round');
  }
  return checked(roundRequestSchema, o, 'request');
}

/**
 * A reply header: a refusal, or the protocol's ok header (`ok`). A header that is neither is malformed;
 * an unknown status counts as malformed too, so a peer cannot invent one.
 */
export function parseReplyHeader<T extends z.ZodType>(raw: unknown, ok: T): RefusalHeader | z.output<T> {
  const status = (raw as { status?: unknown } | null)?.status;
  if (typeof raw !== 'object' || raw === null || typeof status !== 'string') throw new WireError('malformed', 'response header lacks a status');
  if (status !== 'ok') return checked(refusalHeaderSchema, raw, 'response header');
  return checked(ok, raw, 'response header');
}
