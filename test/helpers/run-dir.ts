// Synthetic run directories for the report tests: a finished run of `n` agents on a ring, without
// training anything.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, tinyConfig, topologyFile } from './config.ts';

export interface FakeRun {
  agents: number;
  rounds?: number;
  heads?: number;
  /** Shared accuracy of agent i, head h, after round r (0-based). */
  shared?: (i: number, h: number, r: number) => number;
  /** Bytes agent i receives from each neighbour per round. */
  bytes?: number;
}

export function fakeRun({ agents: n, rounds = 3, heads = 1, shared = (i, _h, r) => (i + r) / (n + 3), bytes = 0 }: FakeRun): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.json'), JSON.stringify(tinyConfig({ topology: topologyFile(`agents: ${n}\ngraph: ring\n`), auxHeads: heads - 1 })));
  for (let i = 0; i < n; i++) {
    const agent = `a${i}`;
    const from = n > 1 ? { [`a${(i + 1) % n}`]: bytes, [`a${(i + n - 1) % n}`]: bytes } : {};
    const lines = Array.from({ length: rounds }, (_, r) => ({
      type: 'round', agent, round: r, mode: 'mhd', backend: 'wasm', seconds: 1, trainSeconds: 1, exchangeSeconds: 0, fetchSeconds: 0, waitSeconds: 0, evalSeconds: 0,
      loss: { total: 1, ce: 1, distill: [0], embedding: 0 }, teachersUsed: [], skipped: [], rejected: [], samplesUsed: [], bytesSent: from, bytesReceived: from,
      eval: { sharedAccuracy: Array.from({ length: heads }, (_, h) => shared(i, h, r)), privateAccuracy: Array.from({ length: heads }, () => 0.9) },
      memory: { tensors: 1, rssMB: 1 },
    }));
    mkdirSync(join(dir, 'agents', agent), { recursive: true });
    writeFileSync(join(dir, 'agents', agent, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }
  return dir;
}
