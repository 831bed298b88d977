// Adversaries (an experiment feature): agents that speak the protocol but lie about their predictions.
// The topology file (`adversaries: { a3: shift }`) or `--adversary a3=shift` names them; honest agents
// are told nothing (only the liar's own exchange mode reads this).
import type { AgentId } from './types.ts';

export const BEHAVIOURS = ['shift', 'constant', 'random', 'noise', 'sleeper', 'echo', 'silent'] as const;
export type BehaviourName = (typeof BEHAVIOURS)[number];

export type Behaviour =
  | { kind: 'shift' | 'random' | 'noise' | 'echo' | 'silent' }
  | { kind: 'constant'; cls: number }
  /** Honest before round `from`, then `shift`. */
  | { kind: 'sleeper'; from: number };

export const BEHAVIOUR_HELP = 'shift | constant:C | random | noise | sleeper:R | echo | silent';

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
  switch (name) {
    case 'constant':
      return { kind: 'constant', cls: intArg('class') };
    case 'sleeper':
      return { kind: 'sleeper', from: intArg('round') };
    case 'shift':
    case 'random':
    case 'noise':
    case 'echo':
    case 'silent':
      if (arg !== undefined) throw bad(`${name} takes no argument`);
      return { kind: name };
    default:
      throw bad(`unknown behaviour "${name}"`);
  }
}

/** Parses `AGENT=BEHAVIOUR` (the CLI form). */
export function parseAdversaryOption(raw: string): [AgentId, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0 || eq === raw.length - 1) throw new Error(`--adversary takes AGENT=BEHAVIOUR (${BEHAVIOUR_HELP}), got "${raw}"`);
  const agent = raw.slice(0, eq).trim();
  const spec = raw.slice(eq + 1).trim();
  parseBehaviour(spec);
  return [agent, spec];
}
