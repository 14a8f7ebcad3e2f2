/**
 * The few places where SQLite and PostgreSQL differ (the database clock, constraint errors), and the
 * small pieces of SQL every store module shares.
 */
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Dialect } from './migrations.js';

/** Epoch milliseconds from the database's clock: every replica compares lease times against one clock. */
export function nowMs(dialect: Dialect): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`;
}

/** Which uniqueness a failed insert ran into, if that is what failed. */
export function uniqueConflict(err: unknown): 'primary_key' | 'one_active' | 'other' | undefined {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e.code === '23505') {
    if (e.constraint?.endsWith('_pkey')) return 'primary_key';
    return e.constraint === 'requests_one_active' ? 'one_active' : 'other';
  }
  if (e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'primary_key';
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return /requests\.service/.test(e.message ?? '') ? 'one_active' : 'other';
  }
  return undefined;
}

/** PostgreSQL returns bigint and count(*) as strings. */
export const num = (v: number | string | bigint | null | undefined): number | undefined =>
  v === null || v === undefined ? undefined : Number(v);

/** True when a write touched exactly one row: the caller won its compare-and-set. */
export const changed = (r: { numInsertedOrUpdatedRows?: bigint } | { numUpdatedRows: bigint }) =>
  Number('numUpdatedRows' in r ? r.numUpdatedRows : (r.numInsertedOrUpdatedRows ?? 0)) === 1;

/**
 * True when the replica named in `holderColumn` has a heartbeat and it lapsed: that process is dead (or
 * stopped), so what it holds may be taken over. No heartbeat row at all (a replica of an older version)
 * is not proof of death.
 */
export function holderLapsed(dialect: Dialect, holderColumn: string): Expression<SqlBool> {
  return sql<SqlBool>`exists (select 1 from replicas where replicas.id = ${sql.ref(holderColumn)}
    and replicas.alive_until < ${nowMs(dialect)})`;
}
