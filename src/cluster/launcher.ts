// The local cluster: every agent a libp2p node on 127.0.0.1 TCP, hosted by a pool of worker processes
// (by default one per core; one per agent on request). The launcher gives each worker its agents and
// the run's config, collects their addresses, sends everyone the peer map, follows progress, and
// reports crashed agents while the others finish.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Peer } from '../network/round-service.ts';
import { loadRunData, runningAgents, writeRunConfig, type RunConfig } from '../node/config.ts';
import type { ToAgent, ToLauncher } from '../node/ipc.ts';
import { StartupError } from '../node/errors.ts';
import type { AgentId } from '../topology/types.ts';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));

type FromWorker<T extends ToLauncher['type']> = Extract<ToLauncher, { type: T }>;
/**
 * What the launcher reports: its workers' messages, less a ready agent's addresses (the launcher keeps
 * them), and a failure with the tail of the agent's log; a crash the worker could not report is one too.
 */
export type ClusterEvent = Pick<FromWorker<'ready'>, 'type' | 'agent'> | FromWorker<'round'> | FromWorker<'done'> | (FromWorker<'failed'> & { logTail: string });

export interface ClusterHandle {
  /** Kills the process hosting an agent at once (SIGKILL), with every agent in it: for failure drills. */
  kill(agent: string): void;
  /** Stops one agent after its current round; the others of its process go on. */
  stop(agent: string): void;
}

/** Worker processes: a count, or `agents` for one process per agent. */
export type ProcessCount = number | 'agents';

export interface ClusterOptions {
  onEvent?: (e: ClusterEvent, cluster: ClusterHandle) => void;
  /** Stops every agent between rounds (Ctrl-C). */
  signal?: AbortSignal;
  startTimeoutMs?: number;
  /** Default: one worker per core. */
  processes?: ProcessCount;
}

/** Deals agents to `count` workers in contiguous, nearly equal blocks (agent order). */
export function assignWorkers(agents: readonly AgentId[], processes: ProcessCount = availableParallelism()): AgentId[][] {
  const count = processes === 'agents' ? agents.length : Math.max(1, Math.min(processes, agents.length));
  const groups: AgentId[][] = [];
  for (let w = 0, start = 0; w < count; w++) {
    const size = Math.floor(agents.length / count) + (w < agents.length % count ? 1 : 0);
    groups.push(agents.slice(start, start + size));
    start += size;
  }
  return groups;
}

/** Where a worker's stdout and stderr go: the agent's own `output` file when it is alone in its process. */
function outputFile(runDir: string, group: readonly AgentId[], index: number): string {
  return group.length === 1 ? join(runDir, 'agents', group[0], 'output') : join(runDir, 'workers', `w${index}.output`);
}

export interface ClusterResult {
  wallSeconds: number;
  /** Agent -> why it failed. */
  failed: Record<string, string>;
  interrupted: boolean;
  /** Worker processes used. */
  processes: number;
}

/** The last lines of one of an agent's files (`log` or `output`), or '' when there is none. */
export function agentFileTail(runDir: string, agent: string, name: 'log' | 'output', lines = 15): string {
  return fileTail(join(runDir, 'agents', agent, name), lines);
}

/** The last lines of a file; '' when it is missing or unreadable (a failure report must not fail). */
function fileTail(file: string, lines: number): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trimEnd();
  } catch {
    return '';
  }
  return text ? text.split('\n').slice(-lines).join('\n') : '';
}

/**
 * TensorFlow's threads per worker: the cores shared out among the workers, at least one. libtensorflow
 * otherwise starts a pool as wide as the machine in every worker, and two workers' pools fight over
 * two cores: one thread each made the default step 4.1 ms instead of 5.7 (`npm run bench:step`) and
 * `npm start` 16.8 s instead of 20.5 (2 Dec 2026, docs/results.md). The user's own settings win.
 */
export function tensorflowThreads(workers: number, cores: number, env: NodeJS.ProcessEnv = {}): Record<string, string> {
  const threads = String(Math.max(1, Math.floor(cores / Math.max(1, workers))));
  return { TF_NUM_INTRAOP_THREADS: env.TF_NUM_INTRAOP_THREADS ?? threads, TF_NUM_INTEROP_THREADS: env.TF_NUM_INTEROP_THREADS ?? threads };
}

/**
 * Runs every agent of `config` as its own process. Throws a StartupError, before any agent starts, when
 * the run's data cannot be loaded or split; and after, when not a single agent came up.
 */
export async function launchCluster(config: RunConfig, runDir: string, opts: ClusterOptions = {}): Promise<ClusterResult> {
  // Bad data fails here, once and before the run directory exists, rather than in every agent process.
  loadRunData(config);
  writeRunConfig(runDir, config);
  const started = performance.now();
  const ids = runningAgents(config);
  const groups = assignWorkers(ids, opts.processes);
  const workers: ChildProcess[] = [];
  const workerOf = new Map<AgentId, number>();
  const failed: Record<string, string> = {};
  const why = new Map<AgentId, string>();
  const ready = new Map<string, Peer>();
  const finished = new Set<string>();
  /** Agents whose worker ended cleanly on a stop (Ctrl-C) before they were up: no failure, and not ready. */
  const unstarted = new Set<string>();
  let interrupted = false;
  const tell = (w: number, msg: ToAgent) => {
    if (workers[w]?.connected) workers[w].send(msg, () => undefined);
  };
  const tellAll = (msg: ToAgent) => workers.forEach((_, w) => tell(w, msg));
  const handle: ClusterHandle = {
    kill: (agent) => workers[workerOf.get(agent) ?? -1]?.kill('SIGKILL'),
    stop: (agent) => tell(workerOf.get(agent) ?? -1, { type: 'stop', agent }),
  };
  const emit = (e: ClusterEvent) => opts.onEvent?.(e, handle);

  let allReady: () => void = () => undefined;
  const readyPromise = new Promise<void>((resolve) => (allReady = resolve));
  const checkReady = () => ready.size + Object.keys(failed).length + unstarted.size === ids.length && allReady();
  const fail = (agent: AgentId, reason: string, output: string) => {
    if (failed[agent] !== undefined || finished.has(agent)) return;
    failed[agent] = reason;
    // Its neighbours need not keep serving a reader that will never come.
    tellAll({ type: 'gone', agent });
    emit({ type: 'failed', agent, reason, logTail: `${agentFileTail(runDir, agent, 'log')}\n${fileTail(output, 15)}`.trim() || '(no log)' });
    checkReady();
  };

  const exits = groups.map((group, w) => {
    for (const agent of group) {
      workerOf.set(agent, w);
      mkdirSync(join(runDir, 'agents', agent), { recursive: true });
    }
    const output = outputFile(runDir, group, w);
    mkdirSync(join(output, '..'), { recursive: true });
    const child = fork(CLI, ['worker', '--agents', group.join(','), '--config', join(runDir, 'config.json'), '--out', runDir], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
      // The launcher already prints progress: workers keep their output in files.
      env: { ...process.env, ...tensorflowThreads(groups.length, availableParallelism(), process.env), MHD_AGENT_PROCESS: '1' },
    });
    workers.push(child);
    const out = createWriteStream(output, { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    child.on('message', (m: ToLauncher) => {
      if (m.type === 'ready') {
        ready.set(m.agent, { agent: m.agent, peerId: m.peerId, addrs: m.addrs });
        emit({ type: 'ready', agent: m.agent });
        checkReady();
      } else if (m.type === 'round') {
        emit(m);
      } else if (m.type === 'done') {
        finished.add(m.agent);
        emit(m);
      } else if (m.type === 'failed') {
        why.set(m.agent, m.reason);
        fail(m.agent, `could not start: ${m.reason}`, output);
      }
    });
    return new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        out.end();
        const reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
        for (const agent of group) {
          if (!why.has(agent)) why.set(agent, fileTail(output, 1).replace(/^mhd: /, '') || 'no output');
          if (finished.has(agent) && code === 0) continue;
          if (interrupted && code === 0) {
            // Stopped before its first round (a worker that got the stop before the peer map ends so).
            if (!ready.has(agent)) unstarted.add(agent);
            emit({ type: 'done', agent, outcome: 'stopped' });
            checkReady();
          } else fail(agent, group.length === 1 ? reason : `its worker w${w} ${reason}`, output);
        }
        resolve();
      });
    });
  });

  const stopAll = () => {
    interrupted = true;
    tellAll({ type: 'stop' });
    // Whoever has not stopped a few seconds later is ended.
    setTimeout(() => {
      for (const child of workers) if (child.exitCode === null) child.kill('SIGTERM');
    }, 15_000).unref();
  };
  opts.signal?.addEventListener('abort', stopAll, { once: true });
  if (opts.signal?.aborted) stopAll();

  const startTimeout = setTimeout(() => {
    for (const agent of ids) {
      if (!ready.has(agent) && failed[agent] === undefined) {
        failed[agent] = 'did not start in time';
        workers[workerOf.get(agent)!]?.kill('SIGKILL');
      }
    }
    allReady();
  }, opts.startTimeoutMs ?? 180_000);
  await readyPromise;
  clearTimeout(startTimeout);
  tellAll({ type: 'peers', peers: Object.fromEntries(ready) });
  await Promise.all(exits);
  opts.signal?.removeEventListener('abort', stopAll);
  if (ready.size === 0 && !interrupted) {
    const byReason = new Map<string, string[]>();
    for (const a of ids) byReason.set(why.get(a) ?? 'no output', [...(byReason.get(why.get(a) ?? 'no output') ?? []), a]);
    throw new StartupError(`no agent started: ${[...byReason].map(([reason, agents]) => `${reason} (${agents.join(', ')})`).join('; ')}`);
  }
  const result = { wallSeconds: (performance.now() - started) / 1000, failed, interrupted, processes: workers.length };
  writeFileSync(join(runDir, 'launcher.json'), JSON.stringify(result) + '\n');
  return result;
}
