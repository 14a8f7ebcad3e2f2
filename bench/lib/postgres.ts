/** One embedded PostgreSQL server for a benchmark (as the tests use it); `fresh()` makes a database. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../world/embeddedPostgres.js';
import { removeOnExit } from './processes.js';

export interface Postgres {
  readonly adminUrl: string;
  fresh(): Promise<string>;
  query<T>(url: string, sql: string): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<Postgres> {
  const server = await startEmbeddedPostgres('rollback-bench-pg');
  removeOnExit(server.dataDir);
  const { adminUrl } = server;
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
    stop: () => server.stop(),
  };
}
