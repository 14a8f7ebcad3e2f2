/**
 * What makes several replicas act as one: leases for background work, the milestone outbox, seen
 * delivery ids, and alert episodes. Each "only once" is one statement whose row count says who won.
 */
import { type Kysely, sql } from 'kysely';
import type { AlarmRef } from '../../domain/request.js';
import { nowMs, num } from './dialect.js';
import type { Dialect } from './migrations.js';
import { iso } from './rows.js';
import type { AlertThreadsTable, Database } from './schema.js';

export interface AlertThread {
  readonly key: string;
  readonly service: string;
  readonly channel: string;
  /** The thread's root: our alert card, or the alert message another tool posted; '' while being posted. */
  readonly threadTs: string;
  /** Our alert card, when we posted one (updated as the alarm changes). */
  readonly cardTs?: string;
  readonly state: string;
  readonly alarm: AlarmRef;
  readonly updatedAt: Date;
  /** Compare-and-set token: every write bumps it. */
  readonly version: number;
}

export interface LeaseInfo {
  readonly holder: string;
  /** Negative once expired. */
  readonly expiresInMs: number;
  readonly lastRoundAgoMs?: number;
}

export interface UnpostedMilestone {
  readonly requestId: string;
  readonly key: string;
  readonly notice?: unknown;
  readonly claimedAt: string;
}

export interface Coordination {
  /** Takes `name` for `ttlMs`, or renews it when `holder` already has it; true when held now. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives a lease up at once, so another replica need not wait for it to expire. */
  releaseLease(name: string, holder: string): Promise<void>;
  leaseInfo(name: string): Promise<LeaseInfo | undefined>;
  /** Records that the holder finished a round of the work the lease guards (tracking lag). */
  markRound(name: string, holder: string): Promise<void>;

  /** True the first time `key` is claimed for a request; the notice is kept for a repost. */
  claimMilestone(requestId: string, key: string, notice?: unknown): Promise<boolean>;
  markMilestonePosted(requestId: string, key: string): Promise<void>;
  /** Claimed before `before` and never marked posted: their poster died or failed. */
  unpostedMilestones(before: Date): Promise<UnpostedMilestone[]>;
  /** Takes over an unposted milestone; true for exactly one caller. */
  reclaimMilestone(m: UnpostedMilestone): Promise<boolean>;

  /** True the first time a delivery id (SNS MessageId, GitHub delivery, Slack message) is seen. */
  claimMessage(id: string): Promise<boolean>;
  /** Forgets a claimed id, so a retried delivery is handled again after a failure. */
  releaseMessage(id: string): Promise<void>;
  /** Deletes delivery ids seen before `before` and leases expired before it; returns how many. */
  prune(before: Date): Promise<number>;

  alertThread(key: string): Promise<AlertThread | undefined>;
  /**
   * Starts an alarm episode: inserts the thread when there is none (`expectVersion` undefined), or
   * replaces the row only if it is still at `expectVersion`. True for exactly one caller.
   */
  claimAlertEpisode(thread: AlertThread, expectVersion?: number): Promise<boolean>;
  saveAlertThread(thread: AlertThread): Promise<void>;
}

const reviveAlarm = (text: string) => JSON.parse(text, (k, v) => (k === 'at' ? new Date(v) : v)) as AlarmRef;

function threadRow(t: AlertThread): Omit<AlertThreadsTable, 'version'> {
  return {
    key: t.key,
    service: t.service,
    channel: t.channel,
    thread_ts: t.threadTs,
    card_ts: t.cardTs ?? null,
    state: t.state,
    alarm: JSON.stringify(t.alarm),
    updated_at: iso(t.updatedAt),
  };
}

export function createCoordination(db: Kysely<Database>, dialect: Dialect): Coordination {
  const now = nowMs(dialect);
  const changed = (r: { numInsertedOrUpdatedRows?: bigint } | { numUpdatedRows: bigint }) =>
    Number('numUpdatedRows' in r ? r.numUpdatedRows : (r.numInsertedOrUpdatedRows ?? 0)) === 1;

  return {
    async acquireLease(name, holder, ttlMs) {
      // One statement: take the row when it is free or expired, renew it when it is already ours.
      const until = sql<number>`${now} + ${ttlMs}`;
      const result = await db
        .insertInto('leases')
        .values({ name, holder, expires_at: until, last_round_at: null })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ holder, expires_at: until })
            .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<', now)])),
        )
        .executeTakeFirst();
      return changed(result);
    },
    async releaseLease(name, holder) {
      await db
        .updateTable('leases')
        .set({ expires_at: 0 })
        .where('name', '=', name)
        .where('holder', '=', holder)
        .execute();
    },
    async leaseInfo(name) {
      const row = await db
        .selectFrom('leases')
        .select([
          'holder',
          sql<number>`expires_at - ${now}`.as('left'),
          sql<number | null>`${now} - last_round_at`.as('ago'),
        ])
        .where('name', '=', name)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        holder: row.holder,
        expiresInMs: num(row.left) ?? 0,
        lastRoundAgoMs: num(row.ago),
      };
    },
    async markRound(name, holder) {
      await db
        .updateTable('leases')
        .set({ last_round_at: now })
        .where('name', '=', name)
        .where('holder', '=', holder)
        .execute();
    },

    async claimMilestone(requestId, key, notice) {
      const result = await db
        .insertInto('milestones')
        .values({
          request_id: requestId,
          key,
          at: iso(new Date()),
          notice: notice === undefined ? null : JSON.stringify(notice),
          posted_at: null,
        })
        .onConflict((oc) => oc.columns(['request_id', 'key']).doNothing())
        .executeTakeFirst();
      return changed(result);
    },
    async markMilestonePosted(requestId, key) {
      await db
        .updateTable('milestones')
        .set({ posted_at: iso(new Date()) })
        .where('request_id', '=', requestId)
        .where('key', '=', key)
        .execute();
    },
    async unpostedMilestones(before) {
      const rows = await db
        .selectFrom('milestones')
        .selectAll()
        .where('posted_at', 'is', null)
        .where('at', '<', iso(before))
        .orderBy('at')
        .execute();
      return rows.map((r) => ({
        requestId: r.request_id,
        key: r.key,
        notice: r.notice === null ? undefined : JSON.parse(r.notice),
        claimedAt: r.at,
      }));
    },
    async reclaimMilestone(m) {
      const result = await db
        .updateTable('milestones')
        .set({ at: iso(new Date()) })
        .where('request_id', '=', m.requestId)
        .where('key', '=', m.key)
        .where('posted_at', 'is', null)
        .where('at', '=', m.claimedAt)
        .executeTakeFirst();
      return changed(result);
    },

    async claimMessage(id) {
      const result = await db
        .insertInto('seen_messages')
        .values({ id, at: iso(new Date()) })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      return changed(result);
    },
    async releaseMessage(id) {
      await db.deleteFrom('seen_messages').where('id', '=', id).execute();
    },
    async prune(before) {
      const seen = await db.deleteFrom('seen_messages').where('at', '<', iso(before)).executeTakeFirst();
      const age = Date.now() - before.getTime();
      const leases = await db
        .deleteFrom('leases')
        .where('expires_at', '<', sql<number>`${now} - ${age}`)
        .executeTakeFirst();
      return Number(seen.numDeletedRows) + Number(leases.numDeletedRows);
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
        alarm: reviveAlarm(row.alarm),
        updatedAt: new Date(row.updated_at),
        version: num(row.version) ?? 0,
      };
    },
    async claimAlertEpisode(t, expectVersion) {
      if (expectVersion === undefined) {
        const result = await db
          .insertInto('alert_threads')
          .values({ ...threadRow(t), version: 1 })
          .onConflict((oc) => oc.column('key').doNothing())
          .executeTakeFirst();
        return changed(result);
      }
      const result = await db
        .updateTable('alert_threads')
        .set({ ...threadRow(t), version: expectVersion + 1 })
        .where('key', '=', t.key)
        .where('version', '=', expectVersion)
        .executeTakeFirst();
      return changed(result);
    },
    async saveAlertThread(t) {
      await db
        .updateTable('alert_threads')
        .set((eb) => ({ ...threadRow(t), version: eb('version', '+', 1) }))
        .where('key', '=', t.key)
        .execute();
    },
  };
}
