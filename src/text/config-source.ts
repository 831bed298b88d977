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

/** Checks `src.value` against `schema`; the first issue becomes a ConfigError naming the field. */
export function parseWith<S extends z.ZodType>(schema: S, src: ConfigSource): z.infer<S> {
  const parsed = schema.safeParse(src.value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') return src.fail([...path, issue.keys[0]], `unknown field "${[...path, issue.keys[0]].join('.')}"`);
  return src.fail(path, path.length > 0 ? `field "${path.join('.')}": ${issue.message}` : issue.message);
}
