// Agents of one process trained as one stacked model learn what they learn alone: a run of 8 agents,
// with one of them stopped mid-run and resumed from its checkpoint, gives every agent the same losses
// and accuracies (to float tolerance) with --batch-agents on and off. The stopped agent teaches nobody,
// so the others' rounds do not depend on when it leaves; the others train on in the stack with its
// released slot in it. (test/learning/stacked-step.test.ts shows that a slot sitting out steps keeps
// its weights and moments exactly.)
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../src/cluster/simulate.ts';
import { StepBatcher } from '../../src/learning/step-batcher.ts';
import { readCheckpoint } from '../../src/model/checkpoint.ts';
import { Agent } from '../../src/node/agent.ts';
import { readRun } from '../../src/report/run-dir.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

// A ring a0 -> a1 -> ... -> a6 -> a0 in both directions, and a7 learning from a0 and a3 only.
const ring = Array.from({ length: 7 }, (_, i) => `[a${i}, a${(i + 1) % 7}], [a${(i + 1) % 7}, a${i}]`).join(', ');
const topology = topologyFile(`name: ring-7-and-a-reader\nagents: 8\ndirected: true\nedges: [${ring}, [a0, a7], [a3, a7]]\n`);

interface Outcome {
  loss: Record<string, number[]>;
  shared: Record<string, number[]>;
  checkpoint: Float32Array;
  slots: number[];
}

async function run(batchAgents: boolean): Promise<Outcome> {
  const dir = tempDir();
  const config = tinyConfig({ topology, rounds: 4, steps: 4, checkpointEvery: 1, fetchTimeout: 1, defence: false, batchAgents, evalSamples: 200 });
  await simulate(config, dir, { stopAfter: { a7: 1 } });
  const checkpoint = readCheckpoint(join(dir, 'agents', 'a7', 'checkpoint.bin')).weights.flatMap((w) => [...w.values]);
  // a7 comes back alone (its teachers have finished): it trains its last two rounds on its own data.
  const batcher = new StepBatcher();
  const a7 = await Agent.create({ agent: 'a7', config, runDir: dir, transport: 'tcp', listen: ['/ip4/127.0.0.1/tcp/0'], resume: true, batcher });
  const slots = batcher.groupSizes();
  expect(await a7.run()).toBe('finished');
  await a7.stop();
  const agents = readRun(dir).agents;
  const by = (f: (r: (typeof agents)[number]['rounds'][number]) => number[]) => Object.fromEntries(agents.map((a) => [a.id, a.rounds.flatMap(f)]));
  return { loss: by((r) => [r.loss.total]), shared: by((r) => r.eval?.sharedAccuracy ?? []), checkpoint: Float32Array.from(checkpoint), slots };
}

describe('batched agents', () => {
  it('an agent that cannot start gives its slot back, so that its process-mates never wait for it', async () => {
    const dir = tempDir();
    const config = tinyConfig({ topology, batchAgents: true });
    const bad = join(dir, 'not-a-key');
    writeFileSync(bad, 'garbage');
    const batcher = new StepBatcher();
    await expect(Agent.create({ agent: 'a0', config, runDir: dir, transport: 'tcp', listen: ['/ip4/127.0.0.1/tcp/0'], keyFile: bad, batcher })).rejects.toThrow();
    expect(batcher.groupSizes()).toEqual([]);
  });

  it('learn as they do alone, with one agent stopped mid-run and resumed', async () => {
    const on = await run(true);
    const off = await run(false);
    expect(on.slots).toEqual([1]);
    expect(off.slots).toEqual([]);
    expect(Object.keys(on.loss).sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
    for (const id of Object.keys(off.loss)) {
      // a7: rounds 0-1, then 2-3 after the resume
      expect(on.loss[id]).toHaveLength(4);
      on.loss[id].forEach((l, r) => expect(Math.abs(l - off.loss[id][r])).toBeLessThan(1e-3 * Math.max(1, Math.abs(off.loss[id][r]))));
      expect(on.shared[id].length).toBe(off.shared[id].length);
      // 200 evaluation samples: a float-level difference may flip a sample or two, not more
      on.shared[id].forEach((a, k) => expect(Math.abs(a - off.shared[id][k])).toBeLessThanOrEqual(0.011));
    }
    let d = 0;
    on.checkpoint.forEach((v, i) => (d = Math.max(d, Math.abs(v - off.checkpoint[i]))));
    expect(d).toBeLessThan(1e-3);
  });
});
