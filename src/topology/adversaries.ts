// Adversaries (an experiment feature): agents that speak the protocol but lie about their predictions.
// The topology file (`adversaries: { a3: shift }`) or `--adversary a3=shift` names them; honest agents
// are told nothing (only the liar's own exchange mode reads this). A spec is parsed once, where it is
// read (the topology file, the option), into a Behaviour; the run's config.json keeps that value.
import { z } from 'zod';

export const BEHAVIOURS = ['shift', 'constant', 'random', 'noise', 'sleeper', 'echo', 'silent', 'aux-shift', 'camouflage', 'partial', 'stall', 'embedding-blowup'] as const;
export type BehaviourName = (typeof BEHAVIOURS)[number];

const count = z.number().int().min(0);
export const behaviourSchema = z.union([
  z.object({ kind: z.enum(['shift', 'random', 'noise', 'echo', 'silent', 'aux-shift', 'stall', 'embedding-blowup']) }).strict(),
  z.object({ kind: z.literal('constant'), cls: count }).strict(),
  /** Honest before round `from`, then `shift`. */
  z.object({ kind: z.literal('sleeper'), from: count }).strict(),
  /** Each reader's own row where that reader is sure (max-probability >= threshold), a confident lie elsewhere. */
  z.object({ kind: z.literal('camouflage'), threshold: z.number().gt(0).max(1) }).strict(),
  /** Confident lies on this fraction of the rows, uniform rows elsewhere. */
  z.object({ kind: z.literal('partial'), fraction: z.number().gt(0).max(1) }).strict(),
]);
export type Behaviour = z.infer<typeof behaviourSchema>;

/** The spec a behaviour was parsed from: `shift`, `constant:3`, `sleeper:4`. */
export function formatBehaviour(b: Behaviour): string {
  if (b.kind === 'constant') return `constant:${b.cls}`;
  if (b.kind === 'sleeper') return `sleeper:${b.from}`;
  if (b.kind === 'camouflage') return `camouflage:${b.threshold}`;
  if (b.kind === 'partial') return `partial:${b.fraction}`;
  return b.kind;
}

export const BEHAVIOUR_HELP = 'shift | constant:C | random | noise | sleeper:R | echo | silent | aux-shift | camouflage[:T] | partial:F | stall | embedding-blowup';

/** Where camouflage copies a reader's row when no threshold is given. */
export const CAMOUFLAGE_THRESHOLD = 0.8;

/** Agent -> spec, for reports. */
export const adversarySpecs = (adversaries: Readonly<Record<string, Behaviour>> = {}): Record<string, string> =>
  Object.fromEntries(Object.entries(adversaries).map(([a, b]) => [a, formatBehaviour(b)]));

/** Parses `shift`, `constant:3`, `sleeper:4`, ...; throws an Error naming the problem. */
export function parseBehaviour(spec: string): Behaviour {
  const [name, arg, ...rest] = spec.trim().split(':');
  const bad = (why: string) => new Error(`bad adversary behaviour "${spec}": ${why} (expected ${BEHAVIOUR_HELP})`);
  if (rest.length > 0) throw bad('too many ":" parts');
  const intArg = (what: string) => {
    const v = Number(arg);
    if (arg === undefined || arg === '' || !Number.isInteger(v) || v < 0) throw bad(`${name} needs a non-negative integer ${what}`);
    return v;
  };
  const fraction = (what: string, fallback?: number) => {
    if (arg === undefined && fallback !== undefined) return fallback;
    const v = Number(arg);
    if (arg === undefined || arg === '' || !Number.isFinite(v) || v <= 0 || v > 1) throw bad(`${name} needs a ${what} in (0, 1]`);
    return v;
  };
  switch (name) {
    case 'camouflage':
      return { kind: 'camouflage', threshold: fraction('threshold', CAMOUFLAGE_THRESHOLD) };
    case 'partial':
      return { kind: 'partial', fraction: fraction('fraction of rows') };
    case 'constant':
      return { kind: 'constant', cls: intArg('class') };
    case 'sleeper':
      return { kind: 'sleeper', from: intArg('round') };
    case 'shift':
    case 'random':
    case 'noise':
    case 'echo':
    case 'silent':
    case 'aux-shift':
    case 'stall':
    case 'embedding-blowup':
      if (arg !== undefined) throw bad(`${name} takes no argument`);
      return { kind: name };
    default:
      throw bad(`unknown behaviour "${name}"`);
  }
}

/** Parses `AGENT=BEHAVIOUR` (the CLI form). */
export function parseAdversaryOption(raw: string): [agent: string, behaviour: Behaviour] {
  const eq = raw.indexOf('=');
  if (eq <= 0 || eq === raw.length - 1) throw new Error(`--adversary takes AGENT=BEHAVIOUR (${BEHAVIOUR_HELP}), got "${raw}"`);
  return [raw.slice(0, eq).trim(), parseBehaviour(raw.slice(eq + 1).trim())];
}
