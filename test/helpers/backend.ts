// The backend the suite runs on: MHD_BACKEND (`npm test` runs the suite once per backend that loads,
// see scripts/test/backends.ts), else wasm, which loads everywhere.
import { parseBackendName, type BackendName } from '../../src/model/backend.ts';

/** As the user spells it (node | wasm | cpu), for --backend and selectBackend. */
export const TEST_BACKEND: string = process.env.MHD_BACKEND || 'wasm';
/** As commands report it (native | wasm | cpu). */
export const TEST_BACKEND_NAME: BackendName = parseBackendName(TEST_BACKEND);
