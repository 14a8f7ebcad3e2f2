/**
 * Durable state: requests with their approvals and event history, rolled-back-from versions, and
 * once-only milestones. Every state change is a compare-and-set, so concurrent clicks and a restart in
 * the middle can never act twice.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Transaction } from 'kysely';
import type { Plan } from '../../domain/plan.js';
import type { Progress } from '../../domain/progress.js';
import type { AlarmRef, Approval, RequestState, RollbackRequest } from '../../domain/request.js';
import { migrationProvider } from './migrations.js';
import { APPROVABLE, fromRow, iso, patchRow, toRow } from './rows.js';
import type { Database, RequestsTable } from './schema.js';

export interface StoredEvent {
  readonly at: Date;
  readonly kind: string;
  readonly actor?: string;
  readonly detail: Record<string, unknown>;
}

export type ApprovalOutcome =
  | { readonly kind: 'not_pending'; readonly state: RequestState }
  | { readonly kind: 'duplicate'; readonly approvals: readonly Approval[] }
  | { readonly kind: 'counted'; readonly approvals: readonly Approval[]; readonly complete: boolean };

/** Fields that may change after creation; `state` only through `transition`. */
export type RequestPatch = Partial<{
  cardTs: string;
  threadTs: string;
  channel: string;
  plan: Plan;
  pr: { number: number; url: string; branch: string; openedAt: Date };
  lastError: string | null;
  decidedBy: string;
  decisionNote: string;
  completedAt: Date;
  expiresAt: Date;
  progress: Progress;
}>;

export interface AlertThread {
  readonly key: string;
  readonly service: string;
  readonly channel: string;
  /** The thread's root: our alert card, or the alert message another tool posted. */
  readonly threadTs: string;
  /** Our alert card, when we posted one (updated as the alarm changes). */
  readonly cardTs?: string;
  readonly state: string;
  readonly alarm: AlarmRef;
  readonly updatedAt: Date;
}

export interface Store {
  createRequest(request: RollbackRequest): Promise<void>;
  getRequest(id: string): Promise<RollbackRequest | undefined>;
  idExists(id: string): Promise<boolean>;
  findActive(service: string, states: readonly RequestState[]): Promise<RollbackRequest | undefined>;
  lastRollbackPr(service: string): Promise<{ id: string; at: Date } | undefined>;
  history(service: string, count: number): Promise<RollbackRequest[]>;
  inStates(states: readonly RequestState[]): Promise<RollbackRequest[]>;
  /** Moves `id` to `to` only if it is in one of `from`; true when this call made the move. */
  transition(
    id: string,
    from: readonly RequestState[],
    to: RequestState,
    patch?: RequestPatch,
  ): Promise<boolean>;
  update(id: string, patch: RequestPatch): Promise<void>;
  /** Records an approval while pending; completes the request atomically when enough are in. */
  approve(id: string, user: string, at: Date, required: number): Promise<ApprovalOutcome>;
  clearApprovals(id: string): Promise<void>;
  recordEvent(e: {
    requestId?: string;
    service: string;
    kind: string;
    actor?: string;
    detail?: object;
    at?: Date;
  }): Promise<void>;
  events(requestId: string): Promise<StoredEvent[]>;
  addRolledBackFrom(service: string, iteration: string, version: string, requestId: string): Promise<void>;
  rolledBackFrom(service: string): Promise<Set<string>>;
  /** True the first time `key` is claimed for a request, false ever after. */
  claimMilestone(requestId: string, key: string): Promise<boolean>;
  /** True the first time a message id (SNS MessageId, Slack message) is seen. */
  claimMessage(id: string): Promise<boolean>;
  /** Forgets a claimed message id, so a retried delivery is handled again after a failure. */
  releaseMessage(id: string): Promise<void>;
  alertThread(key: string): Promise<AlertThread | undefined>;
  saveAlertThread(thread: AlertThread): Promise<void>;
  findByPr(service: string, number: number): Promise<RollbackRequest | undefined>;
  close(): Promise<void>;
}

export async function openStore(databaseUrl: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL: PostgreSQL is not bundled in this build; use sqlite:<path>');
  }
  const path = databaseUrl.replace(/^sqlite:/, '');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  // WAL lets readers (status, history) proceed while a write is in flight.
  if (path !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) throw new Error(`database migration failed: ${(error as Error).message}`);
  return createStore(db);
}

export function createStore(db: Kysely<Database>): Store {
  async function approvalsOf(q: Kysely<Database> | Transaction<Database>, id: string): Promise<Approval[]> {
    const rows = await q
      .selectFrom('approvals')
      .selectAll()
      .where('request_id', '=', id)
      .orderBy('at')
      .execute();
    return rows.map((a) => ({ user: a.user_id, at: new Date(a.at) }));
  }
  async function hydrate(rows: RequestsTable[]): Promise<RollbackRequest[]> {
    return Promise.all(rows.map(async (row) => fromRow(row, await approvalsOf(db, row.id))));
  }

  return {
    async createRequest(request) {
      await db.insertInto('requests').values(toRow(request)).execute();
    },
    async getRequest(id) {
      const row = await db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row, await approvalsOf(db, id)) : undefined;
    },
    async idExists(id) {
      return (
        (await db.selectFrom('requests').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
      );
    },
    async findActive(service, states) {
      const row = await db
        .selectFrom('requests')
        .selectAll()
        .where('service', '=', service)
        .where('state', 'in', [...states])
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      return row ? fromRow(row, await approvalsOf(db, row.id)) : undefined;
    },
    async lastRollbackPr(service) {
      const row = await db
        .selectFrom('requests')
        .select(['id', 'pr_opened_at'])
        .where('service', '=', service)
        .where('pr_opened_at', 'is not', null)
        .orderBy('pr_opened_at', 'desc')
        .executeTakeFirst();
      return row?.pr_opened_at ? { id: row.id, at: new Date(row.pr_opened_at) } : undefined;
    },
    async history(service, count) {
      const rows = await db
        .selectFrom('requests')
        .selectAll()
        .where('service', '=', service)
        .where('state', '!=', 'dry_run')
        .orderBy('created_at', 'desc')
        .limit(count)
        .execute();
      return hydrate(rows);
    },
    async inStates(states) {
      const rows = await db
        .selectFrom('requests')
        .selectAll()
        .where('state', 'in', [...states])
        .execute();
      return hydrate(rows);
    },
    async transition(id, from, to, patch = {}) {
      const result = await db
        .updateTable('requests')
        .set({ ...patchRow(patch), state: to, updated_at: iso(new Date()) })
        .where('id', '=', id)
        .where('state', 'in', [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async update(id, patch) {
      const row = patchRow(patch);
      if (Object.keys(row).length === 0) return;
      await db
        .updateTable('requests')
        .set({ ...row, updated_at: iso(new Date()) })
        .where('id', '=', id)
        .execute();
    },
    async approve(id, user, at, required) {
      return db.transaction().execute(async (tx) => {
        const row = await tx.selectFrom('requests').select('state').where('id', '=', id).executeTakeFirst();
        // Approvals that arrive just after the deciding one are still recorded (two approvers clicking
        // together are both on record); only a pending request can be completed by one.
        if (!row || !APPROVABLE.includes(row.state as RequestState)) {
          return { kind: 'not_pending', state: (row?.state ?? 'cancelled') as RequestState };
        }
        const inserted = await tx
          .insertInto('approvals')
          .values({ request_id: id, user_id: user, at: iso(at) })
          .onConflict((oc) => oc.columns(['request_id', 'user_id']).doNothing())
          .executeTakeFirst();
        const approvals = await approvalsOf(tx, id);
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return { kind: 'duplicate', approvals };
        const complete = row.state === 'pending' && approvals.length >= required;
        if (complete) {
          await tx
            .updateTable('requests')
            .set({ state: 'approved', updated_at: iso(at) })
            .where('id', '=', id)
            .where('state', '=', 'pending')
            .execute();
        }
        return { kind: 'counted', approvals, complete };
      });
    },
    async clearApprovals(id) {
      await db.deleteFrom('approvals').where('request_id', '=', id).execute();
    },
    async recordEvent(e) {
      await db
        .insertInto('events')
        .values({
          request_id: e.requestId ?? null,
          service: e.service,
          at: iso(e.at ?? new Date()),
          kind: e.kind,
          actor: e.actor ?? null,
          detail: JSON.stringify(e.detail ?? {}),
        })
        .execute();
    },
    async events(requestId) {
      const rows = await db
        .selectFrom('events')
        .selectAll()
        .where('request_id', '=', requestId)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        at: new Date(r.at),
        kind: r.kind,
        actor: r.actor ?? undefined,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
      }));
    },
    async addRolledBackFrom(service, iteration, version, requestId) {
      await db
        .insertInto('rolled_back_from')
        .values({ service, iteration, version, request_id: requestId, at: iso(new Date()) })
        .onConflict((oc) => oc.columns(['service', 'iteration']).doNothing())
        .execute();
    },
    async rolledBackFrom(service) {
      const rows = await db
        .selectFrom('rolled_back_from')
        .select('iteration')
        .where('service', '=', service)
        .execute();
      return new Set(rows.map((r) => r.iteration));
    },
    async claimMilestone(requestId, key) {
      const result = await db
        .insertInto('milestones')
        .values({ request_id: requestId, key, at: iso(new Date()) })
        .onConflict((oc) => oc.columns(['request_id', 'key']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async claimMessage(id) {
      const result = await db
        .insertInto('seen_messages')
        .values({ id, at: iso(new Date()) })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async releaseMessage(id) {
      await db.deleteFrom('seen_messages').where('id', '=', id).execute();
    },
    async alertThread(key) {
      const row = await db.selectFrom('alert_threads').selectAll().where('key', '=', key).executeTakeFirst();
      if (!row) return undefined;
      return {
        key: row.key,
        service: row.service,
        channel: row.channel,
        threadTs: row.thread_ts,
        cardTs: row.card_ts ?? undefined,
        state: row.state,
        alarm: JSON.parse(row.alarm, (k, v) => (k === 'at' ? new Date(v) : v)) as AlarmRef,
        updatedAt: new Date(row.updated_at),
      };
    },
    async saveAlertThread(t) {
      const values = {
        key: t.key,
        service: t.service,
        channel: t.channel,
        thread_ts: t.threadTs,
        card_ts: t.cardTs ?? null,
        state: t.state,
        alarm: JSON.stringify(t.alarm),
        updated_at: iso(t.updatedAt),
      };
      await db
        .insertInto('alert_threads')
        .values(values)
        .onConflict((oc) => oc.column('key').doUpdateSet(values))
        .execute();
    },
    async findByPr(service, number) {
      const row = await db
        .selectFrom('requests')
        .selectAll()
        .where('service', '=', service)
        .where('pr_number', '=', number)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      return row ? fromRow(row, await approvalsOf(db, row.id)) : undefined;
    },
    async close() {
      await db.destroy();
    },
  };
}
