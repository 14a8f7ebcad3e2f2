/**
 * Schema migrations, applied in order at start-up by whichever replica starts first (Kysely's migrator
 * holds a lock meanwhile: an advisory lock on PostgreSQL). Append; never change what a shipped one does
 * to a database. 001 only learned to spell its identity column for PostgreSQL, which SQLite never sees.
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/** States that block another request for the same service (domain/request.ts ACTIVE_STATES, frozen here). */
const ACTIVE = ['pending', 'approved', 'pr_failed', 'pr_open', 'merged'];

const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '001_requests': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('requester', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('force', 'integer', (c) => c.notNull())
        .addColumn('plan', 'text', (c) => c.notNull())
        .addColumn('approvals_required', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('card_ts', 'text')
        .addColumn('thread_ts', 'text')
        .addColumn('pr_number', 'integer')
        .addColumn('pr_url', 'text')
        .addColumn('pr_branch', 'text')
        .addColumn('pr_opened_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('alarm', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('decision_note', 'text')
        .addColumn('completed_at', 'text')
        .execute();
      await db.schema
        .createIndex('requests_service_state')
        .on('requests')
        .columns(['service', 'state'])
        .execute();
      await db.schema
        .createTable('approvals')
        .addColumn('request_id', 'text', (c) => c.notNull().references('requests.id'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('approvals_pk', ['request_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('events')
        .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('request_id', 'text')
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_request').on('events').column('request_id').execute();
      await db.schema
        .createTable('rolled_back_from')
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('iteration', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('rolled_back_from_pk', ['service', 'iteration'])
        .execute();
      await db.schema
        .createTable('milestones')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('milestones_pk', ['request_id', 'key'])
        .execute();
    },
  },
  '002_tracking_and_alerts': {
    async up(db: Kysely<unknown>) {
      // Deploy tracking: which environments serve the target, merge facts (JSON; see domain/progress).
      await db.schema.alterTable('requests').addColumn('progress', 'text').execute();
      await db.schema
        .createTable('alert_threads')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('thread_ts', 'text', (c) => c.notNull())
        .addColumn('card_ts', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('alarm', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // SNS retries deliveries: a MessageId is acted on once.
      await db.schema
        .createTable('seen_messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '003_replicas': {
    async up(db: Kysely<unknown>) {
      // One active request per service, held by the database itself. Older builds could leave several;
      // keep the one furthest along (a PR open or merged), else the newest, and cancel the rest.
      const rows = await sql<{ id: string; service: string; state: string }>`
        select id, service, state from requests
        where state in (${sql.join(ACTIVE)})
        order by case when state in ('pr_open', 'merged') then 0 else 1 end, created_at desc`.execute(db);
      const kept = new Set<string>();
      for (const row of rows.rows) {
        if (!kept.has(row.service)) {
          kept.add(row.service);
          continue;
        }
        await sql`update requests set state = 'cancelled',
          last_error = 'cancelled on upgrade: another request for this service was active'
          where id = ${row.id}`.execute(db);
      }
      await sql`create unique index requests_one_active on requests (service)
        where state in (${sql.join(ACTIVE.map((s) => sql.lit(s)))})`.execute(db);

      await db.schema.alterTable('requests').addColumn('card_hash', 'text').execute();
      await db.schema.alterTable('requests').addColumn('requester_name', 'text').execute();
      await db.schema.alterTable('approvals').addColumn('user_name', 'text').execute();
      await db.schema.alterTable('events').addColumn('actor_name', 'text').execute();
      await db.schema.createIndex('events_service_at').on('events').columns(['service', 'at']).execute();

      // Milestones become an outbox: claimed, then marked posted; what shipped before was posted.
      await db.schema.alterTable('milestones').addColumn('notice', 'text').execute();
      await db.schema.alterTable('milestones').addColumn('posted_at', 'text').execute();
      await sql`update milestones set posted_at = at`.execute(db);

      await db.schema
        .alterTable('alert_threads')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('seen_messages_at').on('seen_messages').column('at').execute();

      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('last_round_at', 'bigint')
        .execute();
    },
  },
  '004_safety': {
    async up(db: Kysely<unknown>) {
      // The PR's head branch is fixed (with a random part) when the request is made: only a PR from it
      // is ever the request's. Requests made before keep their old name, derived when read.
      await db.schema.alterTable('requests').addColumn('branch', 'text').execute();
      // What made the bot open a request by itself (alarm, alert message and its author), for the audit.
      await db.schema.alterTable('requests').addColumn('trigger', 'text').execute();
      await db.schema.createIndex('requests_branch').on('requests').column('branch').execute();
    },
  },
  '005_liveness': {
    async up(db: Kysely<unknown>) {
      // Every process says it is alive (database clock, epoch ms) every few seconds; a claim whose
      // holder stopped saying so can be taken over without waiting for the claim's own expiry.
      await db.schema
        .createTable('replicas')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('alive_until', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .execute();

      // The outbox names who is sending each post, counts attempts, and knows when to try again or that
      // it gave up (a channel that no longer exists must not be retried forever).
      await db.schema.alterTable('milestones').addColumn('holder', 'text').execute();
      await db.schema
        .alterTable('milestones')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable('milestones').addColumn('retry_at', 'bigint').execute();
      await db.schema.alterTable('milestones').addColumn('last_error', 'text').execute();
      await db.schema.alterTable('milestones').addColumn('gave_up_at', 'text').execute();
      // The repair round reads only what is still to send.
      await sql`create index milestones_unposted on milestones (at) where posted_at is null`.execute(db);

      // The card of a new request: who is posting it, and the repair round's attempts.
      await db.schema.alterTable('requests').addColumn('card_holder', 'text').execute();
      await db.schema
        .alterTable('requests')
        .addColumn('card_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('requests').addColumn('card_retry_at', 'bigint').execute();
      await db.schema.alterTable('requests').addColumn('card_error', 'text').execute();
      await db.schema.alterTable('requests').addColumn('card_gave_up_at', 'text').execute();

      // When a PR was closed unmerged: it is polled for a while after, not forever. Rows abandoned before
      // this column existed were last updated by that move.
      await db.schema.alterTable('requests').addColumn('pr_closed_at', 'text').execute();
      await sql`update requests set pr_closed_at = updated_at where state = 'abandoned'`.execute(db);

      // Audit rows without a request (refusals, dry runs) are pruned by age.
      await db.schema.createIndex('events_at').on('events').column('at').execute();
    },
  },
  '006_lifecycle': {
    async up(db: Kysely<unknown>) {
      // `dry_run` left the lifecycle (a dry run writes only its audit record); no build stored one, but
      // a row in a state the table does not know must not linger: it ends as cancelled.
      await sql`update requests set state = 'cancelled' where state = 'dry_run'`.execute(db);
    },
  },
  '007_registry_alias': {
    async up(db: Kysely<unknown>) {
      // MLflow keeps no history of an alias: the versions the bot saw or made an alias's, and since when.
      await db.schema
        .createTable('alias_history')
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addPrimaryKeyConstraint('alias_history_pk', ['service', 'alias', 'version'])
        .execute();
    },
  },
  '008_pins': {
    async up(db: Kysely<unknown>) {
      // One pin per service: set when a rollback's PR merged (or its alias moved), replaced by a later
      // rollback, ended (never deleted: the audit reads it) by an approver's unpin.
      await db.schema
        .createTable('pins')
        .addColumn('service', 'text', (c) => c.primaryKey())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('pinned_at', 'text', (c) => c.notNull())
        .addColumn('pinned_by', 'text')
        .addColumn('thread_link', 'text')
        .addColumn('unpinned_at', 'text')
        .addColumn('unpinned_by', 'text')
        .addColumn('unpin_note', 'text')
        .execute();
    },
  },
  '011_home_tab': {
    async up(db: Kysely<unknown>) {
      // The Home tab, per person: when they last opened it (republished for those who did within the
      // last half hour), the hash of the view last published to them (a republish that would change
      // nothing is not sent; the compare-and-set on it makes one replica publish each change), and the
      // page of services they are on.
      await db.schema
        .createTable('home_views')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('hash', 'text')
        .addColumn('page', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('home_views_opened').on('home_views').column('opened_at').execute();
    },
  },
});

export const migrationProvider = (dialect: Dialect): MigrationProvider => ({
  getMigrations: async () => migrations(dialect),
});
