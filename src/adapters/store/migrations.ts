/** Schema migrations, applied in order at start-up. Append; never edit one that has shipped. */
import type { Kysely, Migration, MigrationProvider } from 'kysely';

const migrations: Record<string, Migration> = {
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
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
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
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
