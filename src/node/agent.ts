// The agent runtime (docs/DESIGN.md, "Round loop"): train -> exchange with the neighbours through the
// run's exchange mode -> evaluate -> checkpoint -> next round. The same code runs in a single-process
// simulation, in each process of a cluster, and as a lone node on another machine.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Libp2p } from 'libp2p';
import type { ExperimentData } from '../data/experiment-data.ts';
import type { StepBatcher } from '../learning/step-batcher.ts';
import { evaluation, Learner, type RoundTargets } from '../learning/learner.ts';
import type { Round } from '../learning/types.ts';
import { formatBackend, tf } from '../model/backend.ts';
import { chooseBackend } from '../model/backend-choice.ts';
import { loadCheckpointInto, saveCheckpoint } from '../model/checkpoint.ts';
import { findPeers } from '../network/discovery.ts';
import { createHost, type DiscoveryOptions, type TransportKind } from '../network/host.ts';
import { loadOrCreateKey } from '../network/identity.ts';
import type { Peer } from '../network/round-service.ts';
import type { AgentId } from '../topology/types.ts';
import { evaluationRows } from '../data/eval-sample.ts';
import { agentLearner } from './agent-learner.ts';
import { loadRunData, runningAgents, type RunConfig } from './config.ts';
import type { ExchangeMode } from './exchange-mode.ts';
import { withPerAgentPrivate } from './modes/central.ts';
import { createExchangeMode } from './modes/index.ts';
import { Neighbours } from './neighbours.ts';
import type { AgentOutcome, RoundRecord } from './records.ts';
import { AgentLog, JsonLines } from './run-log.ts';

export interface AgentSetup {
  agent: AgentId;
  config: RunConfig;
  runDir: string;
  transport: TransportKind;
  listen: string[];
  /** Identity file; defaults to agents/<id>/key in the run directory (created on first use). */
  keyFile?: string;
  resume?: boolean;
  /** Also print log lines on the console (the `node` command). */
  echoLog?: boolean;
  onRound?: (record: RoundRecord) => void;
  /** Peers known before the host starts (a roster): the gater admits them from the first dial. */
  peers?: Record<AgentId, Peer>;
  /** Bootstrap, DHT, mDNS: for agents that know their neighbours by peer id only. */
  discovery?: DiscoveryOptions;
  /** The process's batcher: with the run's `batchAgents`, the agent trains in a stack with its co-located peers. */
  batcher?: StepBatcher;
}

export const agentDir = (runDir: string, agent: AgentId) => join(runDir, 'agents', agent);

interface AgentParts {
  setup: AgentSetup;
  node: Libp2p;
  learner: Learner;
  data: ExperimentData;
  histogram: number[];
  backend: string;
  log: AgentLog;
  neighbours: Neighbours;
}

export class Agent {
  readonly id: AgentId;
  readonly peerId: string;
  private readonly setup: AgentSetup;
  private readonly config: RunConfig;
  private readonly node: Libp2p;
  private readonly learner: Learner;
  private readonly data: ExperimentData;
  private readonly histogram: number[];
  private evalRows?: number[]; // the rows every evaluation uses, the same for every agent of the run
  private readonly backend: string;
  private readonly log: AgentLog;
  private readonly metrics: JsonLines;
  private readonly neighbours: Neighbours;
  private readonly mode: ExchangeMode;
  private stopped = false;

  private constructor(p: AgentParts) {
    this.setup = p.setup;
    this.config = p.setup.config;
    this.id = p.setup.agent;
    this.node = p.node;
    this.peerId = p.node.peerId.toString();
    this.learner = p.learner;
    this.data = p.data;
    this.histogram = p.histogram;
    this.backend = p.backend;
    this.log = p.log;
    this.neighbours = p.neighbours;
    this.metrics = new JsonLines(join(agentDir(p.setup.runDir, this.id), 'metrics.jsonl'));
    this.mode = createExchangeMode(this.config, { node: p.node, learner: p.learner, neighbours: p.neighbours, classes: p.data.dataset.classes, log: p.log });
  }

  /** Loads data, builds the learner and starts the libp2p host (listening, protocols registered). */
  static async create(setup: AgentSetup): Promise<Agent> {
    const { config, agent } = setup;
    const agents = runningAgents(config);
    if (!agents.includes(agent)) throw new Error(`unknown agent "${agent}": the run has ${agents.join(', ')}`);
    const dir = agentDir(setup.runDir, agent);
    const log = new AgentLog(join(dir, 'log'), agent, setup.echoLog);
    // The whole run's backbones decide, so every agent of a run, on any machine, picks the same backend.
    const backend = formatBackend((await chooseBackend(Object.values(config.profiles).map((p) => p.profile.backbone), config.backend)).info);
    const data = loadRunData(config);
    const { learner, histogram } = agentLearner(config, data, agent, setup.batcher);
    const neighbours = new Neighbours(config.topology, agent, log, config.timeouts.locateWaitMs);
    if (setup.peers) neighbours.setPeers(setup.peers);
    let node: Libp2p | undefined;
    let self: Agent;
    try {
      const key = await loadOrCreateKey(setup.keyFile ?? join(dir, 'key'));
      node = await createHost({
        privateKey: key,
        listen: setup.listen,
        transport: setup.transport,
        allowedPeers: () => neighbours.allowedPeers(),
        onRefused: (peer, direction) => log.warn(`refused ${direction} connection of unknown peer ${peer}`),
        discovery: setup.discovery,
        peers: agents.length,
        dialTimeoutMs: config.timeouts.fetchDeadlineMs,
      });
      self = new Agent({ setup, node, learner, data, histogram, backend, log, neighbours });
      await self.mode.start();
    } catch (err) {
      // An agent that cannot start (its key, its port) gives its slot back, so that its process-mates'
      // stacked updates do not keep waiting for it, and its weights go with it.
      learner.dispose();
      await Promise.resolve(node?.stop()).catch(() => undefined);
      throw err;
    }
    log.info(`started: peer ${node.peerId.toString()}, listening on ${node.getMultiaddrs().map(String).join(' ')}, backend ${backend}${learner.batched ? ', training stacked with the co-located agents of its model' : ''}`);
    return self;
  }

  get addrs(): string[] {
    return this.node.getMultiaddrs().map((m) => m.toString());
  }

  /** Who is who: peer ids and addresses of the other agents. Only these may connect. */
  setPeers(peers: Record<AgentId, Peer>): void {
    this.neighbours.setPeers(peers);
  }

  /** Another agent is dead: stop waiting to serve it. */
  markGone(agent: AgentId): void {
    this.neighbours.markGone(agent);
  }

  /**
   * Looks for the teachers that have a peer id but no address (bootstrap, DHT, mDNS), logging who is
   * still missing, until all are found or `signal` aborts. Resolves at once without discovery.
   */
  async discover(signal: AbortSignal): Promise<void> {
    const d = this.setup.discovery;
    if (!d) return;
    await findPeers(
      {
        node: this.node,
        missing: () => this.neighbours.unlocatedTeachers(),
        onFound: (agent, addrs) => this.neighbours.learnAddrs(agent, addrs),
        bootstrap: d.bootstrap,
        peerRouting: d.dht,
        log: (line) => this.log.info(`discovery: ${line}`),
      },
      signal,
    );
  }

  private checkpointFile(): string {
    return join(agentDir(this.setup.runDir, this.id), 'checkpoint.bin');
  }

  /** The round to start from: after the checkpoint's when resuming, else 0. */
  private restore(): Round {
    if (!this.setup.resume) return 0;
    if (!existsSync(this.checkpointFile())) {
      this.log.warn('--resume given but no checkpoint exists yet: starting from round 0');
      return 0;
    }
    const cp = loadCheckpointInto(this.checkpointFile(), this.learner.model);
    this.log.info(`resumed from the checkpoint of round ${cp.meta.round}`);
    return Number(cp.meta.round) + 1;
  }

  /**
   * Runs the remaining rounds; resolves when done or when `signal` aborts: between rounds, or at once
   * while the exchange waits on neighbours (the interrupted round is not recorded; a resume redoes it).
   */
  async run(signal: AbortSignal = new AbortController().signal): Promise<AgentOutcome> {
    const c = this.config;
    const start = this.restore();
    this.metrics.write({
      type: 'start',
      agent: this.id,
      peerId: this.peerId,
      mode: c.mode,
      backend: this.backend,
      heads: this.learner.heads,
      profile: c.profiles[this.id].name,
      startRound: start,
      histogram: this.histogram,
      time: new Date().toISOString(),
    });
    let round = start;
    try {
      let targets: RoundTargets | undefined = start > 0 ? await this.mode.resume(start - 1, signal) : undefined;
      for (; round < c.rounds; round++) {
        if (signal.aborted) return this.finish('stopped', round);
        targets = await this.runRound(round, targets, signal);
      }
    } catch (err) {
      if (signal.aborted) return this.finish('stopped', round);
      throw err;
    }
    await this.linger(signal);
    return this.finish('finished', c.rounds);
  }

  /** One round: train on `targets`, exchange, evaluate, checkpoint, record; returns the next targets. */
  private async runRound(round: Round, targets: RoundTargets | undefined, signal: AbortSignal): Promise<RoundTargets | undefined> {
    const c = this.config;
    const t0 = performance.now();
    const loss = await this.learner.trainRound(targets, { round, rounds: c.rounds });
    const t1 = performance.now();
    const ex = await this.mode.exchange(round, signal);
    const t2 = performance.now();
    const isEval = (round + 1) % c.evalEvery === 0 || round === c.rounds - 1;
    const ev = isEval ? await this.evaluate() : undefined;
    const t3 = performance.now();
    if (c.checkpointEvery > 0 && ((round + 1) % c.checkpointEvery === 0 || round === c.rounds - 1)) {
      saveCheckpoint(this.checkpointFile(), this.learner.model, { round, agent: this.id, peerId: this.peerId });
    }
    const record: RoundRecord = {
      type: 'round',
      agent: this.id,
      round,
      mode: c.mode,
      backend: this.backend,
      seconds: (performance.now() - t0) / 1000,
      trainSeconds: (t1 - t0) / 1000,
      exchangeSeconds: (t2 - t1) / 1000,
      fetchSeconds: ex.fetchSeconds,
      waitSeconds: ex.waitSeconds,
      lateSeconds: this.neighbours.takeLateSeconds(),
      ...(this.learner.stackedAgents !== undefined ? { stackedAgents: this.learner.stackedAgents } : {}),
      evalSeconds: (t3 - t2) / 1000,
      loss,
      learningRate: this.learner.learningRate,
      teachersUsed: ex.used,
      skipped: ex.skipped,
      rejected: ex.rejected,
      ...(ex.trust ? { trust: ex.trust } : {}),
      ...(ex.excluded ? { excluded: ex.excluded } : {}),
      samplesUsed: ex.samplesUsed,
      bytesSent: this.neighbours.takeSent(),
      bytesReceived: ex.received,
      eval: ev,
      memory: { tensors: tf.memory().numTensors, rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20) },
    };
    this.metrics.write(record);
    this.setup.onRound?.(record);
    for (const s of ex.skipped) this.log.warn(`round ${round}: skipped ${s.agent}: ${s.reason}`);
    for (const s of ex.rejected) this.log.error(`round ${round}: rejected ${s.agent}'s message: ${s.reason}`);
    const acc = ev ? `, shared ${ev.sharedAccuracy.map((a) => (100 * a).toFixed(1)).join('/')}%` : '';
    this.log.info(`round ${round} done in ${record.seconds.toFixed(2)}s, loss ${loss.total.toFixed(3)}${acc}`);
    return ex.targets;
  }

  private finish(status: AgentOutcome, rounds: Round): AgentOutcome {
    const bytesSent = this.neighbours.takeSent();
    this.metrics.write({ type: 'end', agent: this.id, status, roundsCompleted: rounds, bytesSent, time: new Date().toISOString() });
    this.log.info(status === 'finished' ? `finished ${rounds} rounds` : `stopped before round ${rounds}`);
    return status;
  }

  private async evaluate(): Promise<RoundRecord['eval']> {
    const test = this.config.evalSplit === 'val' ? this.data.split.valSet : this.data.dataset.test;
    this.evalRows ??= evaluationRows(test.labels, this.data.dataset.classes, this.config.evalSamples, this.config.seed);
    const perHead = await this.learner.classAccuracies(test, this.evalRows);
    return withPerAgentPrivate(this.config, this.data, this.id, evaluation(perHead, this.histogram), perHead);
  }

  /** After the last round, keep serving until every agent that learns from this one has its last round. */
  private async linger(signal: AbortSignal): Promise<void> {
    if (!this.mode.serves) return;
    const last = this.config.rounds - 1;
    if (await this.neighbours.untilServed(last, AbortSignal.any([signal, AbortSignal.timeout(this.config.timeouts.lingerMs)]))) return;
    const waiting = this.neighbours.unservedReaders(last);
    if (waiting.length > 0 && !signal.aborted) this.log.warn(`stopped serving before ${waiting.join(', ')} fetched the last round`);
  }

  /** Idempotent: closes the stores (waking waiting readers), stops the host, frees the model. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.mode.stop();
    await this.node.stop();
    this.learner.dispose();
  }
}
