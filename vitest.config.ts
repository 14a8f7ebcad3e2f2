import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real PostgreSQL server for the run; tests that need it make their own database in it.
    globalSetup: ['test/support/postgres.global.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration tests start real local servers; two cores cannot run many at once.
    maxWorkers: 2,
  },
});
