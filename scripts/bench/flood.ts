// npm run bench:flood [-- --attack-s 20 --cooldown-s 60 --streams 10000]: does abuse cost the abuser
// (issue 29)? A victim process serves a 1 MiB weights round; an honest reader fetches it every 0.5 s;
// an attacker, an allowed peer, opens streams to the victim as fast as it can, a third left idle, a
// third held for a round that never comes, a third paused readers of the model. The victim's RSS, heap
// and buffers are sampled after a full GC each second until --cooldown-s after the attacker exits.
// Three processes, so that the attacker's own cost never shows in the victim's memory: each is this file
// forked with a role word, which only a forked child (one with an IPC channel) reads.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Libp2p } from 'libp2p';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import type { NamedWeights } from '../../src/learning/gossip.ts';
import { deadline, framed } from '../../src/network/framed.ts';
import { createHost } from '../../src/network/host.ts';
import { peerIdString } from '../../src/network/identity.ts';
import { encodeJson, roundRequestSchema, weightsHeaderSchema } from '../../src/network/messages.ts';
import { WEIGHTS_PROTOCOL } from '../../src/network/protocols.ts';
import { RoundService } from '../../src/network/round-service.ts';
import { RoundStore } from '../../src/network/round-store.ts';
import { encodeWeights, type WeightsMessage } from '../../src/network/weights-codec.ts';
import { WeightsService } from '../../src/network/weights-service.ts';
import { one, parseCommand, whole } from '../lib/args.ts';
import { timeoutsFrom } from '../../src/node/config.ts';
import { EXPERIMENT_DEFAULTS } from '../../src/cluster/run-options.ts';

const NAME = 'bench:flood';
const ROLES = ['victim', 'honest', 'attacker'] as const;
type Role = (typeof ROLES)[number];

/** 2^18 floats: the 1 MiB model that a paused reader would make the victim hold once per stream. */
const FLOATS = 2 ** 18;
const MODEL: readonly NamedWeights[] = [{ name: 'w', shape: [FLOATS], values: new Float32Array(FLOATS).fill(0.5) }];
/** Tries in flight at once: enough to keep the victim busy from one event loop, few enough not to stall it. */
const BATCH = 200;
/** Before the attack, for the victim's memory to settle after the honest reader's first fetches. */
const WARMUP_MS = 5000;
const FETCH_EVERY_MS = 500;

// Fixed seeds: every process derives the same three peer ids without being told them.
const keyOf = (role: Role): Promise<PrivateKey> => generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(ROLES.indexOf(role) + 1));

/** One reading of the victim, in bytes, and what it had open. */
type Sample = { kind: 'sample'; t: number; rss: number; heap: number; buffers: number; streams: number; pending: number; conns: number };
type Fetch = { kind: 'fetch'; t: number; ms: number; status: string };
interface Attack {
  kind: 'done';
  tries: number;
  opened: number;
  seconds: number;
  failures: Record<string, number>;
}
type Report = Sample | Fetch | Attack | { kind: 'ready'; addrs: string[] } | { kind: 'failed'; message: string };

interface ChildConfig {
  addrs: string[];
  attackS: number;
  streams: number;
}

const send = (r: Report): Promise<void> => new Promise((done) => process.send!(r, undefined, {}, () => done()));

async function host(role: Role): Promise<Libp2p> {
  const keys = await Promise.all(ROLES.map(keyOf));
  const allowed = new Set(keys.map(peerIdString));
  // The handshake limits an agent with the default fetch timeout has.
  return createHost({ privateKey: keys[ROLES.indexOf(role)], listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => allowed, dialTimeoutMs: timeoutsFrom(EXPERIMENT_DEFAULTS.fetchTimeout * 1000).fetchDeadlineMs });
}

async function victim(stop: AbortSignal): Promise<void> {
  if (typeof globalThis.gc !== 'function') throw new Error('the victim needs --expose-gc: without a full GC its heap figures are noise');
  const node = await host('victim');
  const self = peerIdString(await keyOf('victim'));
  const store = new RoundStore<WeightsMessage>(2);
  store.put(0, { round: 0, weights: MODEL });
  // RoundService rather than WeightsService: the figures need its count of pending requests.
  const server = new RoundService(node, {
    protocol: WEIGHTS_PROTOCOL,
    agent: 'victim',
    store,
    okHeader: weightsHeaderSchema,
    encode: (msg) => encodeWeights('victim', msg),
    maxWaitMs: 60_000,
    access: { reader: (peerId) => (peerId === self ? undefined : 'reader') },
  });
  await server.start();
  await send({ kind: 'ready', addrs: node.getMultiaddrs().map(String) });
  while (!stop.aborted) {
    globalThis.gc();
    const m = process.memoryUsage();
    const conns = node.getConnections();
    const streams = conns.reduce((a, c) => a + c.streams.length, 0);
    await send({ kind: 'sample', t: Date.now(), rss: m.rss, heap: m.heapUsed, buffers: m.arrayBuffers, streams, pending: server.pendingRequests, conns: conns.length });
    await sleep(1000, undefined, { signal: stop }).catch(() => undefined);
  }
}

async function honest(config: ChildConfig, stop: AbortSignal): Promise<void> {
  const node = await host('honest');
  const peer = { agent: 'victim', peerId: peerIdString(await keyOf('victim')), addrs: config.addrs };
  const client = new WeightsService(node, { agent: 'honest', store: new RoundStore(1), access: { reader: () => undefined }, maxWaitMs: 0 });
  const expect = { agent: 'victim', minRound: 0, maxRound: 0, own: MODEL };
  while (!stop.aborted) {
    const t0 = performance.now();
    const status = await client.fetch(peer, roundRequestSchema.parse({ round: 0 }), { signal: stop, timeoutMs: 10_000, expect }).then(
      (o) => (o.ok ? 'ok' : o.status),
      (err: Error) => `failed: ${err.message}`,
    );
    if (stop.aborted) return;
    await send({ kind: 'fetch', t: Date.now(), ms: performance.now() - t0, status });
    await sleep(FETCH_EVERY_MS, undefined, { signal: stop }).catch(() => undefined);
  }
}

// libp2p rejects the opening of a stream that its connection's closing cuts short with the stream's
// close event, which carries no error when the victim closed the connection cleanly.
function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  const cause = err instanceof Event ? Reflect.get(err, 'error') : undefined;
  return cause instanceof Error ? cause : new Error(err instanceof Event ? `a ${err.type} event while the stream opened` : String(err));
}

async function attacker(config: ChildConfig, stop: AbortSignal): Promise<void> {
  const node = await host('attacker');
  const addrs = config.addrs.map((a) => multiaddr(a));
  const failures: Record<string, number> = {};
  let opened = 0;
  const t0 = Date.now();
  const tryOne = async (i: number) => {
    try {
      const conn = await node.dial(addrs, { signal: AbortSignal.any([stop, AbortSignal.timeout(5000)]) });
      const s = await conn.newStream(WEIGHTS_PROTOCOL, { maxOutboundStreams: 1_000_000, signal: AbortSignal.any([stop, AbortSignal.timeout(5000)]) });
      opened++;
      if (i % 3 === 0) return; // idle: never sends its request
      const req = i % 3 === 1 ? { round: 99, minRound: 99, waitMs: 60_000 } : { round: 0, minRound: 0, waitMs: 0 };
      await framed(s, 1024).write('request', [encodeJson(req)], deadline(2000, stop));
      if (i % 3 === 2) s.pause(); // the reply, a copy of the model, has nowhere to go
    } catch (err) {
      const e = asError(err);
      const key = `${e.name}: ${e.message.slice(0, 60)}`;
      failures[key] = (failures[key] ?? 0) + 1;
    }
  };
  const until = t0 + config.attackS * 1000;
  let tries = 0;
  for (; !stop.aborted && (tries < config.streams || Date.now() < until); tries += BATCH) {
    await Promise.all(Array.from({ length: BATCH }, (_, j) => tryOne(tries + j)));
  }
  await send({ kind: 'done', tries, opened, seconds: (Date.now() - t0) / 1000, failures });
}

/** A child's life: its role until the parent goes, every failure one message to the parent. */
async function child(role: Role, config: ChildConfig): Promise<never> {
  const stop = new AbortController();
  process.once('disconnect', () => stop.abort());
  try {
    if (role === 'victim') await victim(stop.signal);
    else if (role === 'honest') await honest(config, stop.signal);
    else await attacker(config, stop.signal);
    process.exit(0);
  } catch (err) {
    if (process.connected) await send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
}

// ---- the parent

class Children {
  private readonly all: ChildProcess[] = [];
  private readonly mayExit = new Set<ChildProcess>();
  /** Aborted, with the reason as one line, when any child fails or exits unasked. */
  readonly failure = new AbortController();

  start(role: Role, config: ChildConfig, execArgv: string[] = []): ChildProcess {
    const c = fork(fileURLToPath(import.meta.url), [role, JSON.stringify(config)], { execArgv: [...process.execArgv, ...execArgv] });
    this.all.push(c);
    c.on('message', (r: Report) => {
      if (r.kind === 'failed') this.failure.abort(new Error(`the ${role} process failed: ${r.message}`));
      if (r.kind === 'done') this.mayExit.add(c);
    });
    c.on('exit', (code, signal) => {
      if (!this.mayExit.has(c)) this.failure.abort(new Error(`the ${role} process exited (${signal ?? `status ${code}`}) before the bench was done`));
    });
    return c;
  }

  stopAll(): void {
    for (const c of this.all) {
      this.mayExit.add(c);
      if (c.exitCode === null && c.signalCode === null) c.kill();
    }
  }
}

/** The first report of `kind` from `c`; rejects with the signal's reason when it aborts first. */
function next<K extends Report['kind']>(c: ChildProcess, kind: K, signal: AbortSignal): Promise<Extract<Report, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: Report) => {
      if (r.kind !== kind) return;
      signal.removeEventListener('abort', onAbort);
      c.off('message', onMessage);
      resolve(r as Extract<Report, { kind: K }>);
    };
    const onAbort = () => {
      c.off('message', onMessage);
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    c.on('message', onMessage);
  });
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const n = (v: number) => v.toLocaleString('en-US');

function fetchLine(fs: readonly Fetch[]): string {
  if (fs.length === 0) return 'no fetches';
  const ok = fs.filter((f) => f.status === 'ok').length;
  const worst = fs.filter((f) => f.status !== 'ok').map((f) => f.status)[0];
  return `${ok}/${fs.length} ok, max ${Math.round(Math.max(...fs.map((f) => f.ms)))} ms${worst ? ` (first not ok: ${worst.slice(0, 60)})` : ''}`;
}

function table(o: { before: Sample; after: Sample; peak: readonly Sample[]; attack: Attack; during: readonly Fetch[]; cooling: readonly Fetch[]; cooldownS: number }): string {
  const { before, after, attack } = o;
  const peak = (k: 'rss' | 'heap' | 'buffers' | 'streams' | 'pending' | 'conns') => Math.max(...o.peak.map((s) => s[k]));
  const row = (label: string, k: 'rss' | 'heap' | 'buffers') =>
    `  ${label.padEnd(13)}${mib(before[k]).padStart(8)}${mib(peak(k)).padStart(8)}${mib(after[k]).padStart(8)}${(after[k] / before[k]).toFixed(2).padStart(14)}`;
  const top = Object.entries(attack.failures).sort((a, b) => b[1] - a[1])[0];
  return [
    `attacker: ${n(attack.opened)} streams opened of ${n(attack.tries)} tries in ${attack.seconds.toFixed(1)} s${top ? ` (most failures: ${n(top[1])} x ${top[0]})` : ''}`,
    `victim (MiB)     before    peak   after  after/before`,
    row('RSS', 'rss'),
    row('heap', 'heap'),
    row('buffers', 'buffers'),
    `  streams/pending/connections: ${before.streams}/${before.pending}/${before.conns} before, ${peak('streams')}/${peak('pending')}/${peak('conns')} peak, ${after.streams}/${after.pending}/${after.conns} after`,
    `honest reader: during the attack ${fetchLine(o.during)}; in the ${o.cooldownS} s after ${fetchLine(o.cooling)}`,
  ].join('\n');
}

async function main(o: { 'attack-s': number; 'cooldown-s': number; streams: number }): Promise<void> {
  const children = new Children();
  // Past this, something hangs: the bench names it rather than running on.
  const limitS = o['attack-s'] + o['cooldown-s'] + 120;
  const limit = AbortSignal.timeout(limitS * 1000);
  const signal = AbortSignal.any([children.failure.signal, limit]);
  try {
    const victimProcess = children.start('victim', { addrs: [], attackS: 0, streams: 0 }, ['--expose-gc']);
    const samples: Sample[] = [];
    victimProcess.on('message', (r: Report) => r.kind === 'sample' && samples.push(r));
    const { addrs } = await next(victimProcess, 'ready', signal);
    const config = { addrs, attackS: o['attack-s'], streams: o.streams };
    const fetches: Fetch[] = [];
    children.start('honest', config).on('message', (r: Report) => r.kind === 'fetch' && fetches.push(r));
    await sleep(WARMUP_MS, undefined, { signal });
    const before = samples.at(-1);
    if (before === undefined) throw new Error(`the victim sent no memory sample in ${WARMUP_MS / 1000} s`);
    const tA = Date.now();
    const attack = await next(children.start('attacker', config), 'done', signal);
    // A second past the attacker's end: the victim is still closing what it had open.
    const tB = Date.now() + 1000;
    await sleep(o['cooldown-s'] * 1000, undefined, { signal });
    const after = samples.at(-1)!;
    const peak = samples.filter((s) => s.t >= tA);
    const during = fetches.filter((f) => f.t >= tA && f.t <= tB);
    const cooling = fetches.filter((f) => f.t > tB);
    console.log(`${NAME}: ${o['attack-s']} s attack (at least ${n(o.streams)} tries), victim sampled after a full GC until ${o['cooldown-s']} s after`);
    console.log(table({ before, after, peak: peak.length > 0 ? peak : [after], attack, during, cooling, cooldownS: o['cooldown-s'] }));
  } catch (err) {
    const reason = children.failure.signal.aborted ? children.failure.signal.reason : limit.aborted ? new Error(`not done in ${limitS} s`) : err;
    console.error(`${NAME}: ${reason instanceof Error ? reason.message : String(reason)}`);
    process.exitCode = 1;
  } finally {
    children.stopAll();
  }
}

const role = process.send !== undefined ? ROLES.find((r) => r === process.argv[2]) : undefined;
if (role !== undefined) {
  await child(role, JSON.parse(process.argv[3]) as ChildConfig);
} else {
  const { values } = parseCommand({
    name: NAME,
    about: "A victim process serving a 1 MiB weights round, flooded with streams by an allowed peer: the attacker's streams opened, the victim's memory before, at its peak and after a cooldown, and an honest reader's fetches.",
    options: {
      'attack-s': one('S', 'seconds the attacker keeps opening streams', whole(1), '20'),
      'cooldown-s': one('S', "seconds after the attacker's exit until the victim's memory is read again", whole(1), '60'),
      streams: one('N', 'streams the attacker tries to open at least (it goes on until --attack-s too)', whole(1), '10000'),
    },
  });
  await main(values);
}
