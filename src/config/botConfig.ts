/**
 * The bot's own TOML file: services, their bucket, repo, environments and approvers.
 * Parsed with smol-toml and validated into typed objects; see rollback-bot.example.toml.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'smol-toml';
import { DEFAULT_ITERATION_PATTERN, type IterationNaming } from '../domain/iterations.js';
import { ConfigError, Reader } from './reader.js';
import { backtrackingRisk } from './regexSafety.js';

export type DeployPhase = 'pull_request' | 'merge';

export interface EnvironmentConfig {
  readonly name: string;
  readonly healthcheckUrl: string;
  readonly deployPhase: DeployPhase;
}

export interface ServiceConfig {
  readonly name: string;
  readonly channel: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly naming: IterationNaming;
  readonly iterationPattern: string;
  readonly repo: { readonly owner: string; readonly name: string };
  readonly configPath: string;
  /** Dotted key path split into segments, e.g. `model.version` → ['model', 'version']. */
  readonly versionKey: readonly string[];
  /** Undefined: the repository's default branch. */
  readonly baseBranch?: string;
  /** In order; the last one is "the live model" (production). */
  readonly environments: readonly EnvironmentConfig[];
  /** Environments deployed from the base branch: reaching one protects an iteration from GC. */
  readonly promotedEnvironments: readonly string[];
  readonly approvers: { readonly users: readonly string[]; readonly usergroups: readonly string[] };
  readonly approvalsRequired: number;
  readonly cooldownHours: number;
  readonly requestTtlMinutes: number;
  /** Where alert cards go (default: `channel`). */
  readonly alertChannel: string;
  /** "offer": reply to an alarm with a button; "request": open the pending request at once. */
  readonly onAlarm: 'offer' | 'request';
  readonly alarmNames: readonly string[];
  readonly alarmPatterns: readonly RegExp[];
  readonly pr: {
    readonly labels: readonly string[];
    readonly titleTemplate: string;
    readonly branchPrefix: string;
  };
}

export interface BotConfig {
  readonly file: string;
  readonly catalogCacheSeconds: number;
  readonly healthcheckTimeoutMs: number;
  /** Spacing of chat.update calls (Slack allows about 50 a minute). */
  readonly cardUpdateIntervalMs: number;
  readonly usergroupCacheSeconds: number;
  readonly expirySweepSeconds: number;
  /** Time bounds of outside calls (each request; healthchecks above). */
  readonly timeouts: { readonly githubMs: number; readonly s3Ms: number; readonly slackMs: number };
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
}

export const TITLE_PLACEHOLDERS = ['service', 'version', 'iteration', 'from', 'reason', 'request'] as const;
export const DEFAULT_TITLE_TEMPLATE = 'fix(model): roll back {service} to {version}';

const SERVICE_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;
const USER_ID = /^[UW][A-Z0-9]{6,}$/;
const USERGROUP_ID = /^S[A-Z0-9]{6,}$/;
const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const KEY_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export async function loadBotConfig(file: string): Promise<BotConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [
      `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); set ROLLBACK_BOT_CONFIG or copy rollback-bot.example.toml to ./rollback-bot.toml`,
    ]);
  }
  return parseBotConfig(text, file);
}

export function parseBotConfig(text: string, file = 'rollback-bot.toml'): BotConfig {
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
        .map(([name, r]) => readService(name, r))
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
  };
}

function readService(name: string, r: Reader): ServiceConfig {
  if (!SERVICE_NAME.test(name)) {
    r.problem(
      '',
      'service names are lowercase letters, digits, ".", "_" and "-" (they are typed in commands)',
    );
  }
  const channel = r.string('channel', { pattern: CHANNEL_ID, hint: 'a Slack channel ID like "C0123456789"' });
  const bucket = r.string('bucket');
  const prefix = r.string('prefix', { default: '', allowEmpty: true });
  if (prefix !== '' && !prefix.endsWith('/')) r.problem('prefix', 'expected a key prefix ending in "/"');

  const iterationPattern = r.string('iteration_pattern', { default: DEFAULT_ITERATION_PATTERN });
  let pattern = /$^/;
  try {
    pattern = new RegExp(iterationPattern);
    if (!iterationPattern.includes('(?<version>')) {
      r.problem('iteration_pattern', 'expected a regular expression with a named group (?<version>…)');
    }
    refuseSlowPattern(r, 'iteration_pattern', iterationPattern);
  } catch (err) {
    r.problem('iteration_pattern', `expected a regular expression: ${(err as Error).message}`);
  }

  const repo = r.string('repo', { pattern: REPO, hint: 'a GitHub repository like "org/name"' });
  const [owner = '', repoName = ''] = repo.split('/');
  const configPath = r.string('config_path', {
    hint: 'the config file path in the repo, e.g. "search-config.toml"',
  });
  const versionKey = r.string('version_key', {
    default: 'version',
    pattern: KEY_PATH,
    hint: 'a dotted key path',
  });
  const baseBranch = r.optionalString('base_branch');

  const environments = r.tables('environments').map((e) => {
    const env: EnvironmentConfig = {
      name: e.string('name', { pattern: /^[a-z0-9_-]+$/, hint: 'an environment name like "production"' }),
      healthcheckUrl: e.string('healthcheck_url', { pattern: /^https?:\/\/\S+$/, hint: 'an http(s) URL' }),
      deployPhase: e.oneOf('deploy_phase', ['pull_request', 'merge'] as const),
    };
    e.rejectUnknown();
    return env;
  });
  const names = environments.map((e) => e.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) r.problem('environments', `environment "${duplicate}" is listed twice`);

  const approversTable = r.table('approvers');
  const approvers = {
    users: approversTable.strings('users', { pattern: USER_ID, hint: 'Slack user IDs like "U0123456789"' }),
    usergroups: approversTable.strings('usergroups', {
      pattern: USERGROUP_ID,
      hint: 'Slack user group IDs like "S0123456789"',
    }),
  };
  approversTable.rejectUnknown();
  if (approvers.users.length === 0 && approvers.usergroups.length === 0) {
    r.problem('approvers', 'expected at least one user or user group: nobody could approve a rollback');
  }

  const prTable = r.table('pr', { optional: true });
  const pr = {
    labels: prTable.strings('labels', { default: ['rollback'] }),
    titleTemplate: prTable.string('title_template', { default: DEFAULT_TITLE_TEMPLATE }),
    branchPrefix: prTable.string('branch_prefix', { default: 'rollback/', pattern: /^[A-Za-z0-9._/-]*$/ }),
  };
  for (const placeholder of pr.titleTemplate.match(/\{[^}]*\}/g) ?? []) {
    const inner = placeholder.slice(1, -1);
    if (!(TITLE_PLACEHOLDERS as readonly string[]).includes(inner)) {
      prTable.problem(
        'title_template',
        `unknown placeholder ${placeholder}; expected ${TITLE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      );
    }
  }
  prTable.rejectUnknown();

  const alarmPatterns: RegExp[] = [];
  for (const [i, p] of r.strings('alarm_patterns').entries()) {
    try {
      alarmPatterns.push(new RegExp(p));
      refuseSlowPattern(r, `alarm_patterns[${i}]`, p);
    } catch (err) {
      r.problem(`alarm_patterns[${i}]`, `expected a regular expression: ${(err as Error).message}`);
    }
  }
  const service: ServiceConfig = {
    name,
    channel,
    bucket,
    prefix,
    naming: { pattern },
    iterationPattern,
    repo: { owner, name: repoName },
    configPath,
    versionKey: versionKey.split('.'),
    baseBranch,
    environments,
    promotedEnvironments: environments.filter((e) => e.deployPhase === 'merge').map((e) => e.name),
    approvers,
    approvalsRequired: r.number('approvals_required', { default: 1, min: 1, max: 10, integer: true }),
    cooldownHours: r.number('cooldown_hours', { default: 24, min: 0, max: 24 * 30 }),
    requestTtlMinutes: r.number('request_ttl_minutes', { default: 60, min: 1, max: 24 * 60, integer: true }),
    alertChannel: r.string('alert_channel', {
      default: channel,
      pattern: CHANNEL_ID,
      hint: 'a Slack channel ID',
    }),
    onAlarm: r.oneOf('on_alarm', ['offer', 'request'] as const, 'offer'),
    alarmNames: r.strings('alarm_names'),
    alarmPatterns,
    pr,
  };
  if (environments.length > 0 && service.promotedEnvironments.length === 0) {
    r.problem(
      'environments',
      'expected at least one environment with deploy_phase = "merge" (deployed from main)',
    );
  }
  r.rejectUnknown();
  return service;
}

/**
 * Patterns run on outside text (commands, healthchecks, alarm names) before Slack's 3-second ack; one
 * that can backtrack for minutes would freeze every replica that loads it, so it is refused here.
 */
function refuseSlowPattern(r: Reader, key: string, source: string): void {
  const risk = backtrackingRisk(source);
  if (risk) {
    r.problem(
      key,
      `refused: the pattern can take super-linear time on outside text (${risk}); rewrite it so each character can be matched only one way, e.g. \\d+(?:\\.\\d+)* rather than (\\d+\\.?)+`,
    );
  }
}

export function findService(config: BotConfig, name: string): ServiceConfig | undefined {
  return config.services.find((s) => s.name === name);
}
