// Runs that cannot mix: a run command writes into a run directory of its own, never on top of another
// run's records (they would be read back as one run), unless it is asked to continue that run.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Files whose presence makes a directory a run: what a run writes at its start and its end. */
const RUN_FILES = ['config.json', 'launcher.json', 'summary.json'];

/**
 * Whether `dir` holds a run: one of RUN_FILES, or any file of an agent's other than its identity key
 * (keys placed ahead of a run, `agents/<id>/key`, are no run).
 */
export function holdsRun(dir: string): boolean {
  if (RUN_FILES.some((f) => existsSync(join(dir, f)))) return true;
  const agents = join(dir, 'agents');
  if (!existsSync(agents) || !statSync(agents).isDirectory()) return false;
  return readdirSync(agents, { withFileTypes: true }).some((a) => !a.isDirectory() || readdirSync(join(agents, a.name)).some((f) => f !== 'key'));
}

/**
 * Refuses a run directory that already holds a run, in one line naming it, before anything is written.
 * `command` is given for a command that can continue a run (node), with its --resume: the line then offers it.
 */
export function assertNewRunDir(dir: string, command?: { resume: boolean }): void {
  if (command?.resume || !holdsRun(dir)) return;
  throw new Error(`run directory ${dir} already holds a run: choose another --out${command ? ', or --resume to continue it' : ''}`);
}
