#!/usr/bin/env node
// mhd command line: the entry point (`npm start` runs `node src/cli.ts cluster`). Each command parses
// its options in src/cli/ and calls into the library; no logic lives there. Modules that pull in
// libp2p are imported by the commands that need them: a cluster's launcher then starts in a fraction
// of the time, before its workers, which pay for those imports themselves.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { addExportCommand } from './cli/export-command.ts';
import { addClusterCommand, addSimulateCommand } from './cli/run-commands.ts';
import { addKeysCommand, addNodeCommand, addWorkerCommand } from './cli/node-command.ts';
import { addCompareCommand, addDataCommand, addReportCommand, addTopologyCommand } from './cli/tool-commands.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('mhd')
  .description('Decentralized learning with multi-headed distillation: agents trade predictions on a public set over libp2p.')
  .version(version, '-V, --version', 'print the version and exit')
  .configureHelp({ sortSubcommands: false });

// In the order of the help: the data, the three ways to run, then what comes around a run.
addDataCommand(program);
addSimulateCommand(program);
addClusterCommand(program);
addNodeCommand(program);
addKeysCommand(program);
addWorkerCommand(program);
addReportCommand(program);
addCompareCommand(program);
addExportCommand(program);
addTopologyCommand(program);

/** A usage error is one line and a pointer to the command's help, never the whole help. */
function oneLineErrors(cmd: Command, path: string): void {
  cmd.configureOutput({ outputError: (str, write) => write(`mhd: ${str.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()} (see ${path} --help)\n`) });
  for (const sub of cmd.commands) oneLineErrors(sub, `${path} ${sub.name()}`);
}
oneLineErrors(program, 'mhd');

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // One line, no stack: whatever a library put in its message.
  console.error(`mhd: ${(err as Error).message.replace(/\s*\n\s*/g, ' ').trim()}`);
  process.exitCode = 1;
}
// A cluster's worker process exits as soon as its command is done (its IPC channel would keep it up).
if (process.env.MHD_AGENT_PROCESS === '1') process.exit(process.exitCode ?? 0);
