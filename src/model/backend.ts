// Picks the fastest TensorFlow.js backend that loads here: tfjs-node (native libtensorflow),
// else wasm with SIMD, else the pure-JS cpu backend. Every training command reports the choice.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle registers all of them (into the
// global registry that core reads), so it is imported here for that side effect too.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { prepareNativeBackend } from './native-compat.ts';
import { withTensorflowChatterDropped } from './native-load.ts';
import { registerWasmKernels } from './wasm-kernels.ts';

/** As the user spells them and as every output names them; `native` is tfjs-node (libtensorflow). */
export const BACKENDS = ['native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** TensorFlow.js's own id of each backend (`tf.getBackend()`). */
export const TFJS_BACKEND_ID: Record<BackendName, string> = { native: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

export interface BackendInfo {
  name: BackendName;
  /** Extra facts worth printing next to the name (SIMD for wasm). */
  detail: string;
}

/** Accepts the user's spelling: `native`, `node`, `tfjs-node` and `tensorflow` all mean tfjs-node. */
export function parseBackendName(raw: string): BackendName {
  const v = raw.trim().toLowerCase();
  if (v === 'native' || v === 'node' || v === 'tfjs-node' || v === 'tensorflow') return 'native';
  if (v === 'wasm' || v === 'cpu') return v;
  throw new Error(`unknown backend "${raw}": expected one of native (or node: tfjs-node), wasm, cpu`);
}

async function tryNative(): Promise<string | undefined> {
  try {
    // A computed specifier keeps type-checking independent of the optional package.
    const spec = '@tensorflow/tfjs-node';
    prepareNativeBackend();
    await withTensorflowChatterDropped(() => import(spec));
    return undefined;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}

async function activate(name: BackendName): Promise<string | undefined> {
  if (name === 'native') {
    const why = await tryNative();
    if (why !== undefined) return `@tensorflow/tfjs-node is not installed or failed to load (${why})`;
  }
  try {
    const ok = await tf.setBackend(TFJS_BACKEND_ID[name]);
    await tf.ready();
    if (!ok || tf.getBackend() !== TFJS_BACKEND_ID[name]) return `backend "${name}" failed to initialise`;
  } catch (err) {
    return (err as Error).message;
  }
  if (name === 'wasm') registerWasmKernels();
  return undefined;
}

async function describe(name: BackendName): Promise<BackendInfo> {
  let detail = name === 'native' ? 'tfjs-node' : '';
  if (name === 'wasm') detail = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
  return { name, detail };
}

let current: BackendInfo | undefined;

/**
 * Selects the backend. `forced` (or the MHD_BACKEND environment variable) picks one and fails with a
 * clear error if it cannot load; otherwise the first of native, wasm, cpu that loads wins.
 */
export async function selectBackend(forced?: string): Promise<BackendInfo> {
  // Production mode: skips tfjs's debug-time checks and its "install tfjs-node" banner, which the
  // backend line of every command already answers.
  tf.env().set('PROD', true);
  const wanted = forced ?? process.env.MHD_BACKEND;
  if (wanted !== undefined && wanted !== '' && wanted !== 'auto') {
    const name = parseBackendName(wanted);
    if (current?.name === name) return current;
    const why = await activate(name);
    if (why !== undefined) throw new Error(`cannot use the forced backend "${wanted}": ${why}`);
    current = await describe(name);
    return current;
  }
  if (current !== undefined) return current;
  const failures: string[] = [];
  for (const name of BACKENDS) {
    const why = await activate(name);
    if (why === undefined) {
      current = await describe(name);
      return current;
    }
    failures.push(`${name}: ${why}`);
  }
  throw new Error(`no TensorFlow.js backend could load:\n  ${failures.join('\n  ')}`);
}

export function formatBackend(info: BackendInfo): string {
  return info.detail ? `${info.name} (${info.detail})` : info.name;
}

export { tf };
