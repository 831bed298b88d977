import { defineConfig } from 'vitest/config';

const NATIVE = ['native', 'node', 'tfjs-node', 'tensorflow'].includes((process.env.MHD_BACKEND ?? '').trim().toLowerCase());

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The native backend trains the suite's tiny MLPs 2-3x slower than wasm (per-op overhead; see the
    // README's backend table), so its heaviest learner tests get more time under MHD_BACKEND=native.
    testTimeout: NATIVE ? 180_000 : 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: each file is a separate process; tfjs work inside is single-threaded anyway.
    pool: 'forks',
    maxWorkers: 2,
    // `npm run test:coverage` (and the wasm pass of `npm test`, see scripts/test/backends.ts): what v8
    // sees in the test processes. Code that only runs in spawned children (the CLI, cluster workers)
    // counts as uncovered. The per-folder floors fail the run when coverage falls below them.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      // The summary is written even when a test fails, so a red run still says where coverage stands.
      reportOnFailure: true,
      thresholds: {
        'src/network/**': { branches: 92 },
        'src/node/**': { branches: 88 },
        'src/data/**': { branches: 85 },
        'src/model/**': { branches: 85 },
        'src/topology/**': { branches: 85 },
      },
    },
  },
});
