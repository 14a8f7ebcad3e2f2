/**
 * Durable state: requests with their approvals and audit trail, rolled-back-from versions, and the
 * coordination between replicas (coordination.ts). Every state change is a compare-and-set and every
 * "only one" is a constraint, so concurrent clicks, two replicas or a kill -9 can never act twice.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { ACTIVE_STATES, MOVES, type RequestState } from '../../domain/lifecycle.js';
import type { Approval, RollbackRequest } from '../../domain/request.js';
import { ServiceBusyError, type Store } from '../../ports/store.js';
import { createCoordination } from './coordination.js';
import { changed, holderLapsed, nowMs, num, uniqueConflict } from './dialect.js';
import { createHomeViews } from './homeViews.js';
import type { Dialect } from './migrations.js';
import { fromRow, iso, patchRow, pinFromRow, pinRow, toRow } from './rows.js';
import type { Database, RequestsTable } from './schema.js';

export function createStore(
  db: Kysely<Database>,
  dialect: Dialect,
  clock: () => Date = () => new Date(),
): Store {
  async function approvalsOf(q: Kysely<Database> | Transaction<Database>, id: string): Promise<Approval[]> {
    const rows = await q
      .selectFrom('approvals')
      .selectAll()
      .where('request_id', '=', id)
      .orderBy('at')
      .orderBy('user_id')
      .execute();
    return rows.map((a) => ({ user: a.user_id, at: new Date(a.at), name: a.user_name ?? undefined }));
  }
  async function hydrate(rows: RequestsTable[]): Promise<RollbackRequest[]> {
    return Promise.all(rows.map(async (row) => fromRow(row, await approvalsOf(db, row.id))));
  }
  const one = async (row: RequestsTable | undefined) =>
    row ? fromRow(row, await approvalsOf(db, row.id)) : undefined;

  const dbNow = nowMs(dialect);
  return {
    dialect,
    ...createCoordination(db, dialect, clock),
    ...createHomeViews(db),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async createRequest(request, cardHolder) {
      try {
        await db
          .insertInto('requests')
          .values({ ...toRow(request), card_holder: cardHolder ?? null })
          .execute();
        return { ok: true };
      } catch (err) {
        const conflict = uniqueConflict(err);
        if (conflict === 'primary_key') return { ok: false, problem: 'id_taken' };
        if (conflict === 'one_active') return { ok: false, problem: 'service_active' };
        throw err;
      }
    },
    async getRequest(id) {
      return one(await db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst());
    },
    async findActive(service) {
      return one(
        await db
          .selectFrom('requests')
          .selectAll()
          .where('service', '=', service)
          .where('state', 'in', [...ACTIVE_STATES])
          .orderBy('created_at', 'desc')
          .executeTakeFirst(),
      );
    },
    async requestTimesBy(user, since) {
      const rows = await db
        .selectFrom('requests')
        .select('created_at')
        .where('requester', '=', user)
        .where('created_at', '>=', iso(since))
        .where('card_ts', 'is not', null)
        .execute();
      return rows.map((r) => new Date(r.created_at));
    },
    async lastRollbackAction(service) {
      const [pr, alias] = await Promise.all([
        db
          .selectFrom('requests')
          .select(['id', 'pr_opened_at'])
          .where('service', '=', service)
          .where('pr_opened_at', 'is not', null)
          .orderBy('pr_opened_at', 'desc')
          .executeTakeFirst(),
        // An alias service's rollback is its move, recorded with the request that made it.
        db
          .selectFrom('alias_history')
          .select(['request_id', 'since'])
          .where('service', '=', service)
          .where('request_id', 'is not', null)
          .orderBy('since', 'desc')
          .executeTakeFirst(),
      ]);
      const byPr = pr?.pr_opened_at ? { id: pr.id, at: new Date(pr.pr_opened_at) } : undefined;
      const byAlias = alias?.request_id ? { id: alias.request_id, at: new Date(alias.since) } : undefined;
      if (!byPr || !byAlias) return byPr ?? byAlias;
      return byAlias.at > byPr.at ? byAlias : byPr;
    },
    async history(service, count) {
      let query = db.selectFrom('requests').selectAll();
      if (service !== undefined) query = query.where('service', '=', service);
      return hydrate(await query.orderBy('created_at', 'desc').limit(count).execute());
    },
    async inStates(states) {
      return hydrate(
        await db
          .selectFrom('requests')
          .selectAll()
          .where('state', 'in', [...states])
          .orderBy('created_at')
          .execute(),
      );
    },
    async tracked(closedSince) {
      return hydrate(
        await db
          .selectFrom('requests')
          .selectAll()
          .where((eb) =>
            eb.or([
              eb('state', 'in', ['pr_open', 'merged']),
              eb.and([
                eb('state', '=', 'abandoned'),
                eb(eb.fn.coalesce('pr_closed_at', 'updated_at'), '>=', iso(closedSince)),
              ]),
            ]),
          )
          .orderBy('created_at')
          .execute(),
      );
    },
    async cardsDue(before) {
      const rows = await db
        .selectFrom('requests')
        .selectAll()
        .where('state', 'in', [...ACTIVE_STATES])
        .where('card_ts', 'is', null)
        .where('card_gave_up_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb('card_retry_at', '<=', dbNow),
            eb.and([
              eb('card_retry_at', 'is', null),
              eb.or([eb('created_at', '<', iso(before)), holderLapsed(dialect, 'requests.card_holder')]),
            ]),
          ]),
        )
        .orderBy('created_at')
        .execute();
      const requests = await hydrate(rows);
      return requests.map((request, i) => ({ request, attempts: num(rows[i]?.card_attempts) ?? 0 }));
    },
    async cardFailed(id, failure) {
      const result = await db
        .updateTable('requests')
        .set(
          failure.retryInMs === undefined
            ? {
                card_attempts: failure.attempt,
                card_error: failure.error,
                card_retry_at: null,
                card_gave_up_at: iso(clock()),
              }
            : {
                card_attempts: failure.attempt,
                card_error: failure.error,
                card_retry_at: sql<number>`${dbNow} + ${Math.round(failure.retryInMs)}`,
              },
        )
        .where('id', '=', id)
        .where('card_ts', 'is', null)
        .where('card_attempts', '=', failure.attempt - 1)
        .executeTakeFirst();
      return changed(result);
    },
    async countByState() {
      const rows = await db
        .selectFrom('requests')
        .select((eb) => ['state', eb.fn.countAll().as('n')])
        .groupBy('state')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.state, num(r.n as number) ?? 0]));
    },
    async transition(id, event, patch = {}) {
      const { from, to } = MOVES[event];
      const moveIn = async (q: Kysely<Database> | Transaction<Database>) => {
        const result = await q
          .updateTable('requests')
          .set({ ...patchRow(patch), state: to, updated_at: iso(clock()) })
          .where('id', '=', id)
          .where('state', 'in', [...from])
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      };
      try {
        if (event !== 'plan_changed') return await moveIn(db);
        // Approvals are bound to the plan: the new plan and the void are one transaction, so a click
        // landing in between sees the old request (not pending: refused) or the new one, never a mix.
        return await db.transaction().execute(async (tx) => {
          if (!(await moveIn(tx))) return false;
          await tx.deleteFrom('approvals').where('request_id', '=', id).execute();
          return true;
        });
      } catch (err) {
        // Only a move back into an active state (a reopened or merged old PR) can meet this index.
        if (uniqueConflict(err) !== 'one_active') throw err;
        const row = await db.selectFrom('requests').select('service').where('id', '=', id).executeTakeFirst();
        const active = row
          ? await db
              .selectFrom('requests')
              .select('id')
              .where('service', '=', row.service)
              .where('state', 'in', [...ACTIVE_STATES])
              .executeTakeFirst()
          : undefined;
        throw new ServiceBusyError(row?.service ?? '?', active?.id, { cause: err });
      }
    },
    async update(id, patch) {
      const row = patchRow(patch);
      if (Object.keys(row).length === 0) return;
      await db
        .updateTable('requests')
        .set({ ...row, updated_at: iso(clock()) })
        .where('id', '=', id)
        .execute();
    },
    async setPrIfUnset(id, pr) {
      const result = await db
        .updateTable('requests')
        .set({ ...patchRow({ pr }), updated_at: iso(clock()) })
        .where('id', '=', id)
        .where('pr_number', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async setCardHash(id, hash) {
      const result = await db
        .updateTable('requests')
        .set({ card_hash: hash })
        .where('id', '=', id)
        .where((eb) =>
          hash === null
            ? eb('card_hash', 'is not', null)
            : eb.or([eb('card_hash', 'is', null), eb('card_hash', '!=', hash)]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async approve(id, user, at, required, userName) {
      return db.transaction().execute(async (tx) => {
        // Take the row's write lock first (a row lock on PostgreSQL, the database write lock on SQLite),
        // so approvals of one request, from any replica, are counted one after another.
        const locked = await tx
          .updateTable('requests')
          .set({ updated_at: iso(at) })
          .where('id', '=', id)
          .where('state', 'in', [...MOVES.approve_last.from])
          .executeTakeFirst();
        if (Number(locked.numUpdatedRows) !== 1) {
          const row = await tx.selectFrom('requests').select('state').where('id', '=', id).executeTakeFirst();
          return {
            kind: 'not_pending',
            state: (row?.state ?? 'cancelled') as RequestState,
            approvals: await approvalsOf(tx, id),
          };
        }
        const inserted = await tx
          .insertInto('approvals')
          .values({ request_id: id, user_id: user, at: iso(at), user_name: userName ?? null })
          .onConflict((oc) => oc.columns(['request_id', 'user_id']).doNothing())
          .executeTakeFirst();
        const approvals = await approvalsOf(tx, id);
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return { kind: 'duplicate', approvals };
        const complete = approvals.length >= required;
        if (complete) {
          await tx
            .updateTable('requests')
            .set({ state: MOVES.approve_last.to, updated_at: iso(at) })
            .where('id', '=', id)
            .execute();
        }
        return { kind: 'counted', approvals, complete };
      });
    },
    async findByBranch(service, branch) {
      return one(
        await db
          .selectFrom('requests')
          .selectAll()
          .where('service', '=', service)
          .where('branch', '=', branch)
          .executeTakeFirst(),
      );
    },
    async recordEvent(e) {
      await db
        .insertInto('events')
        .values({
          request_id: e.requestId ?? null,
          service: e.service,
          at: iso(e.at ?? clock()),
          kind: e.kind,
          actor: e.actor ?? null,
          actor_name: e.actorName ?? null,
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
        actorName: r.actor_name ?? undefined,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
      }));
    },
    async auditTrail(service, count) {
      let query = db.selectFrom('events').selectAll();
      if (service !== undefined) query = query.where('service', '=', service);
      const rows = await query.orderBy('id', 'desc').limit(count).execute();
      return rows.reverse().map((r) => ({
        requestId: r.request_id ?? undefined,
        service: r.service,
        at: new Date(r.at),
        kind: r.kind,
        actor: r.actor ?? undefined,
        actorName: r.actor_name ?? undefined,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
      }));
    },
    async addRolledBackFrom(service, iteration, version, requestId) {
      await db
        .insertInto('rolled_back_from')
        .values({ service, iteration, version, request_id: requestId, at: iso(clock()) })
        .onConflict((oc) => oc.columns(['service', 'iteration']).doNothing())
        .execute();
    },
    async recordAliasVersion(service, alias, version, since, requestId) {
      await db
        .insertInto('alias_history')
        .values({ service, alias, version, since: iso(since), request_id: requestId ?? null })
        .onConflict((oc) => oc.columns(['service', 'alias', 'version']).doNothing())
        .execute();
    },
    async aliasHistory(service, alias) {
      const rows = await db
        .selectFrom('alias_history')
        .select(['version', 'since'])
        .where('service', '=', service)
        .where('alias', '=', alias)
        .execute();
      return new Map(rows.map((r) => [r.version, new Date(r.since)]));
    },
    async rolledBackFrom(service) {
      const rows = await db
        .selectFrom('rolled_back_from')
        .select('iteration')
        .where('service', '=', service)
        .execute();
      return new Set(rows.map((r) => r.iteration));
    },
    async findByPr(service, number) {
      return one(
        await db
          .selectFrom('requests')
          .selectAll()
          .where('service', '=', service)
          .where('pr_number', '=', number)
          .orderBy('created_at', 'desc')
          .executeTakeFirst(),
      );
    },
    async setPin(pin) {
      const row = pinRow(pin);
      return db.transaction().execute(async (tx) => {
        const current = await tx
          .selectFrom('pins')
          .selectAll()
          .where('service', '=', pin.service)
          .executeTakeFirst();
        if (current && current.request_id === pin.requestId) return false;
        if (current) {
          const result = await tx
            .updateTable('pins')
            .set(row)
            .where('service', '=', pin.service)
            .where('request_id', '=', current.request_id)
            .executeTakeFirst();
          return changed(result);
        }
        const inserted = await tx
          .insertInto('pins')
          .values(row)
          .onConflict((oc) => oc.column('service').doNothing())
          .executeTakeFirst();
        return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
      });
    },
    async getPin(service) {
      const row = await db.selectFrom('pins').selectAll().where('service', '=', service).executeTakeFirst();
      return row ? pinFromRow(row) : undefined;
    },
    async unpin(service, by, note, at) {
      const result = await db
        .updateTable('pins')
        .set({ unpinned_at: iso(at), unpinned_by: by, unpin_note: note })
        .where('service', '=', service)
        .where('unpinned_at', 'is', null)
        .executeTakeFirst();
      if (!changed(result)) return undefined;
      const row = await db.selectFrom('pins').selectAll().where('service', '=', service).executeTakeFirst();
      return row ? pinFromRow(row) : undefined;
    },
    async close() {
      await db.destroy();
    },
  };
}
