// An agent's view of the others: who may connect, who it learns from (in-neighbours), who may read
// from it (out-neighbours), and the bytes exchanged with each. Every exchange mode goes through it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Round } from '../learning/types.ts';
import { DeadlineError, WireError } from '../network/errors.ts';
import type { FetchOutcome, Peer, ReaderAccess } from '../network/round-service.ts';
import { Changes } from '../network/wait.ts';
import { inNeighbours, outNeighbours, type AgentId, type Topology } from '../topology/types.ts';
import type { Skip } from './records.ts';
import { lateRule, lateRuleApplies, Punctuality, quorumReached } from './punctuality.ts';
import type { AgentLog } from './run-log.ts';

/** Pause between tries of a neighbour whose host has no route. */
const RETRY_MS = 500;
/** The network errors of a broken path (a partition), not of a peer that is down or refuses. */
const NO_ROUTE = /EHOSTUNREACH|ENETUNREACH/;
/** One neighbour's fetch; `signal` is the agent's stop. */
export type Fetch<T> = (peer: Peer, signal: AbortSignal) => Promise<FetchOutcome<T>>;

export interface FetchedFromAll<T> {
  /** Answers in the topology's order of in-neighbours. */
  ok: { agent: AgentId; value: T }[];
  skipped: Skip[];
  rejected: Skip[];
  received: Record<AgentId, number>;
  /** The longest time a neighbour held a request waiting for its round. */
  waitSeconds: number;
  /** From the quorum's answer to the fetch's end: see RoundRecord.lateSeconds. */
  lateSeconds: number;
}

export class Neighbours {
  readonly self: AgentId;
  /** The agents this one learns from. */
  readonly teachers: readonly AgentId[];
  /** The agents that learn from this one: the only ones allowed to read its rounds. */
  readonly readers: readonly AgentId[];
  private peers: Record<AgentId, Peer> = {};
  private allowed = new Set<string>();
  private sent: Record<AgentId, number> = {};
  private readonly lastServed: Record<AgentId, Round> = {};
  /** Agents known to be dead (their process exited): nobody waits for them. */
  private readonly gone = new Set<AgentId>();
  private readonly log: AgentLog;
  /** Addresses learnt, readers served, agents gone: what waits for a neighbour depend on. */
  private readonly changes = new Changes();

  /** How long a fetch waits for discovery to find a neighbour known only by peer id. */
  private readonly locateWaitMs: number;
  private readonly punctuality = new Punctuality();
  /** Since when the agent has worked towards its next fetch: the last fetch's end, or the peers' arrival. */
  private paceFrom = Date.now();
  /** The previous fetch's start: a teacher heard from since then is alive and running its rounds. */
  private heardSince = Date.now();
  /** When each reader last opened a request to this agent. */
  private readonly heardAt: Record<AgentId, number> = {};
  private fetched = false;
  private late = 0;

  constructor(topology: Topology, self: AgentId, log: AgentLog, locateWaitMs = 0) {
    this.self = self;
    this.locateWaitMs = locateWaitMs;
    this.teachers = inNeighbours(topology, self);
    this.readers = outNeighbours(topology, self);
    this.log = log;
  }

  /** Who is who: peer ids and addresses of the other agents. Only these may connect. */
  setPeers(peers: Record<AgentId, Peer>): void {
    this.peers = { ...peers };
    delete this.peers[this.self];
    this.allowed = new Set(Object.values(this.peers).map((p) => p.peerId));
    if (!this.fetched) this.paceFrom = this.heardSince = Date.now();
    this.changes.notify();
  }

  /** Addresses found for an agent known only by peer id (discovery); kept unless it already has some. */
  learnAddrs(agent: AgentId, addrs: readonly string[]): void {
    const peer = this.peers[agent];
    if (peer && peer.addrs.length === 0) this.peers[agent] = { ...peer, addrs: [...addrs] };
    this.changes.notify();
  }

  /** Teachers whose peer id is known but no address yet: the ones discovery looks for. */
  unlocatedTeachers(): Peer[] {
    return this.teachers.map((a) => this.peers[a]).filter((p): p is Peer => p !== undefined && p.addrs.length === 0);
  }

  /** Peer ids the connection gater lets through. */
  allowedPeers(): ReadonlySet<string> {
    return this.allowed;
  }

  /** The agent behind a connected peer, when it is one that learns from this agent. */
  readerOf(peerId: string): AgentId | undefined {
    const agent = Object.values(this.peers).find((p) => p.peerId === peerId)?.agent;
    return agent !== undefined && this.readers.includes(agent) ? agent : undefined;
  }

  /** For this agent's servers: the read permission rule and the traffic accounting. */
  access(): ReaderAccess {
    return {
      reader: (peerId) => {
        const reader = this.readerOf(peerId);
        if (reader === undefined) this.log.warn(`refused to serve peer ${peerId}: not an agent that learns from ${this.self}`);
        else {
          this.heardAt[reader] = Date.now();
          this.changes.notify();
        }
        return reader;
      },
      onSent: (reader, bytes, round) => {
        this.countSent(reader, bytes);
        if (round !== undefined) this.lastServed[reader] = Math.max(this.lastServed[reader] ?? -1, round);
        // A reader that fetches is alive again (restarted).
        this.gone.delete(reader);
        this.changes.notify();
      },
      onError: (peerId, err) => this.log.warn(`serving ${peerId} failed: ${err.message}`),
    };
  }

  private countSent(agent: AgentId, bytes: number): void {
    this.sent[agent] = (this.sent[agent] ?? 0) + bytes;
  }

  /** Bytes sent to each agent since the last call (requests and replies). */
  takeSent(): Record<AgentId, number> {
    const out = this.sent;
    this.sent = {};
    return out;
  }

  /** Marks an agent dead (the launcher saw its process exit, or a simulation stopped it): linger no longer waits for it. */
  markGone(agent: AgentId): void {
    if (agent === this.self || this.gone.has(agent)) return;
    this.gone.add(agent);
    this.changes.notify();
    if (this.readers.includes(agent)) this.log.info(`${agent} is gone: no longer waiting to serve it`);
  }

  /** Live readers with an address that have not yet been served `round`. */
  unservedReaders(round: Round): AgentId[] {
    return this.readers.filter((a) => this.peers[a] && !this.gone.has(a) && (this.lastServed[a] ?? -1) < round);
  }

  /** Resolves once every live reader has been served `round` (true), or when `signal` aborts first (false). */
  untilServed(round: Round, signal: AbortSignal): Promise<boolean> {
    return this.changes.until(() => this.unservedReaders(round).length === 0, signal);
  }

  /** The peer of `agent`, waiting (at most locateWaitMs, or until a stop) while it has a peer id but no address yet. */
  private async located(agent: AgentId, signal: AbortSignal): Promise<Peer | undefined> {
    await this.changes.until(() => (this.peers[agent]?.addrs.length ?? 1) > 0, AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, this.locateWaitMs))]));
    return this.peers[agent];
  }

  /**
   * One neighbour's fetch, tried again while there is no route to its host and the wait budget
   * (locateWaitMs from the start of the round's fetch) lasts: a neighbour behind a partition is waited
   * for as a late one is, instead of being skipped at once by an agent that then races through its
   * rounds alone. Anything else is final at once: a refused connection (nothing listens: the process is
   * down), a reset or refused stream (a neighbour that will not serve), a bad answer, a neighbour known
   * to be gone. Those would otherwise cost every honest agent the whole budget every round.
   */
  private async fetchRetrying<T>(fetch: Fetch<T>, peer: Peer, end: number, signal: AbortSignal): Promise<FetchOutcome<T>> {
    for (;;) {
      try {
        return await fetch(peer, signal);
      } catch (err) {
        if (signal.aborted || !NO_ROUTE.test((err as Error).message ?? '') || this.gone.has(peer.agent) || Date.now() + RETRY_MS >= end) throw err;
        await sleep(RETRY_MS, undefined, { signal });
      }
    }
  }

  /**
   * Asks every in-neighbour at once; sorts answers, refusals and network failures apart. Once half the
   * teachers that can still answer have answered (the quorum; known stallers are not counted, so with
   * only stallers the quorum is there at the start), each of the rest gets its allowance
   * (src/node/punctuality.ts) and is then skipped as late, if it is alive: heard from (it asked this
   * agent for a round) since the previous fetch began, so it is running its rounds and not behind a
   * partition or down, which are waited for as before. A known staller is skipped alive or not. A
   * skipped fetch goes on in the background, only to learn when the neighbour really answers. When
   * `signal` aborts (the agent stops), every fetch is cancelled at once and this rejects with the abort.
   */
  async fetchAll<T>(fetch: Fetch<T>, signal: AbortSignal): Promise<FetchedFromAll<T>> {
    const start = Date.now();
    const end = start + this.locateWaitMs;
    const workMs = start - this.paceFrom;
    const heardSince = this.heardSince;
    this.heardSince = start;
    const applies = lateRuleApplies(this.locateWaitMs, this.teachers.length);
    let waitedMs = 0;
    let answered = 0;
    let failed = 0;
    let quorumAt: number | undefined;
    // Set only when some teacher was still out at the quorum: then the time after it is lost to them.
    let lateFrom: number | undefined;
    let quorum = 0;
    // Known stallers do not count towards the quorum: when every teacher is one, the round is not
    // theirs to hold, and they are skipped at the start.
    const capMs = lateRule(this.locateWaitMs, workMs, 0).capMs;
    const stallers = new Set(applies ? this.teachers.filter((a) => this.punctuality.knownStaller(a, capMs)) : []);
    // Why a teacher was skipped at once rather than after a grace, for the reason logged.
    const cutAt = new Map<AgentId, string>();
    // Per teacher: `cut` skips it as late, `done` ends its deadline (answered, or the fetch is over).
    const pending = new Map(this.teachers.map((a) => [a, { cut: new AbortController(), done: new AbortController() }]));
    const alive = (agent: AgentId) => (this.heardAt[agent] ?? -Infinity) >= heardSince;
    const deadline = async (agent: AgentId, c: { cut: AbortController; done: AbortController }, a: { ms: number; staller: boolean; behind: boolean }) => {
      const over = AbortSignal.any([signal, c.cut.signal, c.done.signal]);
      await sleep(a.ms, undefined, { signal: over }).catch(() => undefined);
      if (a.staller || (a.behind && a.ms === 0)) cutAt.set(agent, a.staller ? 'a known staller' : 'still behind on an earlier request');
      if (a.staller || (await this.changes.until(() => alive(agent), over))) c.cut.abort();
    };
    const reach = () => {
      const stallersOut = [...pending.keys()].some((a) => stallers.has(a));
      if (quorumAt !== undefined || !quorumReached({ teachers: this.teachers.length, answered, failed, stallers: stallers.size, stallersOut })) return;
      quorumAt = Date.now();
      quorum = answered;
      if (pending.size > 0) lateFrom = quorumAt;
      if (!applies) return;
      const rule = lateRule(this.locateWaitMs, workMs, quorumAt - start);
      for (const [late, c] of pending) {
        void deadline(late, c, this.punctuality.allowance(late, rule, quorumAt));
      }
    };
    const settle = (agent: AgentId, ok: boolean) => {
      pending.get(agent)?.done.abort();
      pending.delete(agent);
      if (!ok) {
        if (!stallers.has(agent)) failed++;
      } else {
        answered++;
        this.punctuality.answered(agent, quorumAt === undefined ? 0 : Date.now() - quorumAt, Date.now() - start);
      }
      reach();
    };
    reach();
    const out: FetchedFromAll<T> = { ok: [], skipped: [], rejected: [], received: {}, waitSeconds: 0, lateSeconds: 0 };
    try {
      await Promise.all(
        this.teachers.map(async (agent) => {
          const { cut } = pending.get(agent)!;
          const peer = await this.located(agent, AbortSignal.any([signal, cut.signal]));
          if (!peer || peer.addrs.length === 0) {
            settle(agent, false);
            out.skipped.push({ agent, reason: peer ? 'not found yet: discovery is still looking' : 'no address known for this neighbour' });
            return;
          }
          const attempt = new AbortController();
          const fetched = this.fetchRetrying(fetch, peer, end, AbortSignal.any([signal, attempt.signal]));
          const cutOff = new Promise<'late'>((resolve) => cut.signal.addEventListener('abort', () => resolve('late'), { once: true }));
          try {
            const got = await Promise.race([fetched, cutOff]);
            if (got === 'late') {
              const why = cutAt.has(agent) ? `, ${cutAt.get(agent)}` : '';
              out.skipped.push({ agent, reason: `late: no answer within ${((Date.now() - quorumAt!) / 1000).toFixed(1)} s of the quorum (${quorum} of ${this.teachers.length} neighbours had answered${why})` });
              this.punctuality.probe(agent, quorumAt!, fetched, () => attempt.abort(), this.locateWaitMs, start);
              return;
            }
            out.received[agent] = got.bytesReceived;
            waitedMs = Math.max(waitedMs, got.waitedMs);
            this.countSent(agent, got.bytesSent);
            settle(agent, got.ok);
            if (got.ok) out.ok.push({ agent, value: got.value });
            else out.skipped.push({ agent, reason: `${got.status}: ${got.message}` });
          } catch (err) {
            if (signal.aborted) return;
            // A teacher that is alive but whose reply never made it in time (its stream reset at the
            // deadline, or the deadline itself) was as late as this: a stall that overruns by a hair.
            if (!(err instanceof WireError) && alive(agent)) this.punctuality.answered(agent, quorumAt === undefined ? 0 : Date.now() - quorumAt, Date.now() - start);
            settle(agent, false);
            if (err instanceof WireError) out.rejected.push({ agent, reason: `${err.reason}: ${err.message}` });
            else if (err instanceof DeadlineError) out.skipped.push({ agent, reason: `timed out: ${err.message}` });
            else out.skipped.push({ agent, reason: `unreachable: ${(err as Error).message}` });
          }
        }),
      );
    } finally {
      for (const c of pending.values()) c.done.abort();
      this.fetched = true;
      this.paceFrom = Date.now();
    }
    signal.throwIfAborted();
    out.ok.sort((a, b) => this.teachers.indexOf(a.agent) - this.teachers.indexOf(b.agent));
    out.waitSeconds = waitedMs / 1000;
    out.lateSeconds = lateFrom === undefined ? 0 : (this.paceFrom - lateFrom) / 1000;
    this.late = out.lateSeconds;
    return out;
  }

  /** The lateSeconds of the last fetch since the last call (0 when nothing was fetched). */
  takeLateSeconds(): number {
    const late = this.late;
    this.late = 0;
    return late;
  }
}

