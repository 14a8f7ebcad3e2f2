/** Databases for tests: a fresh SQLite file, or a fresh database in the run's PostgreSQL server. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

export type TestDialect = 'sqlite' | 'postgres';
export const DIALECTS: readonly TestDialect[] = ['sqlite', 'postgres'];

export function freshSqliteUrl(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'rollback-bot-')), 'test.db')}`;
}

/** Creates an empty database in the run's PostgreSQL server and returns its URL. */
export async function freshPostgresUrl(): Promise<string> {
  const admin = inject('postgresUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return admin.replace(/\/postgres$/, `/${name}`);
}

export const freshDatabaseUrl = (dialect: TestDialect): Promise<string> =>
  dialect === 'postgres' ? freshPostgresUrl() : Promise.resolve(freshSqliteUrl());
