// The agent runtime (DESIGN.md section 1, round loop): train -> predict on the round's public chunk ->
// serve -> fetch every in-neighbour with a timeout -> choose targets -> next round. The same code runs
// in a single-process simulation, in each process of a cluster, and as a lone node on another machine.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Libp2p } from 'libp2p';
import { prepareExperimentData, type ExperimentData } from '../data/experiment-data.ts';
import type { LabelledSet } from '../data/types.ts';
import { metropolisAverage } from '../learning/gossip.ts';
import { evaluation, Learner, type Evaluation, type RoundTargets } from '../learning/learner.ts';
import { meanEmbedding, targetsForHeads, type HeadTargets } from '../learning/teachers.ts';
import type { PredictionBatch, Round } from '../learning/types.ts';
import { formatBackend, selectBackend, tf } from '../model/backend.ts';
import { loadCheckpointInto, saveCheckpoint } from '../model/checkpoint.ts';
import { MAX_AUX_HEADS } from '../model/multi-head.ts';
import { payloadBytes, ProtocolError, type Expectation } from '../network/codec.ts';
import { fetchPredictions, fetchWeights, servePredictions, serveWeights, type FetchOutcome, type WeightsMessage } from '../network/exchange.ts';
import { createHost, type TransportKind } from '../network/host.ts';
import { loadOrCreateKey, peerIdString } from '../network/identity.ts';
import type { Peer } from '../network/round-protocol.ts';
import { inNeighbours, outNeighbours, type AgentId } from '../topology/types.ts';
import { chunkHash, publicChunk } from './chunks.ts';
import { CENTRAL_AGENT, runningAgents, type RunConfig } from './config.ts';
import { RoundStore } from './round-store.ts';
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
}

export interface Skip {
  agent: AgentId;
  reason: string;
}

export interface RoundRecord {
  type: 'round';
  agent: AgentId;
  round: Round;
  mode: RunConfig['mode'];
  backend: string;
  seconds: number;
  trainSeconds: number;
  /** Own predictions, fetching from neighbours (including waiting for them) and choosing targets. */
  exchangeSeconds: number;
  /** The network part of the exchange: fetching (and waiting for) the neighbours' rounds. */
  fetchSeconds: number;
  /** Of the fetch, the longest time a neighbour held the request waiting for its round to be ready. */
  waitSeconds: number;
  evalSeconds: number;
  loss: { total: number; ce: number; distill: number[]; embedding: number };
  teachersUsed: AgentId[];
  skipped: Skip[];
  rejected: Skip[];
  /** Public samples each head trained on after the gate, this round. */
  samplesUsed: number[];
  bytesSent: Record<AgentId, number>;
  bytesReceived: Record<AgentId, number>;
  eval?: Evaluation & { perAgentPrivate?: Record<AgentId, number[]> };
  /** Live tfjs tensors and the process's resident memory after the round: flat in a healthy long run. */
  memory: { tensors: number; rssMB: number };
}

export type AgentOutcome = 'finished' | 'stopped';

const agentDir = (runDir: string, agent: AgentId) => join(runDir, 'agents', agent);

/** Keeps own predictions this many rounds longer than the staleness bound requires. */
const STORE_SLACK = 2;

export class Agent {
  readonly id: AgentId;
  readonly peerId: string;
  private readonly setup: AgentSetup;
  private readonly config: RunConfig;
  private readonly node: Libp2p;
  private readonly learner: Learner;
  private readonly data: ExperimentData;
  private readonly histogram: number[];
  private readonly backend: string;
  private readonly log: AgentLog;
  private readonly metrics: JsonLines;
  private readonly predictions: RoundStore<PredictionBatch>;
  private readonly weights: RoundStore<WeightsMessage>;
  private peers: Record<AgentId, Peer> = {};
  private readonly sent: Record<AgentId, number> = {};
  private readonly lastServed: Record<AgentId, Round> = {};
  private allowed = new Set<string>();

  private constructor(init: {
    setup: AgentSetup;
    node: Libp2p;
    learner: Learner;
    data: ExperimentData;
    histogram: number[];
    backend: string;
    log: AgentLog;
    metrics: JsonLines;
  }) {
    this.setup = init.setup;
    this.config = init.setup.config;
    this.id = init.setup.agent;
    this.node = init.node;
    this.peerId = init.node.peerId.toString();
    this.learner = init.learner;
    this.data = init.data;
    this.histogram = init.histogram;
    this.backend = init.backend;
    this.log = init.log;
    this.metrics = init.metrics;
    this.predictions = new RoundStore(this.config.staleness + STORE_SLACK);
    this.weights = new RoundStore(this.config.staleness + STORE_SLACK);
  }

  /** Loads data, builds the learner and starts the libp2p host (listening, protocols registered). */
  static async create(setup: AgentSetup): Promise<Agent> {
    const { config, agent } = setup;
    const agents = runningAgents(config);
    if (!agents.includes(agent)) throw new Error(`unknown agent "${agent}": the run has ${agents.join(', ')}`);
    const dir = agentDir(setup.runDir, agent);
    const log = new AgentLog(join(dir, 'log'), agent, setup.echoLog);
    const backend = formatBackend(await selectBackend(config.backend));
    const data = prepareExperimentData({
      dataset: config.dataset,
      partition: config.partition,
      agents: config.topology.agents.length,
      privatePerAgent: config.privatePerAgent,
      publicSize: config.publicSize,
      seed: config.seed,
    });
    let privateSet: LabelledSet;
    let histogram: number[];
    if (agent === CENTRAL_AGENT) {
      const sets = config.topology.agents.map((_, i) => data.privateSet(i));
      privateSet = concatSets(sets, data.dataset.inputShape[0] * data.dataset.inputShape[1] * data.dataset.inputShape[2]);
      histogram = data.partition.histograms.reduce((a, h) => a.map((v, c) => v + h[c]), new Array<number>(data.dataset.classes).fill(0));
    } else {
      const index = config.topology.agents.indexOf(agent);
      privateSet = data.privateSet(index);
      histogram = data.partition.histograms[index];
    }
    const { profile } = config.profiles[agent];
    const learner = new Learner({
      profile,
      classes: data.dataset.classes,
      inputShape: data.dataset.inputShape,
      privateSet,
      publicSet: data.split.publicSet,
      // Each agent's weights and batches differ; the same (seed, agent) always gives the same ones.
      seed: config.seed * 1000 + agents.indexOf(agent) + 1,
      stepsMultiplier: agent === CENTRAL_AGENT ? config.topology.agents.length : 1,
    });
    const key = await loadOrCreateKey(setup.keyFile ?? join(dir, 'key'));
    let self: Agent | undefined;
    const node = await createHost({
      privateKey: key,
      listen: setup.listen,
      transport: setup.transport,
      allowedPeers: () => self?.allowed ?? new Set(),
      onRefused: (peer, direction) => log.warn(`refused ${direction} connection of unknown peer ${peer}`),
    });
    self = new Agent({ setup, node, learner, data, histogram, backend, log, metrics: new JsonLines(join(dir, 'metrics.jsonl')) });
    await self.registerProtocols();
    log.info(`started: peer ${peerIdString(key)}, listening on ${node.getMultiaddrs().map(String).join(' ')}, backend ${backend}`);
    return self;
  }

  get addrs(): string[] {
    return this.node.getMultiaddrs().map((m) => m.toString());
  }

  /** Who is who: peer ids and addresses of the other agents. Only these may connect. */
  setPeers(peers: Record<AgentId, Peer>): void {
    this.peers = { ...peers };
    delete this.peers[this.id];
    this.allowed = new Set(Object.values(this.peers).map((p) => p.peerId));
  }

  private readerOf(peerId: string): AgentId | undefined {
    const agent = Object.values(this.peers).find((p) => p.peerId === peerId)?.agent;
    // Only agents that learn from this one may read its predictions.
    if (agent === undefined || !outNeighbours(this.config.topology, this.id).includes(agent)) return undefined;
    return agent;
  }

  private async registerProtocols(): Promise<void> {
    const hooks = {
      reader: (peerId: string) => {
        const reader = this.readerOf(peerId);
        if (reader === undefined) this.log.warn(`refused to serve peer ${peerId}: not an agent that learns from ${this.id}`);
        return reader;
      },
      onSent: (reader: AgentId, bytes: number, round: Round | undefined) => {
        this.sent[reader] = (this.sent[reader] ?? 0) + bytes;
        if (round !== undefined) this.lastServed[reader] = Math.max(this.lastServed[reader] ?? -1, round);
      },
      onError: (peerId: string, err: Error) => this.log.warn(`serving ${peerId} failed: ${err.message}`),
      maxWaitMs: this.config.fetchTimeoutMs,
    };
    if (this.config.mode === 'mhd') await servePredictions(this.node, this.id, this.predictions, this.config.encoding, hooks);
    if (this.config.mode === 'gossip') await serveWeights(this.node, this.id, this.weights, hooks);
  }

  private checkpointFile(): string {
    return join(agentDir(this.setup.runDir, this.id), 'checkpoint.bin');
  }

  private chunk(round: Round): number[] {
    return publicChunk(this.config.seed, round, this.config.chunkSize, this.config.publicSize);
  }

  /** Runs the remaining rounds; resolves when done or when `signal` aborts (between rounds). */
  async run(signal?: AbortSignal): Promise<AgentOutcome> {
    const c = this.config;
    let start = 0;
    if (this.setup.resume && existsSync(this.checkpointFile())) {
      const cp = loadCheckpointInto(this.checkpointFile(), this.learner.model);
      start = Number(cp.meta.round) + 1;
      this.log.info(`resumed from the checkpoint of round ${cp.meta.round}`);
    } else if (this.setup.resume) {
      this.log.warn('--resume given but no checkpoint exists yet: starting from round 0');
    }
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
    let targets: RoundTargets | undefined;
    if (start > 0 && c.mode === 'mhd') {
      // Rebuild the targets the interrupted run would have trained on next.
      targets = (await this.exchangePredictions(start - 1)).targets;
    }
    for (let round = start; round < c.rounds; round++) {
      if (signal?.aborted) return this.finish('stopped', round);
      const t0 = performance.now();
      const loss = await this.learner.trainRound(targets);
      const t1 = performance.now();
      let exchange: Exchange = { targets: undefined, used: [], skipped: [], rejected: [], received: {}, samplesUsed: [], fetchSeconds: 0, waitSeconds: 0 };
      if (c.mode === 'mhd') exchange = await this.exchangePredictions(round);
      else if (c.mode === 'gossip') exchange = await this.exchangeWeights(round);
      targets = exchange.targets;
      const t2 = performance.now();
      const isEval = (round + 1) % c.evalEvery === 0 || round === c.rounds - 1;
      const ev = isEval ? await this.evaluate() : undefined;
      const t3 = performance.now();
      if (c.checkpointEvery > 0 && ((round + 1) % c.checkpointEvery === 0 || round === c.rounds - 1)) {
        saveCheckpoint(this.checkpointFile(), this.learner.model, { round, agent: this.id, peerId: this.peerId });
      }
      const sent = { ...this.sent };
      for (const k of Object.keys(this.sent)) delete this.sent[k];
      const record: RoundRecord = {
        type: 'round',
        agent: this.id,
        round,
        mode: c.mode,
        backend: this.backend,
        seconds: (performance.now() - t0) / 1000,
        trainSeconds: (t1 - t0) / 1000,
        exchangeSeconds: (t2 - t1) / 1000,
        fetchSeconds: exchange.fetchSeconds,
        waitSeconds: exchange.waitSeconds,
        evalSeconds: (t3 - t2) / 1000,
        loss,
        teachersUsed: exchange.used,
        skipped: exchange.skipped,
        rejected: exchange.rejected,
        samplesUsed: exchange.samplesUsed,
        bytesSent: sent,
        bytesReceived: exchange.received,
        eval: ev,
        memory: { tensors: tf.memory().numTensors, rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20) },
      };
      this.metrics.write(record);
      this.setup.onRound?.(record);
      for (const s of exchange.skipped) this.log.warn(`round ${round}: skipped ${s.agent}: ${s.reason}`);
      for (const s of exchange.rejected) this.log.error(`round ${round}: rejected ${s.agent}'s message: ${s.reason}`);
      const acc = ev ? `, shared ${ev.sharedAccuracy.map((a) => (100 * a).toFixed(1)).join('/')}%` : '';
      this.log.info(`round ${round} done in ${record.seconds.toFixed(2)}s, loss ${loss.total.toFixed(3)}${acc}`);
    }
    await this.linger(signal);
    return this.finish('finished', c.rounds);
  }

  private finish(status: AgentOutcome, rounds: Round): AgentOutcome {
    // Bytes served after the last round record (to neighbours still catching up) are counted here.
    const bytesSent = { ...this.sent };
    this.metrics.write({ type: 'end', agent: this.id, status, roundsCompleted: rounds, bytesSent, time: new Date().toISOString() });
    this.log.info(status === 'finished' ? `finished ${rounds} rounds` : `stopped before round ${rounds}`);
    return status;
  }

  private async evaluate(): Promise<RoundRecord['eval']> {
    const test = this.data.dataset.test;
    const perHead = await this.learner.classAccuracies(test, this.config.evalSamples > 0 ? this.config.evalSamples : test.n);
    const ev: RoundRecord['eval'] = evaluation(perHead, this.histogram);
    if (this.id === CENTRAL_AGENT) {
      ev.perAgentPrivate = Object.fromEntries(
        this.config.topology.agents.map((a, i) => [a, evaluation(perHead, this.data.partition.histograms[i]).privateAccuracy]),
      );
    }
    return ev;
  }

  private teachersOf(): AgentId[] {
    return inNeighbours(this.config.topology, this.id);
  }

  private async fetchAll<T>(
    fetch: (peer: Peer) => Promise<FetchOutcome<T>>,
  ): Promise<{ ok: { agent: AgentId; value: T }[]; skipped: Skip[]; rejected: Skip[]; received: Record<AgentId, number>; waitSeconds: number }> {
    let waitedMs = 0;
    const skipped: Skip[] = [];
    const rejected: Skip[] = [];
    const received: Record<AgentId, number> = {};
    const ok: { agent: AgentId; value: T }[] = [];
    await Promise.all(
      this.teachersOf().map(async (agent) => {
        const peer = this.peers[agent];
        if (!peer) {
          skipped.push({ agent, reason: 'no address known for this neighbour' });
          return;
        }
        try {
          const out = await fetch(peer);
          received[agent] = out.bytesReceived;
          waitedMs = Math.max(waitedMs, out.waitedMs);
          this.sent[agent] = (this.sent[agent] ?? 0) + out.bytesSent;
          if (out.ok) ok.push({ agent, value: out.value });
          else skipped.push({ agent, reason: `${out.status}: ${out.message}` });
        } catch (err) {
          if (err instanceof ProtocolError) rejected.push({ agent, reason: `${err.reason}: ${err.message}` });
          else skipped.push({ agent, reason: `unreachable: ${(err as Error).message}` });
        }
      }),
    );
    const order = this.teachersOf();
    ok.sort((a, b) => order.indexOf(a.agent) - order.indexOf(b.agent));
    return { ok, skipped, rejected, received, waitSeconds: waitedMs / 1000 };
  }

  private async exchangePredictions(round: Round): Promise<Exchange> {
    const c = this.config;
    const rows = this.chunk(round);
    const hash = chunkHash(rows);
    const own = this.learner.predict(rows, c.embeddings);
    const batch: PredictionBatch = {
      agent: this.id,
      round,
      chunkHash: hash,
      heads: this.learner.heads,
      classes: this.data.dataset.classes,
      samples: rows.length,
      probs: own.probs,
      embedding: own.embedding ? { size: this.learner.model.embeddingSize, values: own.embedding } : undefined,
    };
    this.predictions.put(round, batch);
    const minRound = Math.max(0, round - c.staleness);
    const hashes = new Map<Round, string>();
    const exp = (agent: AgentId): Expectation => ({
      agent,
      minRound,
      maxRound: round,
      chunkHash: (r) => {
        if (!hashes.has(r)) hashes.set(r, chunkHash(this.chunk(r)));
        return hashes.get(r)!;
      },
      classes: batch.classes,
      samples: rows.length,
      maxHeads: MAX_AUX_HEADS + 1,
    });
    const maxPayload = payloadBytes({ heads: MAX_AUX_HEADS + 1, classes: batch.classes, samples: rows.length, encoding: 'f32', embeddingSize: 1024 });
    const fetchStart = performance.now();
    const res = await this.fetchAll((peer) =>
      fetchPredictions(this.node, peer, { round, minRound, waitMs: c.fetchTimeoutMs, embedding: c.embeddings }, exp(peer.agent), c.fetchTimeoutMs + 5000, maxPayload),
    );
    const fetchSeconds = (performance.now() - fetchStart) / 1000;
    // Neighbours that answered with an older round (within the staleness bound) are grouped by round:
    // targets are chosen per chunk, against the agent's own predictions on that same chunk.
    const byRound = new Map<Round, PredictionBatch[]>();
    for (const { value } of res.ok) byRound.set(value.round, [...(byRound.get(value.round) ?? []), value]);
    const parts: { rows: number[]; heads: HeadTargets[]; embedding?: Float32Array }[] = [];
    for (const [r, batches] of byRound) {
      const mine = this.predictions.get(r);
      if (!mine) {
        for (const b of batches) res.skipped.push({ agent: b.agent, reason: `answered round ${r}, whose own predictions are no longer kept` });
        continue;
      }
      const p = this.learner.profile;
      parts.push({
        rows: r === round ? rows : this.chunk(r),
        heads: targetsForHeads(mine, batches, { rule: p.teacher, gateMain: p.gateMain, gateAux: p.gateAux, includeSelf: p.includeSelf }),
        embedding: c.embeddings ? meanEmbedding(mine, batches) : undefined,
      });
    }
    const targets = mergeTargets(parts);
    return {
      targets,
      used: res.ok.map((o) => o.agent),
      skipped: res.skipped,
      rejected: res.rejected,
      received: res.received,
      samplesUsed: targets ? targets.heads.map((h) => h.choice.used) : [],
      fetchSeconds,
      waitSeconds: res.waitSeconds,
    };
  }

  private async exchangeWeights(round: Round): Promise<Exchange> {
    const c = this.config;
    const own = this.learner.model.getWeights();
    this.weights.put(round, { round, weights: own });
    const minRound = Math.max(0, round - c.staleness);
    const fetchStart = performance.now();
    const res = await this.fetchAll((peer) => fetchWeights(this.node, peer, { round, minRound, waitMs: c.fetchTimeoutMs }, own, c.fetchTimeoutMs + 5000));
    const fetchSeconds = (performance.now() - fetchStart) / 1000;
    if (res.ok.length > 0) {
      const degree = (a: AgentId) => inNeighbours(c.topology, a).length;
      const mixed = metropolisAverage(own, degree(this.id), res.ok.map((o) => ({ agent: o.agent, degree: degree(o.agent), weights: o.value.weights })));
      this.learner.model.setWeights(mixed.map((w) => ({ name: w.name, shape: [...w.shape], values: w.values })));
    }
    return { targets: undefined, used: res.ok.map((o) => o.agent), skipped: res.skipped, rejected: res.rejected, received: res.received, samplesUsed: [], fetchSeconds, waitSeconds: res.waitSeconds };
  }

  /** After the last round, keep serving until every agent that learns from this one has its last round. */
  private async linger(signal?: AbortSignal): Promise<void> {
    const c = this.config;
    if (c.mode !== 'mhd' && c.mode !== 'gossip') return;
    const readers = outNeighbours(c.topology, this.id).filter((a) => this.peers[a]);
    const deadline = Date.now() + c.lingerMs;
    while (Date.now() < deadline && !signal?.aborted) {
      if (readers.every((a) => (this.lastServed[a] ?? -1) >= c.rounds - 1)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    const waiting = readers.filter((a) => (this.lastServed[a] ?? -1) < c.rounds - 1);
    if (waiting.length > 0 && !signal?.aborted) this.log.warn(`stopped serving before ${waiting.join(', ')} fetched the last round`);
  }

  private stopped = false;

  /** Idempotent: closes the stores (waking waiting readers), stops the host, frees the model. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.predictions.close();
    this.weights.close();
    await this.node.stop();
    this.learner.dispose();
  }
}

interface Exchange {
  targets: RoundTargets | undefined;
  used: AgentId[];
  skipped: Skip[];
  rejected: Skip[];
  received: Record<AgentId, number>;
  samplesUsed: number[];
  fetchSeconds: number;
  waitSeconds: number;
}

/** Concatenates per-chunk targets into one set of training rows. */
function mergeTargets(parts: { rows: number[]; heads: HeadTargets[]; embedding?: Float32Array }[]): RoundTargets | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return { chunkRows: parts[0].rows, heads: parts[0].heads, embedding: parts[0].embedding };
  const heads = parts[0].heads.map((h, k) => {
    const cat = (get: (p: (typeof parts)[number]) => Float32Array) => {
      const all = parts.map(get);
      const out = new Float32Array(all.reduce((a, x) => a + x.length, 0));
      let o = 0;
      for (const x of all) {
        out.set(x, o);
        o += x.length;
      }
      return out;
    };
    const choice = {
      targets: cat((p) => p.heads[k].choice.targets),
      mask: cat((p) => p.heads[k].choice.mask),
      used: parts.reduce((a, p) => a + p.heads[k].choice.used, 0),
      chosenCounts: [],
    };
    return { head: h.head, choice, teachers: [...new Set(parts.flatMap((p) => p.heads[k].teachers))] };
  });
  const withEmb = parts.every((p) => p.embedding);
  const embedding = withEmb ? Float32Array.from(parts.flatMap((p) => Array.from(p.embedding!))) : undefined;
  return { chunkRows: parts.flatMap((p) => p.rows), heads, embedding };
}

function concatSets(sets: LabelledSet[], size: number): LabelledSet {
  const n = sets.reduce((a, s) => a + s.n, 0);
  const pixels = new Uint8Array(n * size);
  const labels = new Uint8Array(n);
  let o = 0;
  for (const s of sets) {
    pixels.set(s.pixels, o * size);
    labels.set(s.labels, o);
    o += s.n;
  }
  return { pixels, labels, n };
}

