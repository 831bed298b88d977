// `mhd simulate` and `mhd cluster`: every agent of a run on this machine, in this process or in a pool
// of worker processes. Both end with the one table (./common.ts, printResults).
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { assignWorkers, launchCluster, type ProcessCount } from '../cluster/launcher.ts';
import { createProgress } from '../cluster/progress.ts';
import { addExperimentOptions, processCount, type ExperimentOptions } from '../cluster/run-options.ts';
import { runningAgents } from '../node/config.ts';
import { failedAgents } from '../report/summary.ts';
import { percent } from '../text/table.ts';
import { checkTaught, prepareRun, printResults, rebuildReport, say, startingIn } from './common.ts';

/** Where to look when an agent of this machine's run learnt from nobody. */
const LOCAL_HINT = "no neighbour answered: see each agent's log, agents/<id>/log";

export function addSimulateCommand(program: Command): void {
  addExperimentOptions(
    program.command('simulate').description('run every agent in this process, each a real libp2p node on loopback TCP, and print per-agent accuracy per head'),
  ).action(async (opts: ExperimentOptions) => {
    const { config, runDir, backend } = await prepareRun(opts);
    const { simulate } = await import('../cluster/simulate.ts');
    say(`simulating ${config.mode} on ${config.topology.name} (${runningAgents(config).length} agents), ${config.rounds} rounds, backend ${backend}`);
    // Ctrl-C stops every agent at once (a fetch that waits is cancelled) and still writes the summary;
    // a second one quits.
    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) process.exit(130);
      console.log('stopping every agent (Ctrl-C again to quit at once)...');
      stop.abort();
    };
    process.on('SIGINT', onSigint);
    console.log(`run directory: ${runDir}`);
    const summary = await simulate(config, runDir, {
      signal: stop.signal,
      onRound: (r) => {
        if (r.eval) console.log(`  ${r.agent} round ${r.round}: shared ${r.eval.sharedAccuracy.map((a) => percent(a)).join(' ')}`);
      },
    }).finally(() => process.off('SIGINT', onSigint));
    printResults(summary, runDir, join(runDir, 'report.html'));
    // A run cut short says nothing about who would have learnt.
    if (stop.signal.aborted) process.exitCode = 130;
    else checkTaught(summary, LOCAL_HINT);
  });
}

export function addClusterCommand(program: Command): void {
  addExperimentOptions(
    program
      .command('cluster')
      .description('launch every agent as a libp2p node on 127.0.0.1 TCP (Noise, yamux) in a pool of worker processes, show progress, print per-agent accuracy'),
  )
    .addOption(new Option('--processes <n|agents>', 'worker processes: a count, or "agents" for one per agent (default: one per core)').argParser(processCount))
    .action(async (opts: ExperimentOptions & { processes?: ProcessCount }) => {
      const { config, runDir, backend } = await prepareRun(opts);
      const agents = runningAgents(config);
      const workers = assignWorkers(agents, opts.processes).length;
      say(`cluster: ${config.mode} on ${config.topology.name}, ${agents.length} agents in ${workers} processes, ${config.rounds} rounds, ${config.dataset} ${config.partition}, backend ${backend}`);
      const stop = new AbortController();
      let interrupts = 0;
      let progress: ReturnType<typeof createProgress> | undefined;
      const onSigint = () => {
        interrupts++;
        // Through the progress display, so that the line is not drawn over by the bars.
        if (interrupts === 1) (progress?.log ?? console.log)('stopping every agent after its current round (Ctrl-C again to quit at once)...');
        else process.exit(130);
        stop.abort();
      };
      // Before the run directory is announced: a Ctrl-C from then on is a stop, never the default kill.
      process.on('SIGINT', onSigint);
      console.log(`run directory: ${runDir}`);
      progress = createProgress(agents, config.rounds);
      const result = await startingIn(runDir, () => launchCluster(config, runDir, { signal: stop.signal, processes: opts.processes, onEvent: (e) => progress.update(e) })).finally(() => {
        progress.stop();
        process.off('SIGINT', onSigint);
      });
      const { summary, reportFile } = rebuildReport(runDir);
      printResults(summary, runDir, reportFile);
      // The agents' last word decides: one the launcher saw crash but that was restarted and finished is no failure.
      // An agent that never started has no metrics, so no say of its own: the launcher's word stands.
      const listed = new Set(summary.agents.map((a) => a.id));
      const failed = [...failedAgents(summary), ...Object.keys(result.failed).filter((a) => !listed.has(a))];
      if (failed.length > 0) {
        console.error(`\n${failed.length} agent(s) failed: ${failed.map((a) => `${a} (${result.failed[a] ?? 'no end record'})`).join(', ')}`);
        process.exitCode = 1;
      }
      // A run cut short says nothing about who would have learnt.
      if (result.interrupted) process.exitCode = 130;
      else checkTaught(summary, LOCAL_HINT);
    });
}
