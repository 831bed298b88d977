// The README lists every option of every command and every shipped file. The commands and options are
// read from the programs themselves: `mhd --help` names the commands, each command's `--help` its options
// (and subcommands, as `topology show`), and every npm script that runs a file of scripts/ prints its
// usage with `--help`. The shipped files are whatever topologies/ and nodes/ hold. So a new option, a new
// command or a new file that the README does not mention fails here, naming it.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { NODE, runCli } from '../helpers/node-bin.ts';

const README = readFileSync('README.md', 'utf8');
const TOPOLOGIES_README = readFileSync('topologies/README.md', 'utf8');

/** The lines of a commander help section (`Options:`, `Commands:`), up to the next blank line. */
function helpSection(help: string, title: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.trim() === title);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Long options of a commander help text: `  -h, --help` and `  --topology <file>` (continuations are indented deeper). */
export function helpOptions(help: string): string[] {
  return helpSection(help, 'Options:').flatMap((l) => /^ {2}(?:-\w, )?(--[a-z][\w-]*)/.exec(l)?.[1] ?? []);
}

/** Subcommands of a commander help text, without `help`. */
export function helpCommands(help: string): string[] {
  return helpSection(help, 'Commands:').flatMap((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1] ?? []).filter((c) => c !== 'help');
}

/** Long options of a script's usage (scripts/lib/args.ts): `  --seconds S   seconds per figure`. */
export function usageOptions(usage: string): string[] {
  return usage.split('\n').flatMap((l) => /^ {2}(--[a-z][\w-]*)/.exec(l)?.[1] ?? []);
}

const mentions = (text: string, option: string) => new RegExp(`(?<![\\w-])${option}(?![\\w-])`).test(text);

/** The options of `options` that `text` never names as a whole word (`--nu` is not named by `--nu0`). */
export function missingOptions(text: string, options: readonly string[]): string[] {
  return options.filter((o) => !mentions(text, o));
}

/** Every mhd command path (`cluster`, `topology show`) with its help text, from `mhd --help` down. */
async function commandHelps(): Promise<Map<string, string>> {
  const helps = new Map<string, string>();
  const visit = async (path: string[]) => {
    const r = await runCli([...path, '--help'], 30_000);
    expect(r.code, `mhd ${path.join(' ')} --help: ${r.stderr}`).toBe(0);
    helps.set(path.join(' '), r.stdout);
    for (const sub of helpCommands(r.stdout)) await visit([...path, sub]);
  };
  await visit([]);
  return helps;
}

/** The npm scripts that run a file of scripts/ (`node scripts/bench/step.ts`): name -> file. */
function scriptFiles(): Map<string, string> {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  return new Map(
    Object.entries(scripts).flatMap(([name, line]) => {
      const file = /^node (scripts\/\S+\.ts)$/.exec(line)?.[1];
      return file ? [[name, file] as [string, string]] : [];
    }),
  );
}

function usageOf(file: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(NODE, [file, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    // A script that does not know --help would start its work: never let it run on.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && /^usage: /.test(out)) done(out);
      else fail(new Error(`${file} --help did not print a usage (exit ${code}): ${out.slice(0, 300)}`));
    });
  });
}

/** The commands of the README's fenced sh blocks, in order, one array per block (comments dropped). */
function shBlocks(markdown: string): string[][] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
}

const shipped = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => basename(f, '.yaml')).sort();
const lists = (text: string, name: string) => text.includes(`\`${name}\``) || text.includes(`${name}.yaml`);

describe('the README covers every command and option', () => {
  it('names every mhd command and every option of each (from their --help)', async () => {
    const helps = await commandHelps();
    // At least the commands the README is about; a command added later is checked the same way.
    for (const c of ['cluster', 'simulate', 'node', 'keys', 'report', 'compare', 'topology', 'topology show', 'data']) expect([...helps.keys()]).toContain(c);
    const missing: string[] = [];
    for (const [path, help] of helps) {
      if (path !== '' && helpCommands(help).length === 0 && !README.includes(`\`mhd ${path}`)) missing.push(`mhd ${path} (the command)`);
      for (const o of missingOptions(README, helpOptions(help))) missing.push(`mhd ${path}${path ? ' ' : ''}${o}`);
    }
    expect(missing, 'in --help but not in README.md').toEqual([]);
  }, 120_000);

  it('names every npm script and every option of the scripts (from their usage)', async () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    const missing = Object.keys(scripts).filter((name) => !(name === 'start' || name === 'test' ? README.includes(`npm ${name}`) : mentions(README, `npm run ${name}`)));
    for (const [name, file] of scriptFiles()) {
      for (const o of missingOptions(README, usageOptions(await usageOf(file)))) missing.push(`npm run ${name} -- ${o}`);
    }
    expect(missing, 'in package.json or a script usage but not in README.md').toEqual([]);
  }, 120_000);

  it('lists every shipped topology and profile file', () => {
    const topologies = shipped('topologies');
    const profiles = shipped('nodes');
    expect(topologies).toContain('ring-8');
    expect(profiles).toContain('default');
    expect(topologies.filter((t) => !lists(README, t)).map((t) => `topologies/${t}.yaml`), 'not in README.md').toEqual([]);
    expect(profiles.filter((p) => !lists(README, p)).map((p) => `nodes/${p}.yaml`), 'not in README.md').toEqual([]);
    expect(topologies.filter((t) => !TOPOLOGIES_README.includes(`\`${t}.yaml\``)), 'not in topologies/README.md').toEqual([]);
    expect(TOPOLOGIES_README).toMatch(/adversaries:/);
  });

  it('starts a fresh machine with npm ci then npm start, and tests with npm test, as CI does', () => {
    const blocks = shBlocks(README);
    expect(blocks[0]).toEqual(['npm ci', 'npm start']);
    expect(blocks[1]).toEqual(['npm test']);
    const ci = readFileSync('.ci/run', 'utf8').trim().split('\n');
    expect(ci.at(-1)).toBe('npm test');
  });
});

describe('the checks themselves', () => {
  const help = `Usage: mhd x [options]

Options:
  --nu0 <x>          override: weight of the main head's
                     distillation (--not-an-option here)
  --nu-aux <x>       override
  -h, --help         display help for command

Commands:
  show [options] <file>  print
                         more
  help [command]     display help for command
`;

  it('reads options and subcommands from a commander help text, not its wrapped descriptions', () => {
    expect(helpOptions(help)).toEqual(['--nu0', '--nu-aux', '--help']);
    expect(helpCommands(help)).toEqual(['show']);
    expect(usageOptions('usage: npm run x -- [--seconds S]\nAbout.\n  --seconds S  per figure\n  --batch N    rows')).toEqual(['--seconds', '--batch']);
  });

  it('fails when the README drops an option, and does not take a longer option for a shorter one', () => {
    const options = helpOptions(help);
    expect(missingOptions('--nu0 and --nu-aux, --help', options)).toEqual([]);
    expect(missingOptions('--nu0 and --help', options)).toEqual(['--nu-aux']);
    expect(missingOptions('--nu-auxiliary, --nu0x, --help', options)).toEqual(['--nu0', '--nu-aux']);
    // The real README with one option cut out.
    expect(missingOptions(README, ['--embeddings'])).toEqual([]);
    expect(missingOptions(README.replaceAll('--embeddings', ''), ['--embeddings'])).toEqual(['--embeddings']);
  });
});
