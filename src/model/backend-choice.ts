// Which backend a run uses when none is forced: the one whose training step is fastest for the run's
// backbones, by the figures of `npm run bench:step` on this project's machines (README, "Backends"),
// among the backends that load here. A backend that does not load is skipped, as before.
import type { BackboneName, BackboneSpec } from './backbones.ts';
import { backboneFile, isFileBackbone, readLayersFile } from './layers-file.ts';
import { formatBackend, parseBackendName, selectBackend, type BackendInfo, type BackendName } from './backend.ts';

/**
 * ms per training step (4 heads, 32 + 64 samples, one thread), `npm run bench:step`, 1 Dec 2026, idle
 * 2-core Xeon with AVX-512. cpu is the reference, far slower than either, and comes last.
 */
export const MEASURED_STEP_MS: Record<BackboneName, Partial<Record<BackendName, number>>> = {
  mlp: { native: 5.7, wasm: 6.7 },
  'mlp-small': { native: 2.5, wasm: 2.2 },
  cnn: { native: 20.9, wasm: 147 },
};
export const MEASURED_ON = 'bench:step, 1 Dec 2026, 2-core Xeon with AVX-512';

/** The shipped backbone a model file is timed as: cnn if it has convolutions, else mlp. */
export function measuredAs(backbone: BackboneSpec): BackboneName {
  if (!isFileBackbone(backbone)) return backbone;
  return readLayersFile(backboneFile(backbone)).plans.some((p) => p.kind === 'conv') ? 'cnn' : 'mlp';
}

/** Backends in the order to try for these backbones: fastest summed step time first, cpu last. Pure but for reading model files. */
export function backendPreference(backbones: readonly BackboneSpec[]): { order: BackendName[]; reason: string } {
  const unique = [...new Set(backbones.map(measuredAs))];
  const cost = (b: BackendName) => unique.reduce((sum, bb) => sum + (MEASURED_STEP_MS[bb][b] ?? Number.POSITIVE_INFINITY), 0);
  const order = (['native', 'wasm'] as BackendName[]).sort((a, b) => cost(a) - cost(b));
  const figures = unique.map((bb) => `${bb} ${MEASURED_STEP_MS[bb].native} vs ${MEASURED_STEP_MS[bb].wasm}`).join(', ');
  return { order: [...order, 'cpu'], reason: `native vs wasm ms per step: ${figures}; README "Backends"` };
}

export interface BackendChoice {
  info: BackendInfo;
  /** One line: why this backend. */
  reason: string;
}

/** The backend for a run of these backbones: `forced` (or MHD_BACKEND) if given, else by measurement. */
export async function chooseBackend(backbones: readonly BackboneSpec[], forced?: string): Promise<BackendChoice> {
  const wanted = forced ?? process.env.MHD_BACKEND;
  if (wanted !== undefined && wanted !== '' && wanted !== 'auto') {
    const info = await selectBackend(parseBackendName(wanted));
    return { info, reason: forced !== undefined ? 'forced by --backend' : 'forced by MHD_BACKEND' };
  }
  const { order, reason } = backendPreference(backbones);
  const skipped: string[] = [];
  for (const name of order) {
    try {
      const info = await selectBackend(name);
      const first = skipped.length === 0 ? 'fastest here' : `fastest that loads (${skipped.join('; ')})`;
      return { info, reason: `${first}: ${reason}` };
    } catch (err) {
      skipped.push(`${name}: ${(err as Error).message.split('\n')[0].replace(/^cannot use the forced backend "\w+": /, '')}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could load: ${skipped.join('; ')}`);
}

export function describeChoice(choice: BackendChoice): string {
  return `${formatBackend(choice.info)}: ${choice.reason}`;
}
