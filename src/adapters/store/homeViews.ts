/**
 * The Home tab's state per person (migration 011): when they last opened it, the hash of the view last
 * published to them, and their page. Setting the hash is a compare-and-set, so of two replicas reacting
 * to the same change only one publishes it.
 */
import type { Kysely } from 'kysely';
import type { HomeViews } from '../../ports/store.js';
import { iso } from './rows.js';
import type { Database } from './schema.js';

export function createHomeViews(db: Kysely<Database>): HomeViews {
  return {
    async homeOpened(user, at) {
      await db
        .insertInto('home_views')
        .values({ user_id: user, opened_at: iso(at), hash: null, page: 0 })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ opened_at: iso(at) }))
        .execute();
    },
    async homeOpeners(since) {
      const rows = await db
        .selectFrom('home_views')
        .select('user_id')
        .where('opened_at', '>=', iso(since))
        .orderBy('user_id')
        .execute();
      return rows.map((r) => r.user_id);
    },
    async homePage(user) {
      const row = await db
        .selectFrom('home_views')
        .select('page')
        .where('user_id', '=', user)
        .executeTakeFirst();
      return Number(row?.page ?? 0);
    },
    async setHomePage(user, page, at) {
      await db
        .insertInto('home_views')
        .values({ user_id: user, opened_at: iso(at), hash: null, page })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ page }))
        .execute();
    },
    async setHomeHash(user, hash) {
      const result = await db
        .updateTable('home_views')
        .set({ hash })
        .where('user_id', '=', user)
        .where((eb) =>
          hash === null
            ? eb('hash', 'is not', null)
            : eb.or([eb('hash', 'is', null), eb('hash', '!=', hash)]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
