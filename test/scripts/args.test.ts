// The scripts' argument checks: values as typed become checked values, a bad one is an ArgumentError
// naming the option, and a script given a bad argument says so in one line and exits 2.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, choice, flag, listOf, nonEmpty, one, parseArguments, positive, repeated, usage, whole } from '../../scripts/lib/args.ts';
import { NODE } from '../helpers/node-bin.ts';

const cmd = {
  name: 'demo',
  about: 'A demo command.',
  options: {
    seconds: one('S', 'seconds per figure', positive, '3'),
    agents: one('N', 'agents', whole(3)),
    mode: one('a|b', 'the mode', choice('a', 'b'), 'a'),
    sizes: one('N,N', 'sizes', listOf(whole(1)), '8,16'),
    only: repeated('TEXT', 'keep matching runs', nonEmpty),
    quick: flag('fewer runs'),
  },
};
const parse = (...argv: string[]) => parseArguments(cmd, argv);
const problem = (...argv: string[]) => {
  try {
    parse(...argv);
  } catch (err) {
    expect(err).toBeInstanceOf(ArgumentError);
    return (err as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe('parseArguments', () => {
  it('defaults are checked values; typed values replace them, in both spellings', () => {
    expect(parse().values).toEqual({ seconds: 3, agents: undefined, mode: 'a', sizes: [8, 16], only: [], quick: false });
    const { values } = parse('--seconds', '0.5', '--agents=8', '--mode', 'b', '--sizes', '4, 32', '--only', 'x', '--only=y|z', '--quick');
    expect(values).toEqual({ seconds: 0.5, agents: 8, mode: 'b', sizes: [4, 32], only: ['x', 'y|z'], quick: true });
  });

  it('a bad value names the option, the rule and what was typed', () => {
    expect(problem('--seconds', 'abc')).toBe('--seconds must be a number above 0, got "abc"');
    expect(problem('--seconds', '0')).toBe('--seconds must be a number above 0, got "0"');
    expect(problem('--agents', '2')).toBe('--agents must be a whole number >= 3, got "2"');
    expect(problem('--agents', '4.5')).toBe('--agents must be a whole number >= 3, got "4.5"');
    expect(problem('--agents', '')).toBe('--agents must be a whole number >= 3, got ""');
    expect(problem('--mode', 'c')).toBe('--mode must be a or b, got "c"');
    expect(() => choice('dht', 'mdns', 'identify')('x')).toThrow('must be dht, mdns or identify, got "x"');
    expect(problem('--sizes', '8,,16')).toBe('--sizes must be a comma-separated list, got "8,,16"');
    expect(problem('--sizes', '8,x')).toBe('--sizes item "x" must be a whole number >= 1, got "x"');
  });

  it('unknown options, missing values, repeats and stray words are refused', () => {
    expect(problem('--bogus')).toBe('unknown option --bogus');
    expect(problem('--bogus=1')).toBe('unknown option --bogus');
    expect(problem('-x')).toBe('unknown option -x');
    expect(problem('--seconds')).toBe('--seconds needs a value (S)');
    expect(problem('--seconds', '--quick')).toBe('--seconds needs a value (S)');
    expect(problem('--quick=yes')).toBe('--quick takes no value');
    expect(problem('--agents', '4', '--agents', '5')).toBe('--agents is given more than once');
    expect(problem('extra')).toBe('unexpected argument "extra"');
    expect(problem('--toString')).toBe('unknown option --toString');
  });

  it('a positional must be one of its choices, and is required', () => {
    const withSuite = { ...cmd, positional: { name: 'suite', choices: ['pareto', 'attacks'] } };
    expect(parseArguments(withSuite, ['--quick', 'pareto']).positional).toBe('pareto');
    expect(() => parseArguments(withSuite, ['paretoo'])).toThrow('unknown suite "paretoo": one of pareto, attacks');
    expect(() => parseArguments(withSuite, [])).toThrow('which suite? one of pareto, attacks');
    expect(() => parseArguments(withSuite, ['pareto', 'attacks'])).toThrow('unexpected argument "attacks"');
  });

  it('--help asks for the usage, which lists every option with its default', () => {
    // Asking for help wins over a bad value typed before it.
    expect(parse('--seconds', 'bad', '--help').help).toBe(true);
    expect(parse('-h').help).toBe(true);
    const u = usage(cmd);
    expect(u.split('\n')[0]).toBe('usage: npm run demo -- [--seconds S] [--agents N] [--mode a|b] [--sizes N,N] [--only TEXT]... [--quick]');
    expect(u).toContain('  --seconds S  seconds per figure (default 3)');
    expect(u).toContain('  --quick      fewer runs');
  });
});

describe('a script given a bad argument', () => {
  it('prints one line naming the problem and exits 2', () => {
    const r = spawnSync(NODE, [resolve(import.meta.dirname, '../../scripts/bench/discovery.ts'), '--agents', 'many'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual(['bench:discovery: --agents must be a whole number >= 3, got "many" (npm run bench:discovery -- --help)']);
    expect(r.status).toBe(2);
  }, 60_000);
});
