import { describe, expect, it } from 'vitest';
import { parsePeers } from '../../src/node/run-node.ts';
import { publicChunk, chunkHash } from '../../src/learning/chunks.ts';
import { RoundStore } from '../../src/network/round-store.ts';
import { tinyConfig, tinyOptions } from '../helpers/config.ts';
import { buildRunConfig } from '../../src/cluster/run-options.ts';

describe('run configuration', () => {
  it('resolves every agent\'s profile with the overrides; baselines keep the model and lose the distillation', () => {
    const c = tinyConfig({ auxHeads: 2, nu0: 0 });
    expect(Object.keys(c.profiles)).toHaveLength(8);
    expect(c.profiles.a3.profile).toMatchObject({ auxHeads: 2, nu0: 0, backbone: 'mlp-small' });
    // The fair baseline is the MHD run's own model (heads and label losses) without targets...
    const iso = tinyConfig({ mode: 'isolated', nodes: 'default', auxHeads: undefined });
    expect(iso.profiles.a0.profile).toMatchObject({ auxHeads: 3, auxLabels: true, nu0: 0, nuAux: 0, nuEmb: 0, priorCorrection: 0 });
    expect(iso.baselineModel).toBe('same');
    // ... and the older one, one head and the main head's labels only, is still there by name.
    const single = tinyConfig({ mode: 'isolated', nodes: 'default', auxHeads: undefined, baselineModel: 'single-head' });
    expect(single.profiles.a0.profile).toMatchObject({ auxHeads: 0, auxLabels: false, nu0: 0, nuAux: 0 });
    const central = tinyConfig({ mode: 'central' });
    expect(central.profiles.central.profile.auxHeads).toBe(3);
    // MHD runs keep their profile whatever the baseline model says.
    expect(tinyConfig({ nodes: 'default', auxHeads: undefined, baselineModel: 'single-head' }).profiles.a1.profile).toMatchObject({ auxHeads: 3, nuAux: 1 });
    expect(tinyConfig({ lrSchedule: 'cosine', lr: 0.004 }).profiles.a5.profile).toMatchObject({ lrSchedule: 'cosine', learningRate: 0.004 });
  });

  it('names bad input', () => {
    expect(() => buildRunConfig(tinyOptions({ mode: 'telepathy' }))).toThrow(/unknown mode "telepathy"/);
    expect(() => buildRunConfig(tinyOptions({ evalSplit: 'val', val: 0 }))).toThrow(/--eval-split val needs a validation set: --val must be above 0/);
    expect(() => buildRunConfig(tinyOptions({ chunk: 1000, public: 400 }))).toThrow(/--chunk 1000 is larger than the public set/);
    expect(() => buildRunConfig(tinyOptions({ topology: 'topologies/complete-8-mixed.yaml', mode: 'gossip' }))).toThrow(/gossip needs equal backbones/);
    expect(() => buildRunConfig(tinyOptions({ nodes: 'imaginary' }))).toThrow(/profile "imaginary" not found/);
    expect(() => buildRunConfig(tinyOptions({ topology: 'nope.yaml' }))).toThrow(/nope.yaml: file not found/);
    expect(() => buildRunConfig(tinyOptions({ dataset: 'cifar' }))).toThrow(/unknown dataset "cifar"/);
    expect(() => buildRunConfig(tinyOptions({ partition: 'skew:2:2' }))).toThrow(/fraction 2 is outside/);
    expect(() => buildRunConfig(tinyOptions({ priorCorrection: 9 }))).toThrow(/^profile "small" with the command-line overrides: field "priorCorrection": Too big/);
  });

  it('parses --peer values and names malformed ones', () => {
    const peers = parsePeers(['a1=/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWabc', 'a1=/ip6/::1/tcp/4001/p2p/12D3KooWabc']);
    expect(peers.a1).toEqual({ agent: 'a1', peerId: '12D3KooWabc', addrs: ['/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWabc', '/ip6/::1/tcp/4001/p2p/12D3KooWabc'] });
    expect(() => parsePeers(['/ip4/1.2.3.4/tcp/1/p2p/x'])).toThrow(/expected AGENT=MULTIADDR/);
    expect(() => parsePeers(['a1=/ip4/1.2.3.4/tcp/1'])).toThrow(/must end in \/p2p\/<peer id>/);
    expect(() => parsePeers(['a1=/ip4/1.2.3.4/tcp/1/p2p/x', 'a1=/ip4/1.2.3.4/tcp/1/p2p/y'])).toThrow(/two peer ids/);
  });
});

describe('public chunks and the round store', () => {
  it('a chunk is a deterministic function of (seed, round), distinct across rounds', () => {
    expect(publicChunk(1, 3, 50, 1000)).toEqual(publicChunk(1, 3, 50, 1000));
    expect(publicChunk(1, 3, 50, 1000)).not.toEqual(publicChunk(1, 4, 50, 1000));
    expect(chunkHash(publicChunk(1, 3, 50, 1000))).not.toBe(chunkHash(publicChunk(2, 3, 50, 1000)));
    expect(new Set(publicChunk(1, 0, 1000, 1000)).size).toBe(1000);
    expect(() => publicChunk(1, 0, 1001, 1000)).toThrow(/larger than the public set/);
  });

  it('keeps only its latest rounds and wakes readers waiting for a round', async () => {
    const store = new RoundStore<string>(2);
    store.put(0, 'r0');
    store.put(1, 'r1');
    store.put(2, 'r2');
    expect(store.get(0)).toBeUndefined();
    expect([store.oldestRound(), store.latestRound()]).toEqual([1, 2]);
    expect(store.newestIn(0, 1)).toBe(1);
    const waited = store.waitFor(3, 5000);
    setTimeout(() => store.put(3, 'r3'), 20);
    const t0 = Date.now();
    await waited;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(store.get(3)).toBe('r3');
  });
});

describe('--processes', () => {
  it('takes a positive count or "agents", and names the option otherwise', async () => {
    const { processCount } = await import('../../src/cluster/run-options.ts');
    expect(processCount('3')).toBe(3);
    expect(processCount('agents')).toBe('agents');
    for (const bad of ['0', '-1', '1.5', 'all', '']) expect(() => processCount(bad)).toThrow(/--processes must be a positive integer or "agents"/);
  });
});
