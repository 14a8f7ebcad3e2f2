#!/usr/bin/env node
/**
 * `rollback-bot status [service]`, `rollback-bot versions [service] [count]`: the read-only commands in
 * a terminal, for runbooks and for when Slack itself is down. Needs GitHub and AWS credentials only, read
 * from the environment or `./.env` like `npm start` (variables already set win).
 *
 * `rollback-bot plan [service] <version>` prints what a request would do, writing nothing.
 * `rollback-bot history [service] [count] [--json]` prints the audit trail from the bot's database; with
 * `--json`, the last entry of each request that ended carries its timeline.
 * `rollback-bot report <R-id> [--markdown | --json]` prints a postmortem draft of one request.
 * The bot's database is only read: never created nor migrated; a schema of another version is refused.
 *
 * Exit codes: 0 everything read (for plan: it would be accepted); 3 shown but some source could not be
 * read (for plan: it would be refused); 2 usage; 1 cannot run.
 */
// First: refuses an old Node.js in one line before any other import runs (better-sqlite3 would crash).
import './nodeVersion.js';
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClients } from './adapters/clients.js';
import { createConfigRepo } from './adapters/configRepo.js';
import { instrumentOctokit } from './adapters/github.js';
import { createHealthchecks } from './adapters/healthcheck.js';
import { createMlflowRegistries } from './adapters/mlflowRegistries.js';
import { createModelBucket } from './adapters/modelBucket.js';
import { openStore } from './adapters/store/open.js';
import { type BotConfig, findService, loadBotConfig } from './config/botConfig.js';
import { readEnv } from './config/env.js';
import { withoutTrackingUri } from './config/modelSource.js';
import { parseCommand } from './domain/command.js';
import { endsRequest } from './domain/lifecycle.js';
import { buildReport, buildTimeline, type Timeline } from './domain/timeline.js';
import type { StatusDeps } from './ports/models.js';
import type { AuditEntry, Store } from './ports/store.js';
import { createLogger } from './support/log.js';
import { redactText } from './support/secrets.js';
import { printable } from './terminal/printable.js';
import { renderPlan, renderStatus, renderVersions } from './terminal/render.js';
import { renderReportMarkdown } from './terminal/report.js';
import { makePlan } from './workflows/requestRollback.js';
import { getServiceStatus, versionTable } from './workflows/serviceStatus.js';

const USAGE = `Usage:
  rollback-bot status [service]
  rollback-bot versions [service] [count]
  rollback-bot plan [service] <version|previous>   (a dry run: prints the plan and diff)
  rollback-bot history [service] [count] [--json]   (the audit trail, oldest first; default 100 entries)
  rollback-bot report <R-id> [--markdown | --json]   (a postmortem draft: timeline, durations, links)
  rollback-bot help
Environment (or ./.env): ROLLBACK_BOT_CONFIG (default ./rollback-bot.toml), DATABASE_URL,
GITHUB_TOKEN (status, versions, plan), AWS credentials and AWS_REGION (status, versions, plan),
MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD (services with source = "mlflow").`;

const SUBCOMMANDS = ['status', 'versions', 'plan', 'history', 'report', 'help'];
/** Subcommands that read only the bot's database. */
const STORE_ONLY = ['history', 'report'];

/** The invocation as `node:util` reads it: the subcommand, its words, and its flags (`--json`, `--markdown`). */
export interface CliArgs {
  readonly sub: string;
  readonly words: readonly string[];
  readonly json: boolean;
  readonly markdown: boolean;
}

/** Unknown flags are refused here, in one place, with the usage; words are checked by each subcommand. */
export function readCliArgs(
  argv: readonly string[],
): { ok: true; args: CliArgs } | { ok: false; problem: string } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        json: { type: 'boolean' },
        markdown: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    const [sub = 'help', ...words] = values.help ? ['help'] : positionals;
    return {
      ok: true,
      args: { sub, words, json: values.json ?? false, markdown: values.markdown ?? false },
    };
  } catch (err) {
    return { ok: false, problem: (err as Error).message };
  }
}

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** What one CLI invocation may use; built by main() from the environment, by tests from fakes. */
export interface CliDeps {
  readonly status: StatusDeps;
  /** The bot's store when reachable, so plans see active requests and the cooldown. */
  readonly store: Store;
  readonly storeNote?: string;
}

/** `plan fpo-search 1.25.0` in the grammar of `/rollback to 1.25.0 fpo-search --dry-run`. */
function planArgs(args: readonly string[], config: BotConfig): string {
  const rest = args.slice(1);
  const service = rest.find((a) => config.services.some((s) => s.name === a));
  const others = rest.filter((a) => a !== service);
  return ['to', ...others.slice(0, 1), ...(service ? [service] : []), ...others.slice(1), '--dry-run'].join(
    ' ',
  );
}

/** Runs one CLI invocation against the given dependencies; returns the exit code. */
export async function runCli(
  args: readonly string[],
  config: BotConfig,
  deps: CliDeps,
  io: CliIo,
): Promise<number> {
  const text = args[0] === 'plan' ? planArgs(args, config) : args.join(' ');
  const parsed = parseCommand(text, config.services);
  if (!parsed.ok) {
    io.err(
      `${parsed.problem.replace(/\/rollback to/g, 'rollback-bot plan').replace(/\/rollback/g, 'rollback-bot')}\n${USAGE}\n`,
    );
    return 2;
  }
  const cmd = parsed.command;
  if (cmd.kind === 'help' || cmd.kind === 'modal') {
    io.out(`${USAGE}\nServices: ${config.services.map((s) => s.name).join(', ')}\n`);
    return cmd.kind === 'help' ? 0 : 2;
  }
  if (cmd.kind === 'to') {
    const service = findService(config, cmd.service);
    if (!service) return 2;
    const made = await makePlan(
      { status: deps.status, store: deps.store, now: () => new Date() },
      { service, target: cmd.target, force: false },
    );
    if (!made.ok) {
      io.err(`rollback-bot: cannot make a plan: ${made.problem}\n`);
      return 1;
    }
    io.out(renderPlan(service.name, made.plan));
    if (deps.storeNote) io.out(`Note: ${deps.storeNote}\n`);
    return made.plan.ok ? 0 : 3;
  }
  if (cmd.kind !== 'status' && cmd.kind !== 'versions') {
    io.err(`\`${cmd.kind}\` is a Slack-only command.\n${USAGE}\n`);
    return 2;
  }
  const service = findService(config, cmd.service);
  if (!service) return 2;
  const status = await getServiceStatus(deps.status, service);
  io.out(
    cmd.kind === 'status'
      ? renderStatus(status)
      : renderVersions(status, versionTable(status, cmd.count), cmd.count),
  );
  return status.unavailable.length > 0 ? 3 : 0;
}

/** `history [service] [count] [--json]`: the audit trail, whatever LOG_LEVEL the bot ran with. */
export async function runHistory(
  args: Pick<CliArgs, 'words' | 'json'>,
  config: BotConfig,
  store: Store,
  io: CliIo,
): Promise<number> {
  const { json, words: rest } = args;
  const service = rest.find((a) => config.services.some((s) => s.name === a));
  const others = rest.filter((a) => a !== service);
  const count = others.length === 0 ? 100 : Number(others[0]);
  if (others.length > 1 || !Number.isInteger(count) || count < 1 || count > 1_000_000) {
    io.err(
      `history takes a service (${config.services.map((s) => s.name).join(', ')}), a count and --json; got "${rest.join(' ')}".\n${USAGE}\n`,
    );
    return 2;
  }
  const entries = await store.auditTrail(service, count);
  if (json) {
    const timelines = await timelinesOf(store, entries);
    entries.forEach((e, i) => {
      const timeline = timelines.get(i);
      io.out(`${JSON.stringify({ ...e, at: e.at.toISOString(), ...(timeline ? { timeline } : {}) })}\n`);
    });
    return 0;
  }
  if (entries.length === 0) io.out(`No audit entries${service ? ` for ${service}` : ''}.\n`);
  for (const e of entries) {
    const who = e.actor ? ` ${e.actor}${e.actorName ? ` (${e.actorName})` : ''}` : '';
    const detail = Object.keys(e.detail).length ? ` ${JSON.stringify(e.detail)}` : '';
    io.out(`${e.at.toISOString()}  ${e.service}  ${e.requestId ?? '-'}  ${e.kind}${who}${detail}\n`);
  }
  return 0;
}

/** For each request that ended, its timeline, on the index of its last entry among `entries`. */
async function timelinesOf(store: Store, entries: readonly AuditEntry[]): Promise<Map<number, Timeline>> {
  const last = new Map<string, number>();
  entries.forEach((e, i) => {
    if (e.requestId) last.set(e.requestId, i);
  });
  const out = new Map<number, Timeline>();
  for (const [id, index] of last) {
    const request = await store.getRequest(id);
    if (request && endsRequest(request.state)) {
      out.set(index, buildTimeline(request, await store.events(id)));
    }
  }
  return out;
}

/** `report <R-id> [--markdown | --json]`: the postmortem draft of one request. */
export async function runReport(
  args: Pick<CliArgs, 'words' | 'json' | 'markdown'>,
  store: Store,
  io: CliIo,
): Promise<number> {
  const [id, ...rest] = args.words;
  if (!id || rest.length > 0 || (args.json && args.markdown)) {
    io.err(`report takes one request id (R-XXXX) and --markdown (the default) or --json.\n${USAGE}\n`);
    return 2;
  }
  const request = await store.getRequest(id.toUpperCase());
  if (!request) {
    io.err(`rollback-bot: there is no request ${id} in the bot's database\n`);
    return 1;
  }
  const report = buildReport(request, await store.events(request.id));
  io.out(args.json ? `${JSON.stringify(report, null, 2)}\n` : renderReportMarkdown(report));
  if (!endsRequest(request.state) && !args.json) {
    io.err(`Note: ${request.id} has not ended (it is ${request.state}); the draft shows it so far.\n`);
  }
  return 0;
}

async function main(): Promise<number> {
  // Everything printed quotes outside text somewhere; the terminal must show it, not obey it.
  const io: CliIo = {
    out: (t) => process.stdout.write(printable(t)),
    err: (t) => process.stderr.write(printable(t)),
  };
  const read = readCliArgs(process.argv.slice(2));
  if (!read.ok) {
    io.err(`rollback-bot: ${read.problem}\n${USAGE}\n`);
    return 2;
  }
  const { sub, words, json, markdown } = read.args;
  // Help and a mistyped subcommand need no credentials: answer them before reading anything.
  if (sub === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (json && !STORE_ONLY.includes(sub)) {
    io.err(`rollback-bot: --json is for \`history\` and \`report\` only.\n${USAGE}\n`);
    return 2;
  }
  if (markdown && sub !== 'report') {
    io.err(`rollback-bot: --markdown is for \`report\` only.\n${USAGE}\n`);
    return 2;
  }
  if (!SUBCOMMANDS.includes(sub)) {
    io.err(`Unknown subcommand \`${sub}\`. Try one of: ${SUBCOMMANDS.join(', ')}.\n${USAGE}\n`);
    return 2;
  }
  // The CLI is what operators reach for when Slack is down: it reads .env like `npm start` does.
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    const storeOnly = STORE_ONLY.includes(sub);
    const env = readEnv(process.env, { slack: false, github: !storeOnly });
    const log = createLogger(env.logLevel === 'debug' ? 'debug' : 'error');
    const config = await loadBotConfig(env.configPath);
    const noUri = withoutTrackingUri(config.services, env.mlflow.trackingUri);
    if (noUri.length > 0 && !storeOnly) {
      io.err(
        `rollback-bot: MLFLOW_TRACKING_URI is not set, and ${noUri.join(', ')} (source = "mlflow") name no tracking_uri\n`,
      );
      return 1;
    }
    // Read the bot's database only if it exists: a CLI run must never create one by accident.
    const dbPath = env.databaseUrl.replace(/^sqlite:/, '');
    const haveDb = !env.databaseUrl.startsWith('sqlite:') || existsSync(dbPath);
    if (storeOnly) {
      if (!haveDb) {
        io.err(`rollback-bot: no bot database at ${dbPath}: set DATABASE_URL to the bot's database\n`);
        return 1;
      }
      const store = await openStore(env.databaseUrl, { migrate: false });
      try {
        return sub === 'report'
          ? await runReport({ words, json, markdown }, store, io)
          : await runHistory({ words, json }, config, store, io);
      } finally {
        await store.close();
      }
    }
    const { s3, octokit } = await createClients(env, config, log);
    // The bot's database is read as it is, never migrated (a CLI run must not change production's
    // schema under the bot); without one, an empty in-memory store stands in.
    const store = haveDb
      ? await openStore(env.databaseUrl, { migrate: false })
      : await openStore('sqlite::memory:');
    const status: StatusDeps = {
      bucket: createModelBucket(s3, {
        cacheSeconds: 0,
        timeoutMs: config.timeouts.s3Ms,
        listingTimeoutMs: config.listing.timeoutSeconds * 1000,
        maxKeys: config.listing.maxKeys,
      }),
      healthchecks: createHealthchecks({ timeoutMs: config.healthcheckTimeoutMs }),
      configRepo: createConfigRepo(instrumentOctokit(octokit, { timeoutMs: config.timeouts.githubMs })),
      rolledBackFrom: (name) => store.rolledBackFrom(name),
      registries: createMlflowRegistries({ env: env.mlflow, cacheSeconds: 0 }),
      aliasHistory: (name, alias) => store.aliasHistory(name, alias),
    };
    const storeNote = haveDb
      ? undefined
      : `no bot database at ${dbPath}: active requests and the cooldown were not checked`;
    try {
      return await runCli([sub, ...words], config, { status, store, storeNote }, io);
    } finally {
      await store.close();
    }
  } catch (err) {
    io.err(`rollback-bot: ${redactText((err as Error).message)}\n`);
    return 1;
  }
}

// Only run when executed (directly or through the npm bin link), not when imported by tests.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code));
}
