/**
 * What makes several replicas act as one: heartbeats, leases for background work, seen delivery ids,
 * and alert episodes (the milestone outbox is in outbox.ts). Each "only once" is one statement whose row
 * count says who won.
 *
 * Liveness: every process writes a heartbeat row (`replicas`) every few seconds, alive until a few
 * seconds ahead. A claim (a lease, a thread post, a card) names its holder; another process may take it
 * when the claim's own time ran out, or when its holder's heartbeat lapsed: checked inside the same
 * compare-and-set statement, so a live holder never loses a claim to this rule. A holder without any
 * heartbeat row (a replica of an older version during a rolling update) keeps its claims until they
 * expire.
 */
import { type Kysely, sql } from 'kysely';
import type { AlarmRef } from '../../domain/request.js';
import type { AlertThread, Coordination } from '../../ports/store.js';
import { changed, holderLapsed, nowMs, num } from './dialect.js';
import type { Dialect } from './migrations.js';
import { createOutbox } from './outbox.js';
import { iso } from './rows.js';
import type { AlertThreadsTable, Database } from './schema.js';

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

export function createCoordination(db: Kysely<Database>, dialect: Dialect, clock: () => Date): Coordination {
  const now = nowMs(dialect);

  return {
    ...createOutbox(db, dialect, clock),
    async heartbeat(replica, aliveMs) {
      const until = sql<number>`${now} + ${aliveMs}`;
      await db
        .insertInto('replicas')
        .values({ id: replica, alive_until: until, started_at: now })
        .onConflict((oc) => oc.column('id').doUpdateSet({ alive_until: until }))
        .execute();
    },
    async retire(replica) {
      await db.updateTable('replicas').set({ alive_until: 0 }).where('id', '=', replica).execute();
    },
    async acquireLease(name, holder, ttlMs) {
      // One statement: take the row when it is free, expired or its holder is dead; renew it when it
      // is already ours.
      const until = sql<number>`${now} + ${ttlMs}`;
      const result = await db
        .insertInto('leases')
        .values({ name, holder, expires_at: until, last_round_at: null })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ holder, expires_at: until })
            .where((eb) =>
              eb.or([
                eb('leases.holder', '=', holder),
                eb('leases.expires_at', '<', now),
                holderLapsed(dialect, 'leases.holder'),
              ]),
            ),
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

    async claimMessage(id) {
      const result = await db
        .insertInto('seen_messages')
        .values({ id, at: iso(clock()) })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      return changed(result);
    },
    async releaseMessage(id) {
      await db.deleteFrom('seen_messages').where('id', '=', id).execute();
    },
    async prune({ deliveries, audit }) {
      // Lease and heartbeat times are on the database clock: the same age, measured there.
      const dbCutoff = sql<number>`${now} - ${Date.now() - deliveries.getTime()}`;
      const deletes = [
        db.deleteFrom('seen_messages').where('at', '<', iso(deliveries)),
        db.deleteFrom('leases').where('expires_at', '<', dbCutoff),
        db.deleteFrom('replicas').where('alive_until', '<', dbCutoff),
        db
          .deleteFrom('events')
          .where('request_id', 'is', null)
          .where('kind', 'in', ['refused', 'dry_run', 'unpin_refused'])
          .where('at', '<', iso(audit)),
        db.deleteFrom('alert_threads').where('updated_at', '<', iso(audit)),
        // Who last opened the Home tab that long ago gets a fresh publish on the next open anyway.
        db.deleteFrom('home_views').where('opened_at', '<', iso(audit)),
      ];
      // One after another: a background chore should not take several pool connections at once.
      const results = [];
      for (const d of deletes) results.push(await d.executeTakeFirst());
      return results.reduce((sum, r) => sum + Number(r.numDeletedRows), 0);
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
