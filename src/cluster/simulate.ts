// All agents in one process, each a real libp2p node on loopback TCP (or in-memory in tests), running
// the same Agent code as the multi-process cluster.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StepBatcher } from '../learning/step-batcher.ts';
import { Agent } from '../node/agent.ts';
import type { AgentOutcome, RoundRecord } from '../node/records.ts';
import { loadRunData, runningAgents, writeRunConfig, type RunConfig } from '../node/config.ts';
import type { TransportKind } from '../network/host.ts';
import type { Peer } from '../network/round-service.ts';
import { buildRunReport } from '../report/build.ts';
import type { Summary } from '../report/summary.ts';

export interface SimulationOptions {
  transport?: TransportKind;
  signal?: AbortSignal;
  onRound?: (r: RoundRecord) => void;
  /** Stops these agents (by id) once they have finished the given round: failure drills in tests. */
  stopAfter?: Record<string, number>;
  /** Agents (by id) that never start: nothing is at their address (the liar-absent reference runs). */
  absent?: readonly string[];
}

export async function simulate(config: RunConfig, runDir: string, opts: SimulationOptions = {}): Promise<Summary> {
  // Bad data fails here, before the run directory exists.
  loadRunData(config);
  writeRunConfig(runDir, config);
  const transport = opts.transport ?? 'tcp';
  const started = performance.now();
  const ids = runningAgents(config).filter((a) => !opts.absent?.includes(a));
  const agents: Agent[] = [];
  const stoppers = new Map<string, AbortController>();
  const batcher = new StepBatcher();
  try {
    for (const [i, agent] of ids.entries()) {
      const listen = transport === 'tcp' ? ['/ip4/127.0.0.1/tcp/0'] : [`/memory/mhd-${process.pid}-${Date.now()}-${i}`];
      agents.push(
        await Agent.create({
          agent,
          config,
          runDir,
          transport,
          listen,
          batcher,
          onRound: (r) => {
            opts.onRound?.(r);
            if (opts.stopAfter?.[r.agent] === r.round) stoppers.get(r.agent)?.abort();
          },
        }),
      );
    }
    const peers: Record<string, Peer> = Object.fromEntries(agents.map((a) => [a.id, { agent: a.id, peerId: a.peerId, addrs: a.addrs }]));
    for (const a of agents) a.setPeers(peers);
    await Promise.all(
      agents.map(async (a) => {
        const own = new AbortController();
        stoppers.set(a.id, own);
        const signal = opts.signal ? AbortSignal.any([opts.signal, own.signal]) : own.signal;
        const outcome: AgentOutcome = await a.run(signal);
        // A stopped agent goes off the network at once, as a crashed process would, and its
        // neighbours are told, as the cluster's launcher tells them of a dead process.
        if (outcome === 'stopped') {
          await a.stop();
          for (const other of agents) if (other !== a) other.markGone(a.id);
        }
      }),
    );
  } finally {
    await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
  }
  const interrupted = opts.signal?.aborted === true;
  writeFileSync(join(runDir, 'launcher.json'), JSON.stringify({ wallSeconds: (performance.now() - started) / 1000, failed: {}, ...(interrupted ? { interrupted } : {}) }) + '\n');
  return buildRunReport(runDir).summary;
}
