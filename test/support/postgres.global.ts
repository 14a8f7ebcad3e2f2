/**
 * Vitest global setup: one real PostgreSQL 18 server for the whole run. Tests that need it create their
 * own database in it (`freshPostgresUrl`), so files running in parallel never share state.
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../world/embeddedPostgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's PostgreSQL server (its `postgres` database). */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startEmbeddedPostgres();
  project.provide('postgresUrl', server.adminUrl);
  return () => server.stop();
}
