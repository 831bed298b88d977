// The backend a run gets when none is forced: by the measured step times of its backbones.
import { describe, expect, it } from 'vitest';
import { backendPreference, chooseBackend, MEASURED_STEP_MS } from '../../src/model/backend-choice.ts';

describe('backend choice by measurement', () => {
  it('orders native and wasm by the summed step time of the run\'s backbones, cpu last', () => {
    const faster = (b: 'mlp' | 'mlp-small' | 'cnn') => (MEASURED_STEP_MS[b].native! < MEASURED_STEP_MS[b].wasm! ? 'native' : 'wasm');
    for (const b of ['mlp', 'mlp-small', 'cnn'] as const) expect(backendPreference([b]).order[0]).toBe(faster(b));
    const mixed = backendPreference(['mlp-small', 'cnn', 'mlp-small']);
    const sum = (n: 'native' | 'wasm') => MEASURED_STEP_MS['mlp-small'][n]! + MEASURED_STEP_MS.cnn[n]!;
    expect(mixed.order).toEqual([...(sum('native') < sum('wasm') ? ['native', 'wasm'] : ['wasm', 'native']), 'cpu']);
    expect(mixed.reason).toMatch(/mlp-small .* vs .*, cnn .* vs /);
  });

  it('a forced backend wins and says so; otherwise the line names the figures', async () => {
    expect((await chooseBackend(['cnn'], 'wasm')).reason).toBe('forced by --backend');
    const saved = process.env.MHD_BACKEND;
    delete process.env.MHD_BACKEND;
    try {
      const auto = await chooseBackend(['mlp-small']);
      expect(['native', 'wasm']).toContain(auto.info.name);
      expect(auto.reason).toMatch(/^fastest .*native vs wasm ms per step: mlp-small /);
    } finally {
      if (saved !== undefined) process.env.MHD_BACKEND = saved;
    }
  });
});
