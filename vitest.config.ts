import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The verdict reporter lets `npm test` fail a run in which a test worker died (see its header).
    reporters: ['default', './test/support/verdict.ts'],
    // One real PostgreSQL server for the run; tests that need it make their own database in it.
    globalSetup: ['test/support/postgres.global.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration tests start real local servers; two cores cannot run many at once.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'all', include: ['test/**/*.test.ts'] } },
      {
        // The whole request, approval, PR and tracking story again, on PostgreSQL instead of SQLite.
        extends: true,
        test: {
          name: 'workflows on postgres',
          include: ['test/workflows/**/*.test.ts'],
          env: { HARNESS_DATABASE: 'postgres' },
        },
      },
    ],
  },
});
