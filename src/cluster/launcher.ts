// The local cluster: one OS process per agent, each a libp2p node on 127.0.0.1 TCP. The launcher hands
// each process its agent id and the run's config, collects their addresses, sends everyone the peer
// map, follows progress, and reports crashed agents while the others finish.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Peer } from '../network/round-protocol.ts';
import { loadRunData, runningAgents, writeRunConfig, type RunConfig } from '../node/config.ts';
import type { ToAgent, ToLauncher } from '../node/ipc.ts';
import { StartupError } from '../node/run-node.ts';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));

export type ClusterEvent =
  | { type: 'ready'; agent: string }
  | { type: 'round'; agent: string; round: number; rounds: number; loss: number; shared?: number[]; seconds: number }
  | { type: 'done'; agent: string; outcome: string }
  | { type: 'failed'; agent: string; reason: string; logTail: string };

export interface ClusterHandle {
  /** Kills an agent's process at once (SIGKILL): for failure drills. */
  kill(agent: string): void;
}

export interface ClusterOptions {
  onEvent?: (e: ClusterEvent, cluster: ClusterHandle) => void;
  /** Stops every agent between rounds (Ctrl-C). */
  signal?: AbortSignal;
  startTimeoutMs?: number;
}

export interface ClusterResult {
  wallSeconds: number;
  /** Agent -> why it failed. */
  failed: Record<string, string>;
  interrupted: boolean;
}

/** The last lines of one of an agent's files (`log` or `output`), or '' when there is none. */
export function agentFileTail(runDir: string, agent: string, name: 'log' | 'output', lines = 15): string {
  const file = join(runDir, 'agents', agent, name);
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').trimEnd();
  return text ? text.split('\n').slice(-lines).join('\n') : '';
}

/** The last line an agent process printed, without the CLI's `mhd: ` prefix: why it did not start. */
function lastWord(runDir: string, agent: string): string {
  return agentFileTail(runDir, agent, 'output', 1).replace(/^mhd: /, '') || 'no output';
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
  const children = new Map<string, ChildProcess>();
  const failed: Record<string, string> = {};
  const ready = new Map<string, Peer>();
  const finished = new Set<string>();
  let interrupted = false;
  const handle: ClusterHandle = { kill: (agent) => children.get(agent)?.kill('SIGKILL') };
  const emit = (e: ClusterEvent) => opts.onEvent?.(e, handle);
  const send = (agent: string, msg: ToAgent) => {
    const child = children.get(agent);
    if (child?.connected) child.send(msg, () => undefined);
  };

  let allReady: () => void = () => undefined;
  const readyPromise = new Promise<void>((resolve) => (allReady = resolve));
  const exits: Promise<void>[] = [];

  for (const agent of ids) {
    const child = fork(CLI, ['node', '--agent', agent, '--config', join(runDir, 'config.json'), '--out', runDir], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
      // The launcher already prints progress: agents keep their output in their log files.
      env: { ...process.env, MHD_AGENT_PROCESS: '1' },
    });
    children.set(agent, child);
    mkdirSync(join(runDir, 'agents', agent), { recursive: true });
    const out = createWriteStream(join(runDir, 'agents', agent, 'output'), { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    child.on('message', (m: ToLauncher) => {
      if (m.type === 'ready') {
        ready.set(agent, { agent, peerId: m.peerId, addrs: m.addrs });
        emit({ type: 'ready', agent });
        if (ready.size + Object.keys(failed).length === ids.length) allReady();
      } else if (m.type === 'round') {
        emit({ type: 'round', agent, round: m.round, rounds: m.rounds, loss: m.loss, shared: m.shared, seconds: m.seconds });
      } else if (m.type === 'done') {
        finished.add(agent);
        emit({ type: 'done', agent, outcome: m.outcome });
      }
    });
    exits.push(
      new Promise<void>((resolve) => {
        child.on('exit', (code, signal) => {
          if (!finished.has(agent) || code !== 0) {
            const reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
            failed[agent] = reason;
            out.end();
            // Its neighbours need not keep serving a reader that will never come.
            for (const other of ids) if (other !== agent) send(other, { type: 'gone', agent });
            emit({ type: 'failed', agent, reason, logTail: `${agentFileTail(runDir, agent, 'log')}\n${agentFileTail(runDir, agent, 'output')}`.trim() || '(no log)' });
            if (ready.size + Object.keys(failed).length === ids.length) allReady();
          }
          resolve();
        });
      }),
    );
  }

  const stopAll = () => {
    interrupted = true;
    for (const agent of ids) send(agent, { type: 'stop' });
    // Whoever has not stopped a few seconds later is ended.
    setTimeout(() => {
      for (const child of children.values()) if (child.exitCode === null) child.kill('SIGTERM');
    }, 15_000).unref();
  };
  opts.signal?.addEventListener('abort', stopAll, { once: true });
  if (opts.signal?.aborted) stopAll();

  const startTimeout = setTimeout(() => {
    for (const agent of ids) {
      if (!ready.has(agent) && failed[agent] === undefined) {
        failed[agent] = 'did not start in time';
        children.get(agent)?.kill('SIGKILL');
      }
    }
    allReady();
  }, opts.startTimeoutMs ?? 180_000);
  await readyPromise;
  clearTimeout(startTimeout);
  const peers = Object.fromEntries(ready);
  for (const agent of ready.keys()) send(agent, { type: 'peers', peers });
  await Promise.all(exits);
  opts.signal?.removeEventListener('abort', stopAll);
  if (ready.size === 0 && !interrupted) {
    const why = new Map<string, string[]>();
    for (const a of ids) why.set(lastWord(runDir, a), [...(why.get(lastWord(runDir, a)) ?? []), a]);
    throw new StartupError(`no agent started: ${[...why].map(([reason, agents]) => `${reason} (${agents.join(', ')})`).join('; ')}`);
  }
  const result = { wallSeconds: (performance.now() - started) / 1000, failed, interrupted };
  writeFileSync(join(runDir, 'launcher.json'), JSON.stringify(result) + '\n');
  return result;
}
