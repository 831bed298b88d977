import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: each file is a separate process; tfjs work inside is single-threaded anyway.
    pool: 'forks',
    maxWorkers: 2,
  },
});
