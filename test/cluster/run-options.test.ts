import { Command } from 'commander';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parsePeers } from '../../src/node/run-node.ts';
import { publicChunk, chunkHash } from '../../src/learning/chunks.ts';
import { RoundStore } from '../../src/network/round-store.ts';
import { tinyConfig, tinyOptions } from '../helpers/config.ts';
import { addExperimentOptions, buildRunConfig, type ExperimentOptions } from '../../src/cluster/run-options.ts';
import { PROFILE_KNOBS, profileSchema, type Profile } from '../../src/learning/profile.ts';
import type { KnobMeta } from '../../src/learning/profile-knobs.ts';

describe('run configuration', () => {
  it('resolves every agent\'s profile with the overrides; baselines keep the model and lose the distillation', () => {
    const c = tinyConfig({ auxHeads: 2, nu0: 0 });
    expect(Object.keys(c.profiles)).toHaveLength(8);
    expect(c.profiles.a3.profile).toMatchObject({ auxHeads: 2, nu0: 0, backbone: 'mlp-small' });
    // The fair baseline is the MHD run's own model (heads and label losses) without targets...
    const iso = tinyConfig({ mode: 'isolated', nodes: 'default', auxHeads: undefined });
    expect(iso.profiles.a0.profile).toMatchObject({ auxHeads: 3, auxLabels: true, nu0: 0, nuAux: 0, nuEmb: 0, priorCorrection: 0 });
    expect(iso.baselineModel).toBe('same');
    // ... and the older one, one head and the main head's labels only, is still there by name.
    const single = tinyConfig({ mode: 'isolated', nodes: 'default', auxHeads: undefined, baselineModel: 'single-head' });
    expect(single.profiles.a0.profile).toMatchObject({ auxHeads: 0, auxLabels: false, nu0: 0, nuAux: 0 });
    const central = tinyConfig({ mode: 'central' });
    expect(central.profiles.central.profile.auxHeads).toBe(3);
    // MHD runs keep their profile whatever the baseline model says.
    expect(tinyConfig({ nodes: 'default', auxHeads: undefined, baselineModel: 'single-head' }).profiles.a1.profile).toMatchObject({ auxHeads: 3, nuAux: 1 });
    expect(tinyConfig({ lrSchedule: 'cosine', lr: 0.004 }).profiles.a5.profile).toMatchObject({ lrSchedule: 'cosine', learningRate: 0.004 });
  });

  it('names bad input', () => {
    expect(() => buildRunConfig(tinyOptions({ mode: 'telepathy' }))).toThrow(/unknown mode "telepathy"/);
    expect(() => buildRunConfig(tinyOptions({ evalSplit: 'val', val: 0 }))).toThrow(/--eval-split val needs a validation set: --val must be above 0/);
    expect(() => buildRunConfig(tinyOptions({ chunk: 1000, public: 400 }))).toThrow(/--chunk 1000 is larger than the public set/);
    expect(() => buildRunConfig(tinyOptions({ topology: 'topologies/complete-8-mixed.yaml', mode: 'gossip' }))).toThrow(/gossip needs equal backbones/);
    expect(() => buildRunConfig(tinyOptions({ nodes: 'imaginary' }))).toThrow(/profile "imaginary" not found/);
    expect(() => buildRunConfig(tinyOptions({ topology: 'nope.yaml' }))).toThrow(/nope.yaml: file not found/);
    expect(() => buildRunConfig(tinyOptions({ dataset: 'cifar' }))).toThrow(/unknown dataset "cifar"/);
    expect(() => buildRunConfig(tinyOptions({ partition: 'skew:2:2' }))).toThrow(/fraction 2 is outside/);
    expect(() => buildRunConfig(tinyOptions({ priorCorrection: 9 }))).toThrow(/^profile "small" with the command-line overrides: field "priorCorrection": Too big/);
  });

  it('parses --peer values and names malformed ones', () => {
    const peers = parsePeers(['a1=/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWabc', 'a1=/ip6/::1/tcp/4001/p2p/12D3KooWabc']);
    expect(peers.a1).toEqual({ agent: 'a1', peerId: '12D3KooWabc', addrs: ['/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWabc', '/ip6/::1/tcp/4001/p2p/12D3KooWabc'] });
    expect(() => parsePeers(['/ip4/1.2.3.4/tcp/1/p2p/x'])).toThrow(/expected AGENT=MULTIADDR/);
    expect(() => parsePeers(['a1=/ip4/1.2.3.4/tcp/1'])).toThrow(/must end in \/p2p\/<peer id>/);
    expect(() => parsePeers(['a1=/ip4/1.2.3.4/tcp/1/p2p/x', 'a1=/ip4/1.2.3.4/tcp/1/p2p/y'])).toThrow(/two peer ids/);
  });
});

describe('public chunks and the round store', () => {
  it('a chunk is a deterministic function of (seed, round), distinct across rounds', () => {
    expect(publicChunk(1, 3, 50, 1000)).toEqual(publicChunk(1, 3, 50, 1000));
    expect(publicChunk(1, 3, 50, 1000)).not.toEqual(publicChunk(1, 4, 50, 1000));
    expect(chunkHash(publicChunk(1, 3, 50, 1000))).not.toBe(chunkHash(publicChunk(2, 3, 50, 1000)));
    expect(new Set(publicChunk(1, 0, 1000, 1000)).size).toBe(1000);
    expect(() => publicChunk(1, 0, 1001, 1000)).toThrow(/larger than the public set/);
  });

  it('keeps only its latest rounds and wakes readers waiting for a round', async () => {
    const store = new RoundStore<string>(2);
    store.put(0, 'r0');
    store.put(1, 'r1');
    store.put(2, 'r2');
    expect(store.get(0)).toBeUndefined();
    expect([store.oldestRound(), store.latestRound()]).toEqual([1, 2]);
    expect(store.newestIn(0, 1)).toBe(1);
    const waited = store.waitFor(3, AbortSignal.timeout(5000));
    setTimeout(() => store.put(3, 'r3'), 20);
    const t0 = Date.now();
    await waited;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(store.get(3)).toBe('r3');
  });
});

describe('--processes', () => {
  it('takes a positive count or "agents", and names the option otherwise', async () => {
    const { processCount } = await import('../../src/cluster/run-options.ts');
    expect(processCount('3')).toBe(3);
    expect(processCount('agents')).toBe('agents');
    for (const bad of ['0', '-1', '1.5', 'all', '']) expect(() => processCount(bad)).toThrow(/--processes must be a positive integer or "agents"/);
  });
});

/** The options of a command line as `mhd simulate` parses them; commander's errors are thrown. */
function parseFlags(argv: string[]): Record<string, unknown> {
  const cmd = addExperimentOptions(new Command('simulate'))
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return cmd.parse(argv, { from: 'user' }).opts();
}
/** What the schema's metadata says about a field, read straight from zod's registry. */
const metaOf = (field: string) => profileSchema.shape[field as keyof Profile].meta() as (KnobMeta & { knob?: boolean }) | undefined;
const fields = Object.keys(profileSchema.shape);

describe('profile knobs: flags, help, parsing and baselines come from the profile schema', () => {
  it('every field marked as a knob is a flag that sets that field; the others are no flags', () => {
    const knobFields = fields.filter((f) => metaOf(f)?.knob);
    expect(PROFILE_KNOBS.map((k) => k.field)).toEqual(knobFields);
    const help = addExperimentOptions(new Command('simulate')).helpInformation();
    for (const k of PROFILE_KNOBS) {
      // A value the schema accepts, other than the profile's own, goes from the flag to the field.
      const values = k.kind === 'boolean' ? ['on', 'off'] : k.kind === 'enum' ? [...k.choices!] : [String(k.max ?? (k.min ?? 0) + (k.kind === 'int' ? 2 : 1.5))];
      for (const raw of values) {
        const opts = parseFlags([k.flag, raw]);
        const profile = buildRunConfig(tinyOptions({ [k.attribute]: opts[k.attribute] })).profiles.a0.profile as Record<string, unknown>;
        expect(profile[k.field], `${k.flag} ${raw}`).toEqual(k.kind === 'boolean' ? raw === 'on' : k.kind === 'enum' ? raw : Number(raw));
      }
      expect(help.replace(/\s+/g, ' ')).toContain(`${k.flag} `);
      expect(help.replace(/\s+/g, ' ')).toContain(`override: ${metaOf(k.field)!.description}`);
    }
    for (const f of fields.filter((f) => !metaOf(f)?.knob)) {
      expect(() => parseFlags([`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, '1'])).toThrow(/unknown option/);
    }
  });

  it('keeps the flags and option names that scripts and habits use', () => {
    const opts = parseFlags(
      ['--aux-heads 2', '--nu0 0.5', '--nu-aux 0.25', '--nu-emb 0.125', '--steps 7', '--lr 0.01', '--lr-schedule cosine', '--temperature 2', '--teacher mean']
        .concat(['--include-self off', '--gate-main 0', '--gate-aux true', '--aux-teacher same', '--aux-labels 1', '--prior-correction 1.5'])
        .flatMap((a) => a.split(' ')),
    );
    const over = { auxHeads: 2, nu0: 0.5, nuAux: 0.25, nuEmb: 0.125, steps: 7, lr: 0.01, lrSchedule: 'cosine', temperature: 2, teacher: 'mean' } as const;
    const more = { includeSelf: false, gateMain: false, gateAux: true, auxTeacher: 'same', auxLabels: true, priorCorrection: 1.5 } as const;
    expect(opts).toMatchObject({ ...over, ...more });
    const profile = tinyConfig({ ...over, ...more }).profiles.a4.profile;
    expect(profile).toMatchObject({ ...more, auxHeads: 2, stepsPerRound: 7, learningRate: 0.01, lrSchedule: 'cosine', teacher: 'mean' });
    // The override options' types are the profile fields' own.
    expectTypeOf<ExperimentOptions['steps']>().toEqualTypeOf<Profile['stepsPerRound'] | undefined>();
    expectTypeOf<ExperimentOptions['teacher']>().toEqualTypeOf<Profile['teacher'] | undefined>();
    expectTypeOf<ExperimentOptions>().not.toHaveProperty('stepsPerRound');
    expectTypeOf<ExperimentOptions>().not.toHaveProperty('backbone');
  });

  it("rejects a value outside the schema's bounds at the flag, naming the flag and the bounds", () => {
    expect(() => parseFlags(['--steps', 'x'])).toThrow(/--steps must be an integer >= 1 and <= 100000, got "x"/);
    expect(() => parseFlags(['--steps', '2.5'])).toThrow(/--steps must be an integer >= 1 and <= 100000, got "2.5"/);
    expect(() => parseFlags(['--lr', '0'])).toThrow(/--lr must be a number > 0 and <= 10, got "0"/);
    expect(() => parseFlags(['--nu0', '-1'])).toThrow(/--nu0 must be a number >= 0, got "-1"/);
    expect(() => parseFlags(['--prior-correction', '9'])).toThrow(/--prior-correction must be a number >= 0 and <= 8, got "9"/);
    expect(() => parseFlags(['--gate-aux', 'maybe'])).toThrow(/--gate-aux must be true or false, got "maybe"/);
    // The defence is on or off (its help says so, and its default reads "on"); the knobs stay true or false.
    expect(() => parseFlags(['--defence', 'maybe'])).toThrow(/--defence must be on or off, got "maybe"/);
    expect([parseFlags([]).defence, parseFlags(['--defence', 'off']).defence, parseFlags(['--defence', 'on']).defence]).toEqual([true, false, true]);
    expect(addExperimentOptions(new Command()).options.find((o) => o.long === '--defence')?.defaultValueDescription).toBe('on');
    expect(() => parseFlags(['--teacher', 'loudest'])).toThrow(/Allowed choices are most-confident, mean, confidence-weighted/);
    // Every numeric knob: at and just past its bounds, the flag takes what the profile's schema takes.
    for (const k of PROFILE_KNOBS) {
      const field = profileSchema.shape[k.field as keyof Profile];
      const edges = [k.min, k.max, k.min === undefined ? undefined : k.min - 1, k.max === undefined ? undefined : k.max + 1];
      for (const v of edges.filter((v) => v !== undefined)) {
        if (field.safeParse(v).success) expect(parseFlags([k.flag, String(v)])[k.attribute], `${k.flag} ${v}`).toBe(v);
        else expect(() => parseFlags([k.flag, String(v)])).toThrow(new RegExp(`${k.flag} must be an? (integer|number) .*, got "${v}"`));
      }
    }
  });

  it('baselines set exactly the fields whose schema metadata gives a baseline value, to that value', () => {
    // Every distillation knob on, so that turning it off shows.
    const on = { nodes: 'default', auxHeads: undefined, nu0: 1, nuAux: 1, nuEmb: 0.5, priorCorrection: 2, auxLabels: true } as const;
    const mhd = tinyConfig(on).profiles.a2.profile as Record<string, unknown>;
    const changed = (p: Record<string, unknown>) => Object.fromEntries(fields.filter((f) => p[f] !== mhd[f]).map((f) => [f, p[f]]));
    const wanted = (singleHead: boolean) =>
      Object.fromEntries(
        fields.flatMap((f) => {
          const m = metaOf(f);
          const v = singleHead && m?.singleHead !== undefined ? m.singleHead : m?.baseline;
          return v === undefined ? [] : [[f, v]];
        }),
      );
    expect(Object.keys(wanted(false)).sort()).toEqual(['nu0', 'nuAux', 'nuEmb', 'priorCorrection']);
    for (const mode of ['isolated', 'gossip', 'central'] as const) {
      expect(changed(tinyConfig({ ...on, mode }).profiles.a2.profile), mode).toEqual(wanted(false));
      expect(changed(tinyConfig({ ...on, mode, baselineModel: 'single-head' }).profiles.a2.profile), mode).toEqual(wanted(true));
    }
    expect(wanted(true)).toMatchObject({ auxHeads: 0, auxLabels: false });
  });
});
