import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../src/adapters/store/migrations.js';
import { openStore } from '../src/adapters/store/open.js';
import type { FakeGitHub } from '../world/github.js';
import type { FakeHealthchecks } from '../world/healthchecks.js';
import { startFakeMlflow } from '../world/mlflow.js';
import { DIALECTS, freshDatabaseUrl, type TestDialect } from './support/databases.js';
import { startWorld, type World } from './support/world.js';

const run = promisify(execFile);
let world: World;
let github: FakeGitHub;
let health: FakeHealthchecks;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  world = await startWorld();
  ({ github, health } = world);
  // Only what the CLI documents: no Slack variables at all.
  env = world.env({ slack: false });
});
afterAll(() => world?.close());

const TSX = join(process.cwd(), 'node_modules/tsx/dist/loader.mjs');
const CLI = join(process.cwd(), 'src/cli.ts');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliWith({ env }, ...args);
}

async function cliWith(
  options: { env: NodeJS.ProcessEnv; cwd?: string },
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', TSX, CLI, ...args], {
      ...options,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('rollback-bot CLI, as a process with real clients', () => {
  it('prints status like the Slack command, without any Slack variable', async () => {
    const { code, stdout } = await cli('status');
    expect(code).toBe(0);
    expect(stdout).toMatch(/production\s+merge\s+1\.25\.3-3a4b5c6\s+healthy/);
    expect(stdout).toContain('Configured on main: 1.25.3 -> CI deploys 1.25.3-3a4b5c6');
    expect(stdout).toContain('Last known good: 1.25.0-293a4b5');
  });

  it('prints versions with CI resolution and safety, and exits 3 when a source is down', async () => {
    const ok = await cli('versions', 'fpo-search', '20');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1\.1\.1\s+1\.1\.10-b2c3d4e \(!\)[^\n]*prefix trap/);
    expect(ok.stdout).toMatch(
      /1\.25\.0\s+1\.25\.0-293a4b5\s+2026-08-09\s+passed\s+development,staging,production\s+-\s+safe/,
    );
    health.set('production', { status: 503 });
    try {
      const degraded = await cli('status');
      expect(degraded.code).toBe(3);
      expect(degraded.stdout).toMatch(/production\s+merge\s+ERROR: HTTP 503/);
      expect(degraded.stdout).toContain('Could not read:');
    } finally {
      health.serve('production', '1.25.3-3a4b5c6');
    }
  });

  it('prints a plan as a dry run, and refuses what a request would refuse', async () => {
    const accepted = await cli('plan', 'fpo-search', 'previous');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('to:   1.25.0 -> CI deploys 1.25.0-293a4b5');
    expect(accepted.stdout).toContain('  - version = "1.25.3"\n  + version = "1.25.0"');
    expect(accepted.stdout).toContain('Note: no bot database at');
    const trap = await cli('plan', '1.1.1');
    expect(trap.code).toBe(3);
    expect(trap.stdout).toContain('[FAIL] prefix trap');
    expect(github.calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });

  it('explains usage and configuration errors with a non-zero exit', async () => {
    const bad = await cli('statsu');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown subcommand `statsu`');
    expect(bad.stderr).toContain('rollback-bot versions [service] [count]');
    const noConfig = await cliWith({ env: { ...env, ROLLBACK_BOT_CONFIG: '/nonexistent.toml' } }, 'status');
    expect(noConfig.code).toBe(1);
    expect(noConfig.stderr).toContain('/nonexistent.toml');
    const markdown = await cliWith({ env: { PATH: process.env.PATH } }, 'history', '--markdown');
    expect(markdown.code).toBe(2);
    expect(markdown.stderr).toContain('--markdown is for `report` only');
  });

  it('answers help and a mistyped subcommand without any credentials', async () => {
    const bare = { PATH: process.env.PATH };
    for (const args of [['--help'], ['help'], []]) {
      const help = await cliWith({ env: bare }, ...args);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('rollback-bot history [service] [count] [--json]');
      expect(help.stdout).toContain('rollback-bot report <R-id> [--markdown | --json]');
    }
    const typo = await cliWith({ env: bare }, 'verisons');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain(
      'Unknown subcommand `verisons`. Try one of: status, versions, plan, history, report, help.',
    );
  });

  it('refuses an unknown flag, and --json outside history, with the usage', async () => {
    const bare = { PATH: process.env.PATH };
    const flag = await cliWith({ env: bare }, 'status', '--verbose');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--verbose'");
    expect(flag.stderr).toContain('rollback-bot status [service]');
    const misplaced = await cliWith({ env: bare }, 'versions', '--json');
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--json is for `history` and `report` only');
  });

  it('reads ./.env like npm start, and variables already set win', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollback-cli-env-'));
    const dotenv = Object.entries({ ...env, PATH: undefined, HOME: undefined })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    writeFileSync(join(dir, '.env'), `${dotenv}\nGITHUB_API_URL=http://github.invalid\n`);
    const fromFile = await cliWith({ env: { PATH: process.env.PATH }, cwd: dir }, 'status');
    // Everything came from .env: the GitHub URL in it is unreachable, and status says so by name.
    expect(fromFile.code).toBe(3);
    expect(fromFile.stdout).toMatch(
      /GitHub \(example-org\/fpo-search\): .*does not resolve \(DNS, ENOTFOUND\)/,
    );
    const overridden = await cliWith(
      { env: { PATH: process.env.PATH, GITHUB_API_URL: github.url }, cwd: dir },
      'status',
    );
    expect(overridden.code).toBe(0);
  });

  it('exports the audit trail from the database, as text or JSON lines, with no GitHub or AWS variable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollback-cli-db-'));
    const url = `sqlite:${join(dir, 'bot.db')}`;
    const store = await openStore(url);
    await store.recordEvent({
      service: 'fpo-search',
      requestId: 'R-AAAA',
      kind: 'requested',
      actor: 'U1',
      actorName: 'alice',
      detail: { target: '1.25.0' },
    });
    await store.recordEvent({
      service: 'fpo-search',
      requestId: 'R-AAAA',
      kind: 'approved',
      actor: 'U2',
      actorName: 'bob',
    });
    await store.recordEvent({ service: 'other', kind: 'refused', actor: 'U3' });
    await store.close();
    const only = { PATH: process.env.PATH, ROLLBACK_BOT_CONFIG: env.ROLLBACK_BOT_CONFIG, DATABASE_URL: url };
    const text = await cliWith({ env: only }, 'history', 'fpo-search');
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^\S+Z {2}fpo-search {2}R-AAAA {2}requested U1 \(alice\) \{"target":"1.25.0"\}$/),
      expect.stringMatching(/^\S+Z {2}fpo-search {2}R-AAAA {2}approved U2 \(bob\)$/),
    ]);
    const json = await cliWith({ env: only }, 'history', '--json', '2');
    expect(json.code).toBe(0);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      expect.objectContaining({ kind: 'approved', actor: 'U2', actorName: 'bob', service: 'fpo-search' }),
      expect.objectContaining({ kind: 'refused', service: 'other' }),
    ]);
    const missing = await cliWith(
      { env: { ...only, DATABASE_URL: `sqlite:${join(dir, 'none.db')}` } },
      'history',
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no bot database at');
  });

  it('prints no control character a healthcheck or the audit trail carries (issue 14, finding 7)', async () => {
    const active = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
    const activeIn = (text: string) => text.replace(/[\n\t]/g, '').match(active)?.[0];
    health.serve('production', '1.25.3-3a4b5c6\u001b[31m\u0007\u001b]0;pwned\u0007');
    try {
      const status = await cli('status');
      expect(status.code).toBe(3);
      expect(activeIn(status.stdout + status.stderr)).toBeUndefined();
      expect(status.stdout).toMatch(
        /production\s+merge\s+ERROR: answer's `model_version` holds control or format characters/,
      );
    } finally {
      health.serve('production', '1.25.3-3a4b5c6');
    }

    // A Slack display name stored with an audit entry is outside text too.
    const dir = mkdtempSync(join(tmpdir(), 'rollback-cli-ctl-'));
    const url = `sqlite:${join(dir, 'bot.db')}`;
    const store = await openStore(url);
    await store.recordEvent({
      service: 'fpo-search',
      requestId: 'R-BBBB',
      kind: 'approved',
      actor: 'U2',
      actorName: 'bob\u001b[2K\r\u001b[32mapproved by security\u001b[0m\u202e',
    });
    await store.close();
    const only = { PATH: process.env.PATH, ROLLBACK_BOT_CONFIG: env.ROLLBACK_BOT_CONFIG, DATABASE_URL: url };
    const history = await cliWith({ env: only }, 'history');
    expect(history.code).toBe(0);
    expect(activeIn(history.stdout)).toBeUndefined();
    expect(history.stdout).toMatch(/R-BBBB {2}approved U2 \(bobapproved by security\)$/m);
  });
});

/** A bot database whose schema is at `at` (a migration name), or one migration past what this code knows. */
async function databaseAt(
  dialect: TestDialect,
  at: string | 'future',
): Promise<{
  url: string;
  migrations(): Promise<string[]>;
}> {
  const url = await freshDatabaseUrl(dialect);
  const connect = () =>
    new Kysely<Record<string, never>>({
      dialect:
        dialect === 'sqlite'
          ? new SqliteDialect({ database: new SQLite(url.slice('sqlite:'.length)) })
          : new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
    });
  const db = connect();
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error } = at === 'future' ? await migrator.migrateToLatest() : await migrator.migrateTo(at);
  expect(error).toBeUndefined();
  if (at === 'future')
    await sql`insert into kysely_migration (name, timestamp) values ('999_from_a_later_version', '2030-01-01T00:00:00.000Z')`.execute(
      db,
    );
  await db.destroy();
  return {
    url,
    async migrations() {
      const reader = connect();
      try {
        const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
          reader,
        );
        return rows.rows.map((r) => r.name);
      } finally {
        await reader.destroy();
      }
    },
  };
}

describe.each(DIALECTS)('rollback-bot CLI on a bot database (%s) of another version', (dialect) => {
  it('refuses an older schema in one line and migrates nothing', async () => {
    const db = await databaseAt(dialect, '002_tracking_and_alerts');
    const before = await db.migrations();
    expect(before).toEqual(['001_requests', '002_tracking_and_alerts']);
    const latest = (await migrationProvider(dialect).getMigrations()) as Record<string, unknown>;
    const newest = Object.keys(latest).sort().at(-1);
    for (const args of [['history'], ['status'], ['plan', 'previous']]) {
      const result = await cliWith({ env: { ...env, DATABASE_URL: db.url } }, ...args);
      expect(result.code, args.join(' ')).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^rollback-bot: DATABASE_URL .*: the database schema is at 002_tracking_and_alerts, this CLI needs ${newest} \\(missing .*\\): start the bot of this version once to migrate it$`,
        ),
      );
    }
    expect(await db.migrations()).toEqual(before);
  });

  it('refuses a newer schema in one line', async () => {
    const db = await databaseAt(dialect, 'future');
    const before = await db.migrations();
    const result = await cliWith({ env: { ...env, DATABASE_URL: db.url } }, 'history');
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^rollback-bot: DATABASE_URL .*: the database schema is at 999_from_a_later_version, newer than this CLI knows \(its newest is \d{3}_\w+\): use the rollback-bot CLI of the version the bot runs$/,
    );
    expect(await db.migrations()).toEqual(before);
  });
});

describe('rollback-bot CLI on an MLflow service', () => {
  it('prints status, versions and a plan from the registry, writing nothing', async () => {
    const mlflow = await startFakeMlflow({
      users: { reader: 'pw' },
      models: [
        {
          name: 'reco-ranker',
          versions: Array.from({ length: 5 }, (_, i) => ({
            tags: {
              validation_status: 'passed',
              ...(i + 1 === 3 ? { 'rollback_bot.champion_since': '2026-11-01T00:00:00Z' } : {}),
            },
          })),
          aliases: { champion: 5 },
        },
      ],
    });
    try {
      health.serve('reco-production', '5');
      const configPath = join(world.dir, 'mlflow.toml');
      writeFileSync(
        configPath,
        `[services.reco]
channel = "C0987654321"
source = "mlflow"
action = "registry_alias"
[services.reco.mlflow]
model = "reco-ranker"
[services.reco.approvers]
users = ["U0123456789"]
[[services.reco.environments]]
name = "production"
healthcheck_url = "${health.urlFor('reco-production')}"
`,
      );
      const mlEnv = {
        ...env,
        ROLLBACK_BOT_CONFIG: configPath,
        MLFLOW_TRACKING_URI: mlflow.url,
        MLFLOW_TRACKING_USERNAME: 'reader',
        MLFLOW_TRACKING_PASSWORD: 'pw',
      };
      const status = await cliWith({ env: mlEnv }, 'status');
      expect(status.stdout).toContain('Alias champion of reco-ranker: 5');
      expect(status.stdout).toContain('Last known good: 3');
      expect(status.code).toBe(0);
      const versions = await cliWith({ env: mlEnv }, 'versions', '3');
      expect(versions.stdout).toMatch(/^\s+3\s+3\s+.*champion.*safe$/m);
      expect(versions.stdout).toMatch(/^\s+4\s+.*never been `champion`/m);
      const plan = await cliWith({ env: mlEnv }, 'plan', 'previous');
      expect(plan.stdout).toContain('Change: MLflow alias champion of reco-ranker: 5 -> 3');
      expect(plan.code).toBe(0);
      expect(mlflow.count('POST', 'registered-models/alias')).toBe(0);
      // Without a URI anywhere, one line says what to set.
      const { MLFLOW_TRACKING_URI: _, ...noUri } = mlEnv;
      const refused = await cliWith({ env: noUri }, 'status');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('MLFLOW_TRACKING_URI is not set, and reco');
    } finally {
      await mlflow.close();
    }
  });
});
