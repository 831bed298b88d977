// The shipped default profile end to end, at tiny sizes: each of its three departures from the plain
// chain (prior-corrected teachers, labelled auxiliary heads, the cosine rate) is in effect, seen from
// outside through the round records, and each is gone when its override turns it off.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/cluster/simulate.ts';
import { loadProfile } from '../../src/learning/profile.ts';
import { readRun } from '../../src/report/run-dir.ts';
import type { RoundRecord } from '../../src/node/records.ts';
import { tempDir, tinyConfig, topologyFile } from '../helpers/config.ts';

const ring = topologyFile('name: ring-4\nagents: 4\ngraph: ring\n');
const base = { topology: ring, nodes: 'default', rounds: 3, steps: 4, private: 100, public: 400, chunk: 100, auxHeads: undefined, evalSamples: 200 };

async function rounds(over: Record<string, unknown>): Promise<RoundRecord[][]> {
  const dir = tempDir();
  await simulate(tinyConfig({ ...base, ...over }), dir);
  return readRun(dir).agents.map((a) => a.rounds);
}

describe('the default profile, end to end', () => {
  it('prior correction, labelled auxiliary heads and the cosine rate are each in effect', async () => {
    const profile = loadProfile('default');
    expect(profile).toMatchObject({ priorCorrection: 2, auxLabels: true, lrSchedule: 'cosine' });
    const shipped = await rounds({});
    const noCorrection = await rounds({ priorCorrection: 0 });
    const noAuxLabels = await rounds({ auxLabels: false });
    const constant = await rounds({ lrSchedule: 'constant' });

    // Round 0 trains on labels alone, identically; from round 1 the targets differ with the correction.
    expect(shipped[0][0].loss.total).toBeCloseTo(noCorrection[0][0].loss.total, 6);
    const distill = (r: RoundRecord[][]) => r.map((a) => a[1].loss.distill.slice(1));
    expect(distill(shipped)).not.toEqual(distill(noCorrection));

    // Every head takes the labels: about four cross-entropies where the main head alone has one.
    for (let a = 0; a < 4; a++) expect(shipped[a][0].loss.ce).toBeGreaterThan(2.5 * noAuxLabels[a][0].loss.ce);

    // Round r of R trains at learningRate (1 + cos(pi r / R)) / 2; constant keeps learningRate.
    for (const [r, rec] of shipped[0].entries()) expect(rec.learningRate).toBeCloseTo((profile.learningRate * (1 + Math.cos((Math.PI * r) / 3))) / 2, 9);
    for (const rec of constant[0]) expect(rec.learningRate).toBe(profile.learningRate);
  }, 240_000);
});
