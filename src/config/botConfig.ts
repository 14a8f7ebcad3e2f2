/**
 * The bot's own TOML file: services, their bucket, repo, environments and approvers.
 * Parsed with smol-toml and validated into typed objects; see rollback-bot.example.toml.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'smol-toml';
import { ConfigError, Reader } from './reader.js';
import { CHANNEL_ID, readService, type ServiceConfig } from './service.js';

export {
  DEFAULT_TITLE_TEMPLATE,
  type DeployPhase,
  type EnvironmentConfig,
  type MlflowConfig,
  type ModelSourceKind,
  type RollbackAction,
  type ServiceConfig,
  TITLE_PLACEHOLDERS,
} from './service.js';

export interface BotConfig {
  readonly file: string;
  readonly catalogCacheSeconds: number;
  readonly healthcheckTimeoutMs: number;
  /** Spacing of chat.update calls (Slack allows about 50 a minute). */
  readonly cardUpdateIntervalMs: number;
  readonly usergroupCacheSeconds: number;
  readonly expirySweepSeconds: number;
  /** Time bounds of outside calls (each request; healthchecks above). */
  readonly timeouts: {
    readonly githubMs: number;
    readonly s3Ms: number;
    readonly slackMs: number;
    /** One SNS Publish of an outcome (`[notify] sns_topic_arn`). */
    readonly snsMs: number;
  };
  /** Bounds on one bucket listing as a whole (s3Ms bounds each page). */
  readonly listing: { readonly maxKeys: number; readonly timeoutSeconds: number };
  /** Several replicas: the background lease, and how long an unconfirmed post or card waits for repair. */
  readonly replicas: {
    readonly leaseTtlSeconds: number;
    /** Each process writes a heartbeat this often; it counts as dead 3 intervals after its last one. */
    readonly heartbeatSeconds: number;
    readonly repairAfterSeconds: number;
    /** Attempts at a thread post or a card before giving up (permanent Slack errors: at most 3). */
    readonly slackMaxAttempts: number;
    readonly dedupRetentionHours: number;
    /** Refusals and dry runs (audit rows of no request) and alert threads are kept this long. */
    readonly auditRetentionDays: number;
  };
  /** On SIGTERM: keep serving this long while load balancers see /readyz fail, then drain within the bound. */
  readonly shutdown: { readonly drainDelaySeconds: number; readonly timeoutSeconds: number };
  readonly sns: { readonly topicArns: readonly string[]; readonly autoConfirm: boolean };
  /** Channels where other tools post alert messages the bot should answer. */
  readonly alertMessageChannels: readonly string[];
  /**
   * Integrations (Slack bot ids, `B…`) whose messages count as alerts; empty: any integration. A person's
   * message never counts, whatever it says.
   */
  readonly alertMessageBots: readonly string[];
  readonly tracking: {
    /** How often active rollbacks are checked (healthchecks; the PR too without webhooks). */
    readonly pollSeconds: number;
    /** Consecutive healthcheck reads of the target before an environment counts as verified. */
    readonly consecutiveReads: number;
    readonly timeoutMinutes: number;
  };
  readonly services: readonly ServiceConfig[];
  /** Per person: at most `count` requests that got a card in any `windowMinutes` (sliding). */
  readonly requestsPerPerson: { readonly count: number; readonly windowMinutes: number };
}

/** What `$VAR` references in the config (golden check headers) are read from. */
export type ConfigEnvironment = Readonly<Record<string, string | undefined>>;

export async function loadBotConfig(
  file: string,
  environment: ConfigEnvironment = process.env,
): Promise<BotConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [
      `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); set ROLLBACK_BOT_CONFIG or copy rollback-bot.example.toml to ./rollback-bot.toml`,
    ]);
  }
  return parseBotConfig(text, file, environment);
}

export function parseBotConfig(
  text: string,
  file = 'rollback-bot.toml',
  environment: ConfigEnvironment = process.env,
): BotConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid TOML: ${(err as Error).message}`]);
  }
  const problems: string[] = [];
  const root = new Reader(doc, '', problems);
  const bot = root.table('bot', { optional: true });
  const catalogCacheSeconds = bot.number('catalog_cache_seconds', { default: 60, min: 0, max: 3600 });
  const healthcheckTimeoutMs = bot.number('healthcheck_timeout_ms', {
    default: 3000,
    min: 100,
    max: 60_000,
    integer: true,
  });
  const cardUpdateIntervalMs = bot.number('card_update_interval_ms', {
    default: 1200,
    min: 0,
    max: 60_000,
    integer: true,
  });
  const usergroupCacheSeconds = bot.number('usergroup_cache_seconds', { default: 60, min: 0, max: 300 });
  const expirySweepSeconds = bot.number('expiry_sweep_seconds', { default: 30, min: 0.05, max: 3600 });
  const ms = (key: string, fallback: number) =>
    bot.number(key, { default: fallback, min: 100, max: 120_000, integer: true });
  const timeouts = {
    githubMs: ms('github_timeout_ms', 5000),
    s3Ms: ms('s3_timeout_ms', 5000),
    slackMs: ms('slack_timeout_ms', 10_000),
    snsMs: ms('sns_timeout_ms', 5000),
  };
  const listing = {
    maxKeys: bot.number('max_listing_keys', {
      default: 1_000_000,
      min: 1000,
      max: 100_000_000,
      integer: true,
    }),
    timeoutSeconds: bot.number('listing_timeout_seconds', { default: 300, min: 1, max: 3600 }),
  };
  const replicas = {
    leaseTtlSeconds: bot.number('lease_ttl_seconds', { default: 30, min: 0.5, max: 600 }),
    heartbeatSeconds: bot.number('heartbeat_seconds', { default: 2, min: 0.1, max: 60 }),
    repairAfterSeconds: bot.number('repair_after_seconds', { default: 60, min: 0, max: 3600 }),
    slackMaxAttempts: bot.number('slack_max_attempts', { default: 8, min: 1, max: 100, integer: true }),
    dedupRetentionHours: bot.number('dedup_retention_hours', { default: 72, min: 1, max: 24 * 90 }),
    auditRetentionDays: bot.number('audit_retention_days', { default: 90, min: 1, max: 3650 }),
  };
  const shutdown = {
    drainDelaySeconds: bot.number('drain_delay_seconds', { default: 5, min: 0, max: 120 }),
    timeoutSeconds: bot.number('shutdown_timeout_seconds', { default: 25, min: 1, max: 600 }),
  };
  const sns = {
    topicArns: bot.strings('sns_topic_arns', {
      pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/,
      hint: 'SNS topic ARNs',
    }),
    autoConfirm: bot.boolean('sns_auto_confirm', true),
  };
  const alertMessageChannels = bot.strings('alert_message_channels', {
    pattern: CHANNEL_ID,
    hint: 'Slack channel IDs',
  });
  const alertMessageBots = bot.strings('alert_message_bots', {
    pattern: /^B[A-Z0-9]{2,}$/,
    hint: 'Slack bot IDs like "B0123456789" (the bot_id of the alerting integration)',
  });
  const requestsPerPerson = {
    count: bot.number('requests_per_person', { default: 5, min: 1, max: 1000, integer: true }),
    windowMinutes: bot.number('requests_window_minutes', { default: 10, min: 1, max: 24 * 60 }),
  };
  const tracking = {
    pollSeconds: bot.number('poll_seconds', { default: 30, min: 0.05, max: 3600 }),
    consecutiveReads: bot.number('verify_consecutive_reads', { default: 2, min: 1, max: 100, integer: true }),
    timeoutMinutes: bot.number('verify_timeout_minutes', { default: 45, min: 1, max: 24 * 60 }),
  };
  bot.rejectUnknown();

  const services = root.has('services')
    ? root
        .table('services')
        .entries()
        .map(([name, r]) => readService(name, r, environment))
    : [];
  if (root.has('services') && services.length === 0)
    root.problem('services', 'expected at least one service');
  if (!root.has('services')) root.problem('services', 'expected at least one [services.<name>] table');
  root.rejectUnknown();

  if (problems.length > 0) throw new ConfigError(file, problems);
  return {
    file,
    catalogCacheSeconds,
    healthcheckTimeoutMs,
    cardUpdateIntervalMs,
    usergroupCacheSeconds,
    expirySweepSeconds,
    timeouts,
    listing,
    replicas,
    shutdown,
    sns,
    alertMessageChannels,
    alertMessageBots,
    tracking,
    services,
    requestsPerPerson,
  };
}

export function findService(config: BotConfig, name: string): ServiceConfig | undefined {
  return config.services.find((s) => s.name === name);
}
