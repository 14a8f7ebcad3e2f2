/**
 * Thread posts as an outbox. A post is claimed (a row naming its sender and keeping its notice) before
 * it is sent and marked posted after. A post becomes due for another attempt when its sender failed
 * (at the retry time it set), died (its heartbeat lapsed), or never confirmed it within the grace; the
 * attempts are counted so a post Slack keeps refusing is given up, not retried forever.
 */
import { type Kysely, sql } from 'kysely';
import type { Outbox } from '../../ports/store.js';
import { changed, holderLapsed, nowMs, num } from './dialect.js';
import type { Dialect } from './migrations.js';
import { iso } from './rows.js';
import type { Database } from './schema.js';

export function createOutbox(db: Kysely<Database>, dialect: Dialect, clock: () => Date): Outbox {
  const now = nowMs(dialect);
  const open = (requestId: string, key: string) =>
    db
      .updateTable('milestones')
      .where('request_id', '=', requestId)
      .where('key', '=', key)
      .where('posted_at', 'is', null)
      .where('gave_up_at', 'is', null);

  return {
    async claimMilestone(requestId, key, notice, holder) {
      const result = await db
        .insertInto('milestones')
        .values({
          request_id: requestId,
          key,
          at: iso(clock()),
          notice: notice === undefined ? null : JSON.stringify(notice),
          posted_at: null,
          holder: holder ?? null,
          attempts: 1,
          retry_at: null,
          last_error: null,
          gave_up_at: null,
        })
        .onConflict((oc) => oc.columns(['request_id', 'key']).doNothing())
        .executeTakeFirst();
      return changed(result);
    },
    async markMilestonePosted(requestId, key) {
      await db
        .updateTable('milestones')
        .set({ posted_at: iso(clock()), retry_at: null })
        .where('request_id', '=', requestId)
        .where('key', '=', key)
        .execute();
    },
    async unpostedMilestones(before) {
      const rows = await db
        .selectFrom('milestones')
        .selectAll()
        .where('posted_at', 'is', null)
        .where('gave_up_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb('retry_at', '<=', now),
            eb.and([
              eb('retry_at', 'is', null),
              eb.or([eb('at', '<', iso(before)), holderLapsed(dialect, 'milestones.holder')]),
            ]),
          ]),
        )
        .orderBy('at')
        .execute();
      return rows.map((r) => ({
        requestId: r.request_id,
        key: r.key,
        notice: r.notice === null ? undefined : JSON.parse(r.notice),
        claimedAt: r.at,
        attempts: num(r.attempts) ?? 1,
        lastError: r.last_error ?? undefined,
      }));
    },
    async reclaimMilestone(m, holder) {
      // The attempt count is the compare-and-set token: it only ever grows.
      const result = await open(m.requestId, m.key)
        .set({ at: iso(clock()), holder: holder ?? null, attempts: m.attempts + 1, retry_at: null })
        .where('attempts', '=', m.attempts)
        .executeTakeFirst();
      return changed(result);
    },
    async milestoneFailed(requestId, key, failure) {
      const result = await open(requestId, key)
        .set(
          failure.retryInMs === undefined
            ? { last_error: failure.error, retry_at: null, gave_up_at: iso(clock()) }
            : { last_error: failure.error, retry_at: sql<number>`${now} + ${Math.round(failure.retryInMs)}` },
        )
        .where('attempts', '=', failure.attempt)
        .executeTakeFirst();
      return changed(result);
    },
    async hasMilestone(requestId, key) {
      const row = await db
        .selectFrom('milestones')
        .select('key')
        .where('request_id', '=', requestId)
        .where('key', '=', key)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
