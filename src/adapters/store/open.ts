/**
 * Opens the store named by DATABASE_URL: SQLite (the embedded default, one replica) or PostgreSQL (shared
 * by several replicas). Every way this can fail becomes one sentence naming the URL (password hidden) and
 * what to do, because it is the first thing an operator sees when the bot will not start.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Store } from '../../ports/store.js';
import { safeDatabaseUrl, withoutDatabaseSecrets } from '../../support/secrets.js';
import { type Dialect, migrationProvider } from './migrations.js';
import type { Database } from './schema.js';
import { schemaProblem } from './schemaCheck.js';
import { createStore } from './store.js';

export class StoreOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

export interface StoreOptions {
  /** Upper bound of one statement on PostgreSQL; a stuck query must not hold a Slack answer forever. */
  readonly statementTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly poolSize?: number;
  /**
   * false: never change the database (the CLI). Nothing is created or migrated, and a schema that is
   * not exactly this version's is refused with what to do. Default true: migrate to the latest.
   */
  readonly migrate?: boolean;
  /** The clock written into rows (updated_at, audit times); tests inject the world's. Leases use the database's. */
  readonly now?: () => Date;
}

/** The URL as it may be shown: without its password, wherever it is written (see secrets.ts). */
export { safeDatabaseUrl };

export function dialectOf(url: string): Dialect | undefined {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  return undefined;
}

export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<Store> {
  const dialect = dialectOf(databaseUrl);
  if (!dialect)
    throw new StoreOpenError('DATABASE_URL must be sqlite:<path> or postgres://user:pass@host/db');
  const migrate = options.migrate ?? true;
  const db = dialect === 'sqlite' ? openSqlite(databaseUrl, migrate) : openPostgres(databaseUrl, options);
  let problem: string | undefined;
  try {
    if (migrate) {
      const { error } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateToLatest();
      if (error) throw error;
    } else problem = await schemaProblem(db, dialect);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    // A driver's own message may quote the URL, or the tail of a password it split at an "@".
    const why = withoutDatabaseSecrets(explainDatabaseError(err), databaseUrl);
    throw new StoreOpenError(`DATABASE_URL ${safeDatabaseUrl(databaseUrl)}: ${why}`);
  }
  if (problem) {
    await db.destroy().catch(() => undefined);
    throw new StoreOpenError(`DATABASE_URL ${safeDatabaseUrl(databaseUrl)}: ${problem}`);
  }
  return createStore(db, dialect, options.now);
}

/** `write` false: the file must exist already, and nothing about it is changed. */
function openSqlite(url: string, write: boolean): Kysely<Database> {
  const path = url.slice('sqlite:'.length);
  if (path === '')
    throw new StoreOpenError('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/bot.db');
  let sqlite: SQLite.Database;
  if (path === ':memory:') sqlite = new SQLite(path);
  else if (!write) {
    try {
      sqlite = new SQLite(path, { fileMustExist: true });
    } catch (err) {
      throw new StoreOpenError(
        `DATABASE_URL ${url}: cannot open ${resolve(path)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set DATABASE_URL to the bot's database`,
      );
    }
  } else {
    const dir = dirname(resolve(path));
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      sqlite = new SQLite(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new StoreOpenError(
        `DATABASE_URL ${url}: cannot open ${resolve(path)} (${code ?? (err as Error).message}); point it at a writable file, e.g. sqlite:./data/rollback-bot.db`,
      );
    }
    // WAL lets readers (status, history) proceed while a write is in flight.
    sqlite.pragma('journal_mode = WAL');
  }
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

function openPostgres(url: string, options: StoreOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (a database failover) must not crash the process.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** The cause of a database failure in words: refused, DNS, authentication, missing database, timeout. */
export function explainDatabaseError(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  // pg reports a refused connection to every resolved address as an AggregateError.
  const first = (e.errors?.[0] as { code?: string; address?: string; port?: number }) ?? e;
  const code = e.code ?? first.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused: is PostgreSQL running and listening on that host and port?';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve (DNS)';
    case 'ETIMEDOUT':
      return 'no answer from the database server (timeout)';
    case '28P01':
    case '28000':
      return 'authentication failed: check the user and password';
    case '3D000':
      return 'the database does not exist: create it first (CREATE DATABASE …)';
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
      return `the database file cannot be written (${code})`;
    default:
      if (/timeout/i.test(e.message ?? '')) return `no answer from the database server (${e.message})`;
      return e.message ?? String(err);
  }
}
