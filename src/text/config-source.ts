// Configuration files (topologies, profiles, run configs) are YAML or JSON checked by a zod schema.
// Every problem becomes one ConfigError that reads `file:line: problem`, whichever file it was.
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly source: string;
  readonly line: number | undefined;
  constructor(source: string, line: number | undefined, problem: string) {
    super(`${source}${line !== undefined ? `:${line}` : ''}: ${problem}`);
    this.source = source;
    this.line = line;
  }
}

export type Path = readonly (string | number)[];

export interface ConfigSource {
  readonly source: string;
  /** The parsed value (plain JSON data). */
  readonly value: unknown;
  /** The line of the deepest node on `path` that exists (undefined when none has a position). */
  lineOf(path: Path): number | undefined;
  /** Throws a ConfigError at the line of `path`. */
  fail(path: Path, problem: string): never;
}

/** Parses YAML (or JSON, which YAML reads too); a syntax error is a ConfigError at its line. */
export function readConfigText(text: string, source: string): ConfigSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines }) as Document;
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new ConfigError(source, e.linePos?.[0].line, `not valid YAML/JSON: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const lineOf = (path: Path): number | undefined => {
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      // A mapping's key carries the line a reader looks at; its value may start on the next line.
      const parent = p.length > 1 ? doc.getIn(p.slice(0, -1), true) : doc.contents;
      const pair = (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | null)?.items?.find(
        (i) => i.key?.value === p[p.length - 1],
      );
      const range = pair?.key?.range ?? (doc.getIn(p, true) as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
      if (p.length === 0) return undefined;
    }
  };
  return {
    source,
    value: doc.toJS(),
    lineOf,
    fail: (path, problem) => {
      throw new ConfigError(source, lineOf(path), problem);
    },
  };
}

/**
 * Checks `src.value` against `schema`; one issue becomes a ConfigError naming the field. An unknown key
 * comes first, with the known key nearest to it: a misspelt field is then named as such, at its own
 * line, rather than as the field it failed to set.
 */
export function parseWith<S extends z.ZodType>(schema: S, src: ConfigSource): z.infer<S> {
  const parsed = schema.safeParse(src.value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const near = nearest(key, knownKeys(schema, path));
    return src.fail([...path, key], `unknown field "${[...path, key].join('.')}"${near ? ` (did you mean "${near}"?)` : ''}`);
  }
  return src.fail(path, path.length > 0 ? `field "${path.join('.')}": ${issue.message}` : issue.message);
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType; options?: z.ZodType[] };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The fields of the object schema at `path` inside `schema` (none when it is no object there). */
function knownKeys(schema: z.ZodType | undefined, path: Path): string[] {
  if (!schema) return [];
  const def = defOf(schema);
  if (def.innerType) return knownKeys(def.innerType, path);
  if (def.type === 'pipe') return [...knownKeys(def.in, path), ...knownKeys(def.out, path)];
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => knownKeys(o, path));
  if (def.type === 'object' && def.shape) return path.length === 0 ? Object.keys(def.shape) : knownKeys(def.shape[path[0]], path.slice(1));
  if (path.length === 0) return [];
  if (def.type === 'record') return knownKeys(def.valueType, path.slice(1));
  if (def.type === 'array') return knownKeys(def.element, path.slice(1));
  return [];
}

/** The candidate closest to `word` by edit distance, when close enough to be a slip (a third of it). */
function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const key of candidates) {
    const d = editDistance(word.toLowerCase(), key.toLowerCase());
    if (d <= Math.max(1, Math.floor(key.length / 3)) && (!best || d < best.d)) best = { key, d };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}
