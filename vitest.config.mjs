import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests fork real processes; a fork-based pool keeps each test file in its own process.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 30_000,
    globalSetup: ['test/helpers/global-setup.ts'],
    // Timing-sensitive assertions are banned; a retry would only hide real bugs.
    retry: 0,
  },
});
