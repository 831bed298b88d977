// Profile knobs: the profile fields a run may override on the command line. Each is marked in the
// schema itself (`knob(field, meta)` in src/learning/profile.ts), and everything else is read off that
// mark: the flag and its option's name, the parser and its bounds, the help line, the value the
// baselines give it, and (through the brand) the type of the override. Pure: no commander, no I/O.
import { z } from 'zod';

/** What a knob's metadata says, besides the field's schema. */
export interface KnobMeta<T = unknown> {
  /** One line for `--help` (and the field's description in the schema). */
  description: string;
  /** The option's name where it is not the field's, in camelCase: `steps` gives `--steps` and `opts.steps`. */
  flag?: string;
  /** The value every baseline run (isolated, gossip, central) gives the field: what turns it off. */
  baseline?: T;
  /** The value the `single-head` baseline model gives the field, on top of `baseline`. */
  singleHead?: T;
}

declare const KNOB: unique symbol;
/** A field's schema marked as a knob; the brand exists for the type checker only. */
export type Knobbed<S, M> = S & { readonly [KNOB]: M };

/** Marks a profile field as a knob: its metadata goes into zod's registry, its flag into its type. */
export function knob<S extends z.ZodType, const M extends KnobMeta<z.output<S>>>(schema: S, meta: M): Knobbed<S, M> {
  return schema.meta({ knob: true, ...(meta as KnobMeta) }) as Knobbed<S, M>;
}

type OptionName<K, S> = S extends { readonly [KNOB]: infer M } ? (M extends { flag: infer F extends string } ? F : K) : never;
/** The options a knob table gives: one optional attribute per knob, its flag's name, the field's type. */
export type KnobOptions<Shape> = { [K in keyof Shape as OptionName<K, Shape[K]>]?: Shape[K] extends z.ZodType ? z.output<Shape[K]> : never };

export type KnobValue = number | boolean | string;

export interface Knob {
  /** The profile field. */
  field: string;
  /** `--aux-heads`. */
  flag: string;
  /** The option's attribute (commander's camelCase of the flag): `auxHeads`, `steps`. */
  attribute: string;
  kind: 'int' | 'number' | 'boolean' | 'enum';
  choices?: readonly string[];
  /** Bounds from the schema's checks; `minExclusive` for `.positive()`. */
  min?: number;
  minExclusive?: boolean;
  max?: number;
  help: string;
  baseline?: KnobValue;
  singleHead?: KnobValue;
  /** The value of the flag's text; throws an Error that names the flag and what it takes. */
  parse(raw: string): KnobValue;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Booleans on the command line: true/on/1 and false/off/0. */
export function parseBoolean(flag: string, raw: string): boolean {
  if (raw === 'true' || raw === 'on' || raw === '1') return true;
  if (raw === 'false' || raw === 'off' || raw === '0') return false;
  throw new Error(`${flag} must be true or false, got "${raw}"`);
}

interface NumberDef {
  checks?: { _zod: { def: { check: string; value?: number; inclusive?: boolean; format?: string } } }[];
}

function describeKnob(field: string, schema: z.ZodType, meta: KnobMeta): Knob {
  let inner = schema;
  while (inner.def.type === 'default' || inner.def.type === 'optional') inner = (inner.def as unknown as { innerType: z.ZodType }).innerType;
  const attribute = meta.flag ?? field;
  const base = { field, flag: `--${kebab(attribute)}`, attribute, help: meta.description, baseline: meta.baseline as KnobValue | undefined, singleHead: meta.singleHead as KnobValue | undefined };
  const flag = base.flag;
  if (inner instanceof z.ZodBoolean) return { ...base, kind: 'boolean', parse: (raw) => parseBoolean(flag, raw) };
  if (inner instanceof z.ZodEnum) {
    const choices = inner.options.map(String);
    return {
      ...base,
      kind: 'enum',
      choices,
      parse: (raw) => {
        if (choices.includes(raw)) return raw;
        throw new Error(`${flag} must be one of ${choices.join(', ')}, got "${raw}"`);
      },
    };
  }
  if (!(inner instanceof z.ZodNumber)) throw new Error(`profile field "${field}": a knob must be a number, a boolean or an enum, not ${inner.def.type}`);
  const knob: Knob = { ...base, kind: 'number', parse: () => 0 };
  for (const { _zod: { def: c } } of (inner.def as NumberDef).checks ?? []) {
    if (c.check === 'number_format' && c.format?.includes('int')) knob.kind = 'int';
    if (c.check === 'greater_than') [knob.min, knob.minExclusive] = [c.value, !c.inclusive];
    if (c.check === 'less_than') knob.max = c.value;
  }
  const bounds = [knob.min !== undefined ? `${knob.minExclusive ? '>' : '>='} ${knob.min}` : '', knob.max !== undefined ? `<= ${knob.max}` : ''];
  const takes = [knob.kind === 'int' ? 'an integer' : 'a number', bounds.filter(Boolean).join(' and ')].filter(Boolean).join(' ');
  knob.parse = (raw) => {
    const v = raw.trim() === '' ? NaN : Number(raw);
    // The schema itself is the check, so the flag cannot accept what the profile rejects.
    if (!inner.safeParse(v).success) throw new Error(`${flag} must be ${takes}, got "${raw}"`);
    return v;
  };
  return knob;
}

/** The knobs of an object schema, in field order: the fields marked with `knob()`. */
export function knobsOf(schema: z.ZodObject): Knob[] {
  return Object.entries(schema.shape).flatMap(([field, f]) => {
    const meta = (f as z.ZodType).meta() as (KnobMeta & { knob?: boolean }) | undefined;
    return meta?.knob ? [describeKnob(field, f as z.ZodType, meta)] : [];
  });
}

/** The profile fields an options object overrides: each knob's attribute that is set, under its field's name. */
export function knobOverrides(knobs: readonly Knob[], options: object): Record<string, unknown> {
  const o = options as Readonly<Record<string, unknown>>;
  return Object.fromEntries(knobs.filter((k) => o[k.attribute] !== undefined).map((k) => [k.field, o[k.attribute]]));
}

/** What a baseline run sets: every knob's `baseline`, and for the single-head model its `singleHead` too. */
export function baselineValues(knobs: readonly Knob[], singleHead: boolean): Record<string, KnobValue> {
  const out: Record<string, KnobValue> = {};
  for (const k of knobs) {
    if (k.baseline !== undefined) out[k.field] = k.baseline;
    if (singleHead && k.singleHead !== undefined) out[k.field] = k.singleHead;
  }
  return out;
}
