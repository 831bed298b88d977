// The Node that runs the CLI in tests: the project's pinned Node 24 (npm scripts put it first on PATH;
// a bare `vitest` may run on an older system Node that cannot strip types).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const pinned = resolve('node_modules/.bin/node');
export const NODE = existsSync(pinned) ? pinned : process.execPath;
