/**
 * For readers that must not change the database (the CLI): is its schema exactly the one this code
 * knows? Nothing is written: the migration table is read, not created. A schema behind this code lacks
 * columns it reads; one ahead of it may have moved data this code would misread. Either way the reader
 * stops with one sentence saying which side is behind and what to do.
 */
import { type Kysely, Migrator } from 'kysely';
import { type Dialect, migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

// Kysely's default name for its record of executed migrations.
const MIGRATION_TABLE = 'kysely_migration';

/** Undefined when the schema is this code's; otherwise what is wrong and what to do. */
export async function schemaProblem(db: Kysely<Database>, dialect: Dialect): Promise<string | undefined> {
  const known = await new Migrator({ db, provider: migrationProvider(dialect) }).getMigrations();
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  const executed = tables.some((t) => t.name === MIGRATION_TABLE)
    ? (
        await (db as unknown as Kysely<Record<string, { name: string }>>)
          .selectFrom(MIGRATION_TABLE)
          .select('name')
          .execute()
      )
        .map((r) => r.name)
        .sort()
    : [];
  const newest = known.at(-1)?.name ?? '(none)';
  if (executed.length === 0) {
    return `the database has no rollback-bot schema yet (no migration has run): start the bot once to create it, or set DATABASE_URL to the bot's database`;
  }
  const knownNames = new Set(known.map((m) => m.name));
  const unknown = executed.filter((name) => !knownNames.has(name));
  if (unknown.length > 0) {
    return `the database schema is at ${executed.at(-1)}, newer than this CLI knows (its newest is ${newest}): use the rollback-bot CLI of the version the bot runs`;
  }
  const missing = known.filter((m) => m.executedAt === undefined).map((m) => m.name);
  if (missing.length > 0) {
    return `the database schema is at ${executed.at(-1)}, this CLI needs ${newest} (missing ${missing.join(', ')}): start the bot of this version once to migrate it`;
  }
  return undefined;
}
