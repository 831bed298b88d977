// Command-line arguments of the scripts, checked. Each option says how its text becomes a value; a bad
// argument (an unknown option, a missing or malformed value, a stray word) is one line on stderr naming
// the problem and exit status 2. `--help` (or -h) prints the usage and exits 0.
// `parseArguments` is the pure part (it throws ArgumentError); `parseCommand` prints and exits.

export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

/** Text to a value; throws (any Error) with a message that reads after the flag: `must be ..., got "x"`. */
export type Check<T> = (raw: string) => T;

export interface Option<T> {
  /** What follows the flag in the usage (`N`, `a|b`); undefined for a flag that takes no value. */
  readonly value?: string;
  readonly help: string;
  /** The default as one would type it, for the usage. */
  readonly fallback?: string;
  /** May be given more than once; every occurrence counts, in order. */
  readonly repeats?: boolean;
  /** The value from every occurrence's text ([] when not given). */
  readonly read: (given: readonly string[]) => T;
}

export interface Command<S extends Record<string, Option<unknown>>> {
  /** The npm script's name, which starts every message: `bench:step`. */
  name: string;
  /** What it does, for --help. */
  about: string;
  /** One word before or among the options, that must be one of `choices`. */
  positional?: { name: string; choices: readonly string[] };
  options: S;
}

export type Values<S extends Record<string, Option<unknown>>> = { [K in keyof S]: S[K] extends Option<infer T> ? T : never };

// ---- checks

export const nonEmpty: Check<string> = (raw) => {
  if (raw.trim() === '') throw new ArgumentError('must not be empty');
  return raw;
};

/** A whole number at least `min`. */
export function whole(min = 0): Check<number> {
  return (raw) => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min) throw new ArgumentError(`must be a whole number${min === 0 ? '' : ` >= ${min}`}, got "${raw}"`);
    return v;
  };
}

/** A finite number above 0. */
export const positive: Check<number> = (raw) => {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v <= 0) throw new ArgumentError(`must be a number above 0, got "${raw}"`);
  return v;
};

export function choice<C extends string>(...choices: readonly C[]): Check<C> {
  return (raw) => {
    const spelled = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}` : choices.join('');
    if (!(choices as readonly string[]).includes(raw)) throw new ArgumentError(`must be ${spelled}, got "${raw}"`);
    return raw as C;
  };
}

/** Comma-separated items, each checked (at least one). */
export function listOf<T>(item: Check<T>): Check<T[]> {
  return (raw) => {
    const parts = raw.split(',').map((s) => s.trim());
    if (parts.some((p) => p === '')) throw new ArgumentError(`must be a comma-separated list, got "${raw}"`);
    return parts.map((p) => {
      try {
        return item(p);
      } catch (err) {
        throw new ArgumentError(`item "${p}" ${firstLine(err)}`);
      }
    });
  };
}

// ---- options

/** An option with one value; when absent, `fallback` (checked as if typed) or undefined. */
export function one<T>(value: string, help: string, check: Check<T>): Option<T | undefined>;
export function one<T>(value: string, help: string, check: Check<T>, fallback: string): Option<T>;
export function one<T>(value: string, help: string, check: Check<T>, fallback?: string): Option<T | undefined> {
  return {
    value,
    help,
    fallback,
    read: (given) => {
      if (given.length > 1) throw new ArgumentError('is given more than once');
      const raw = given[0] ?? fallback;
      return raw === undefined ? undefined : check(raw);
    },
  };
}

/** A flag: true when given. */
export function flag(help: string): Option<boolean> {
  return { help, read: (given) => given.length > 0 };
}

/** An option that may be repeated; every value checked, in order ([] when absent). */
export function repeated<T>(value: string, help: string, check: Check<T>): Option<T[]> {
  return { value, help, repeats: true, read: (given) => given.map(check) };
}

// ---- parsing

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

/** The usage: one line of synopsis, the about text, one line per option. */
export function usage<S extends Record<string, Option<unknown>>>(cmd: Command<S>): string {
  const entries = Object.entries(cmd.options);
  const spell = (k: string, o: Option<unknown>) => `--${k}${o.value === undefined ? '' : ` ${o.value}`}`;
  const synopsis = [cmd.positional ? cmd.positional.choices.join('|') : '', ...entries.map(([k, o]) => `[${spell(k, o)}]${o.repeats ? '...' : ''}`)].filter((s) => s !== '');
  const width = Math.max(0, ...entries.map(([k, o]) => spell(k, o).length));
  return [
    `usage: npm run ${cmd.name}${synopsis.length ? ` -- ${synopsis.join(' ')}` : ''}`,
    cmd.about,
    ...entries.map(([k, o]) => `  ${spell(k, o).padEnd(width)}  ${o.help}${o.fallback === undefined ? '' : ` (default ${o.fallback})`}`),
  ].join('\n');
}

/**
 * The values of `argv` (`--name value`, `--name=value`, a flag `--name`, `--` ends the options), or
 * `help: true` when it asks for the usage; throws ArgumentError naming the first problem.
 */
export function parseArguments<S extends Record<string, Option<unknown>>>(cmd: Command<S>, argv: readonly string[]): { help: boolean; values: Values<S>; positional?: string } {
  const given = new Map<string, string[]>(Object.keys(cmd.options).map((k) => [k, []]));
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--help' || a === '-h') return { help: true, values: {} as Values<S> };
    if (!a.startsWith('-') || a === '-') {
      words.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? a.slice(2, eq < 0 ? undefined : eq) : '';
    const option = Object.hasOwn(cmd.options, name) ? cmd.options[name] : undefined;
    if (option === undefined) throw new ArgumentError(`unknown option ${eq < 0 ? a : a.slice(0, eq)}`);
    if (option.value === undefined) {
      if (eq >= 0) throw new ArgumentError(`--${name} takes no value`);
      given.get(name)!.push('');
    } else if (eq >= 0) {
      given.get(name)!.push(a.slice(eq + 1));
    } else {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new ArgumentError(`--${name} needs a value (${option.value})`);
      given.get(name)!.push(argv[++i]);
    }
  }
  const values = {} as Record<string, unknown>;
  for (const [k, o] of Object.entries(cmd.options)) {
    try {
      values[k] = o.read(given.get(k)!);
    } catch (err) {
      throw new ArgumentError(`--${k} ${firstLine(err)}`);
    }
  }
  const p = cmd.positional;
  if (words.length > (p ? 1 : 0)) throw new ArgumentError(`unexpected argument "${words[p ? 1 : 0]}"`);
  if (p && words.length === 0) throw new ArgumentError(`which ${p.name}? one of ${p.choices.join(', ')}`);
  if (p && !p.choices.includes(words[0])) throw new ArgumentError(`unknown ${p.name} "${words[0]}": one of ${p.choices.join(', ')}`);
  return { help: false, values: values as Values<S>, positional: words[0] };
}

/** A bad argument found after parsing: one line, exit status 2. */
export function fail(name: string, problem: string): never {
  console.error(`${name}: ${problem} (npm run ${name} -- --help)`);
  process.exit(2);
}

/** parseArguments on this process's arguments: the usage and exit 0 for --help; one line and exit 2 for a bad one. */
export function parseCommand<S extends Record<string, Option<unknown>>>(cmd: Command<S>, argv: readonly string[] = process.argv.slice(2)): { values: Values<S>; positional: string } {
  try {
    const r = parseArguments(cmd, argv);
    if (r.help) {
      console.log(usage(cmd));
      process.exit(0);
    }
    return { values: r.values, positional: r.positional ?? '' };
  } catch (err) {
    if (err instanceof ArgumentError) fail(cmd.name, err.message);
    throw err;
  }
}
