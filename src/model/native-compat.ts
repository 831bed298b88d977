// Prepares the process for @tensorflow/tfjs-node, exactly as npm installs it (its files stay untouched).
// Call it right before the first import of tfjs-node.
import util from 'node:util';

type LegacyUtil = { isNullOrUndefined?: (v: unknown) => boolean; isArray?: (v: unknown) => v is unknown[] };

export function prepareNativeBackend(): void {
  // tfjs-node 4.22's dist calls util.isNullOrUndefined and util.isArray (nodejs_kernel_backend.js, on
  // every op that takes a list of tensors; kernels/TopK.js). Node 23 removed isNullOrUndefined, so on
  // the Node 24 this project pins every such op died with "isNullOrUndefined is not a function"; Node
  // 24.21 still has isArray, but behind a runtime deprecation warning (DEP0044) printed on the first op.
  // tfjs-node reads both off require('util'), the same object as this default import, so the old
  // behaviour is restored here: a null/undefined test, and Array.isArray itself (identical results).
  const legacy = util as unknown as LegacyUtil;
  legacy.isNullOrUndefined ??= (v: unknown) => v === null || v === undefined;
  legacy.isArray = Array.isArray;
  // libtensorflow logs at INFO/WARNING to stderr (absl's preamble, cpu_feature_guard, oneDNN's notice)
  // and would spill into every command's output. Level 2 keeps errors; a user's own setting wins.
  // oneDNN itself stays on (TF_ENABLE_ONEDNN_OPTS is left alone): it is where the speed comes from.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  // tfjs runs ops eagerly, one at a time, so TensorFlow's inter-op pool has nothing to overlap; its
  // threads only compete with the intra-op pool that does the work. One thread: 5-10 % more CNN training
  // samples/s, measured side by side on 2 cores (README, Backends). A user's own setting wins.
  process.env.TF_NUM_INTEROP_THREADS ??= '1';
}
