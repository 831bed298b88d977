// The run's stop reaches every wait: an agent whose fetch hangs on a slow neighbour stops at once when
// its signal aborts, instead of after the fetch timeout, and leaves its records readable.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { Libp2p } from 'libp2p';
import { createHost } from '../../src/network/host.ts';
import { PREDICTIONS_PROTOCOL } from '../../src/network/protocols.ts';
import { Agent } from '../../src/node/agent.ts';
import { writeRunConfig } from '../../src/node/config.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

// a1 learns from a0; a0 is a peer that takes the request and never answers.
const arrow = topologyFile('name: arrow\nagents: [a0, a1]\ndirected: true\nedges: [[a0, a1]]\n');
const nodes: Libp2p[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
});

describe('stopping a run', () => {
  it('cancels a fetch that waits on a slow peer at once, not after the fetch timeout', async () => {
    const dir = tempDir();
    // 60 s to wait for the neighbour's round, 65 s for the whole fetch
    const config = tinyConfig({ topology: arrow, rounds: 3, fetchTimeout: 60 });
    writeRunConfig(dir, config);
    const a1 = await Agent.create({ agent: 'a1', config, runDir: dir, transport: 'tcp', listen: ['/ip4/127.0.0.1/tcp/0'] });
    const key = await generateKeyPair('Ed25519');
    const slow = await createHost({ privateKey: key, listen: ['/ip4/127.0.0.1/tcp/0'], transport: 'tcp', allowedPeers: () => new Set([a1.peerId]) });
    nodes.push(slow);
    let asked!: () => void;
    const requested = new Promise<void>((resolve) => (asked = resolve));
    let streamEnded = false;
    await slow.handle(PREDICTIONS_PROTOCOL, (stream) => {
      asked();
      stream.addEventListener('close', () => (streamEnded = true));
    });
    a1.setPeers({ a0: { agent: 'a0', peerId: peerIdFromPrivateKey(key).toString(), addrs: slow.getMultiaddrs().map(String) } });

    const stop = new AbortController();
    const run = a1.run(stop.signal);
    await requested;
    const t0 = performance.now();
    stop.abort();
    const outcome = await run;
    const stoppedIn = performance.now() - t0;
    await a1.stop();

    expect(outcome).toBe('stopped');
    expect(stoppedIn).toBeLessThan(1500);
    // the slow peer's stream was aborted by the stop, not left open for it to answer into
    await expect.poll(() => streamEnded, { timeout: 3000 }).toBe(true);
    // the interrupted round is not recorded as done; the run's end is, so the directory stays readable
    const records = readFileSync(join(dir, 'agents', 'a1', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string; roundsCompleted?: number });
    expect(records.map((r) => r.type)).toEqual(['start', 'end']);
    expect(records[1]).toMatchObject({ status: 'stopped', roundsCompleted: 0 });
  }, 60_000);
});
