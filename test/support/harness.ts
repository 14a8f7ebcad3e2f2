/**
 * Starts the whole outside world on local ports (Slack Web API, GitHub REST, S3, healthchecks), then the
 * bot itself with its real clients pointed at them. Tests talk to the bot only over HTTP.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { Octokit } from 'octokit';
import { afterEach } from 'vitest';
import { openStore } from '../../src/adapters/store/open.js';
import { createBot, type RollbackBot } from '../../src/app.js';
import { type BotConfig, parseBotConfig } from '../../src/config/botConfig.js';
import type { Store } from '../../src/ports/store.js';
import { type Level, type Logger, silentLogger } from '../../src/support/log.js';
import { type FakeGitHub, startFakeGitHub } from '../../world/github.js';
import { type FakeHealthchecks, startFakeHealthchecks } from '../../world/healthchecks.js';
import { type FakeS3, type FakeS3Object, loadBucketListing, startFakeS3 } from '../../world/s3.js';
import { type FakeSlack, startFakeSlack } from '../../world/slack/fake.js';
import { type FakeSocketMode, startFakeSocketMode } from '../../world/socketMode.js';
import { freshPostgresUrl } from './databases.js';
import { readFixture } from '../../world/fixtures.js';
import { blockActionsPayload, viewSubmissionPayload } from '../../world/slack/payloads.js';
import { type SlackHttpResult, sendInteraction, sendSlashCommand } from '../../world/slack/requests.js';
import { testCertificateFetcher } from '../../world/snsSign.js';
import { connectedWithin, type SocketDriver, socketDriver } from './socketEnvelopes.js';

export const SIGNING_SECRET = 'test-signing-secret';
/** App-level token (Socket Mode); the fake Slack opens connections only for this one. */
export const APP_TOKEN = 'xapp-1-A1-1-testtoken';
export const GITHUB_TOKEN = 'ghs_testtoken';
/** GitHub writes are tried 4 times: a test that wants a failure to stick fails the call this often. */
export const GITHUB_TEST_RETRY = { attempts: 4, baseDelayMs: 2, maxDelayMs: 50 } as const;
export const CHANNEL = 'CROLLBACK1';
export const REPO = 'example-org/fpo-search';
export const BUCKET = 'fpo-search-models';
export const USERS = {
  alice: 'UALICE0001',
  bob: 'UBOB000001',
  carol: 'UCAROL0001',
  mallory: 'UMALLORY01',
  /** An approver only through the on-call user group. */
  dave: 'UDAVE00001',
};
export const ONCALL_GROUP = 'SONCALL001';

export interface HarnessOptions {
  objects?: FakeS3Object[];
  /** Extra TOML appended inside [services.fpo-search]. */
  serviceToml?: string;
  botToml?: string;
  configFile?: { path: string; content: string; versionKey?: string };
  healthcheckTimeoutMs?: number;
  now?: () => Date;
  /** Sets GITHUB_WEBHOOK_SECRET; without it the bot polls PRs. */
  webhookSecret?: string;
  /** Seconds between tracking rounds (default: an hour, so tests drive rounds with trackNow()). */
  pollSeconds?: number;
  /** Points the bot's S3 client elsewhere (a server that hangs, an unresolvable host). */
  s3Endpoint?: string;
  /** Points the bot's GitHub client elsewhere. */
  githubUrl?: string;
  /** The bot's SLACK_BOT_TOKEN (default the workspace's own, `xoxb-test-token`). */
  slackToken?: string;
  /** Return as soon as the bot listens, without waiting for /readyz (readiness tests). */
  skipReady?: boolean;
  /** Default: a fresh SQLite file. */
  databaseUrl?: string;
  /**
   * Socket Mode: the bot gets `SLACK_APP_TOKEN` instead of a signing secret and connects to a fake
   * Socket Mode endpoint; drive it with `h.socket` instead of `h.command`/`h.click`.
   */
  socketMode?: boolean;
  /** Starts the admin listener too (ADMIN_PORT), on a free loopback port: `h.adminUrl`. */
  admin?: boolean;
  /** How long database-backed gauges are kept between scrapes (default: the bot's, 5000 ms). */
  metricsCacheMs?: number;
  /** The bot's logger and LOG_LEVEL (default: silent, error). */
  log?: Logger;
  logLevel?: Level;
  /** Changes the parsed config before the bot gets it (what validation would refuse, to test a bound behind it). */
  adjustConfig?: (config: BotConfig) => BotConfig;
}

export const TOPIC_ARN = 'arn:aws:sns:eu-west-2:111122223333:slack-topic';
export const ALERT_CHANNEL = 'CALERTS001';
export const ALARM = 'fpo-search-production-5xx';

export interface Harness {
  slack: FakeSlack;
  github: FakeGitHub;
  s3: FakeS3;
  health: FakeHealthchecks;
  bot: RollbackBot;
  store: Store;
  config: BotConfig;
  url: string;
  /** With `admin: true`: where the detailed /readyz and /metrics are. */
  adminUrl?: string;
  command(
    text: string,
    user?: string,
    responseId?: string,
  ): Promise<SlackHttpResult & { responseId: string }>;
  /** Presses a button on a message, as Slack sends it. */
  click(
    actionId: string,
    value: string,
    user: string,
    responseId?: string,
    where?: { channel?: string; messageTs?: string; threadTs?: string },
  ): Promise<SlackHttpResult & { responseId: string }>;
  /** Submits a modal as Slack does (view_submission). */
  submitView(
    view: { callback_id: string; private_metadata?: string },
    values: Record<string, Record<string, unknown>>,
    user: string,
  ): Promise<SlackHttpResult>;
  /** Socket Mode only (`socketMode: true`): delivers envelopes, like `command`/`click`/`submitView`. */
  socket: SocketDriver;
  /** Stops the bot and starts a new one on the same database, as a process restart would. */
  restart(): Promise<void>;
  /**
   * Starts another replica on the same database and fakes (PostgreSQL only: two SQLite connections in
   * one process would block each other). In Socket Mode it opens its own connection.
   */
  addReplica(): Promise<{ bot: RollbackBot; store: Store; url: string }>;
  /** SNS certificate downloads and subscription confirmations the bot made. */
  snsCertificateFetches: string[];
  snsConfirmations: string[];
  /** The fake Slack's user groups (id → members); change them to move people in or out. */
  usergroups: Record<string, string[]>;
  post(
    path: string,
    body: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

let responseCounter = 0;

/**
 * Waits until the bot answers /readyz with 200 and every probe has run once (Slack auth.test, GitHub,
 * S3), so their calls land before a test starts counting calls.
 */
export async function untilReady(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    last = res ? await res.text() : 'no answer';
    if (res?.status === 200 && !last.includes('not checked yet')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the bot did not become ready: ${last}`);
}

/** A fresh harness per test, closed after it: `const start = useHarness(); const h = await start(opts)`. */
export function useHarness(): (opts?: HarnessOptions) => Promise<Harness> {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (opts = {}) => {
    current = await startHarness(opts);
    return current;
  };
}

export function configToml(h: { health: FakeHealthchecks }, opts: HarnessOptions = {}): string {
  return `
[bot]
catalog_cache_seconds = 60
healthcheck_timeout_ms = ${opts.healthcheckTimeoutMs ?? 1000}
card_update_interval_ms = 0
sns_topic_arns = ["${TOPIC_ARN}"]
alert_message_channels = ["${ALERT_CHANNEL}"]
poll_seconds = ${opts.pollSeconds ?? 3600}
${opts.botToml ?? ''}

[services.fpo-search]
channel = "${CHANNEL}"
bucket = "${BUCKET}"
repo = "${REPO}"
config_path = "${opts.configFile?.path ?? 'search-config.toml'}"
version_key = "${opts.configFile?.versionKey ?? 'version'}"
alert_channel = "${ALERT_CHANNEL}"
alarm_names = ["${ALARM}"]
${opts.serviceToml ?? ''}

[services.fpo-search.approvers]
users = ["${USERS.bob}", "${USERS.carol}"]
usergroups = ["${ONCALL_GROUP}"]

[[services.fpo-search.environments]]
name = "development"
healthcheck_url = "${h.health.urlFor('development')}"
deploy_phase = "pull_request"

[[services.fpo-search.environments]]
name = "staging"
healthcheck_url = "${h.health.urlFor('staging')}"
deploy_phase = "merge"

[[services.fpo-search.environments]]
name = "production"
healthcheck_url = "${h.health.urlFor('production')}"
deploy_phase = "merge"
`;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const endpoint: FakeSocketMode | undefined = opts.socketMode ? await startFakeSocketMode() : undefined;
  const usergroups: Record<string, string[]> = { [ONCALL_GROUP]: [USERS.carol, USERS.dave] };
  const [slack, github, s3, health] = await Promise.all([
    startFakeSlack({
      botToken: 'xoxb-test-token',
      usergroups,
      ...(endpoint ? { socketMode: { endpoint, appToken: APP_TOKEN } } : {}),
    }),
    startFakeGitHub({
      token: GITHUB_TOKEN,
      repos: {
        [REPO]: {
          defaultBranch: 'main',
          files: {
            [opts.configFile?.path ?? 'search-config.toml']:
              opts.configFile?.content ?? readFixture('search-config.toml'),
          },
        },
      },
    }),
    startFakeS3({ bucket: BUCKET, objects: opts.objects ?? (await loadBucketListing()) }),
    startFakeHealthchecks(),
  ]);
  health.serve('development', '1.25.4-4b5c6d7', '5f4e3d2');
  health.serve('staging', '1.25.3-3a4b5c6', '9e8d7c6');
  health.serve('production', '1.25.3-3a4b5c6', '9e8d7c6');

  const parsed = parseBotConfig(configToml({ health }, opts), 'test.toml');
  const config = opts.adjustConfig ? opts.adjustConfig(parsed) : parsed;
  const certificates = testCertificateFetcher();
  const confirmations: string[] = [];
  // The workflow tests run once on each database (vitest.config.ts projects).
  const databaseUrl =
    opts.databaseUrl ??
    (process.env.HARNESS_DATABASE === 'postgres'
      ? await freshPostgresUrl()
      : `sqlite:${join(mkdtempSync(join(tmpdir(), 'rollback-bot-')), 'test.db')}`);

  async function boot(): Promise<{ bot: RollbackBot; store: Store; url: string; adminUrl?: string }> {
    const store = await openStore(databaseUrl);
    const octokit = new Octokit({
      auth: GITHUB_TOKEN,
      baseUrl: opts.githubUrl ?? github.url,
      retry: { enabled: false },
      throttle: { enabled: false },
    });
    const bot = createBot({
      config,
      env: {
        slackBotToken: opts.slackToken ?? 'xoxb-test-token',
        slack: endpoint
          ? { kind: 'socket', appToken: APP_TOKEN }
          : { kind: 'http', signingSecret: SIGNING_SECRET },
        slackApiUrl: slack.apiUrl,
        logLevel: opts.logLevel ?? 'error',
        githubWebhookSecret: opts.webhookSecret,
      },
      log: opts.log ?? silentLogger,
      s3: opts.s3Endpoint ? new S3Client({ ...s3.clientConfig(), endpoint: opts.s3Endpoint }) : s3.client(),
      octokit,
      store,
      now: opts.now,
      slackIdentity: { botId: 'BBOT', botUserId: 'UBOT' },
      slackRetries: 0,
      githubMinTimeMs: 0,
      // The production policy (4 tries), with waits short enough for a test.
      githubRetry: GITHUB_TEST_RETRY,
      // A reconnect waits this long; low enough for tests, high enough that a busy machine's pong is
      // never late (a missed pong makes the client reconnect on its own).
      socketPingTimeoutMs: 1000,
      ...(opts.admin ? { admin: { port: 0, host: '127.0.0.1' } } : {}),
      metricsCacheMs: opts.metricsCacheMs,
      sns: {
        fetchCertificate: certificates.fetch,
        confirmFetch: async (url: string) => {
          confirmations.push(url);
          return { status: 200, text: async () => '<ConfirmSubscriptionResponse/>' };
        },
      },
    });
    const port = await (endpoint ? connectedWithin(bot.start(0), slack, 5000) : bot.start(0));
    const url = `http://127.0.0.1:${port}`;
    const adminUrl = opts.admin ? `http://127.0.0.1:${bot.adminPort()}` : undefined;
    // Only the detailed /readyz says whether every probe has run.
    if (!opts.skipReady) await untilReady(adminUrl ?? url);
    return { bot, store, url, adminUrl };
  }

  const h = {
    slack,
    github,
    s3,
    health,
    config,
    ...(await boot()),
  } as unknown as Harness;
  // Tests count what the bot does for them, not its start-up probes (auth.test, the rate limit). In
  // Socket Mode the opening of the connection is itself under test, so Slack's record is kept.
  if (!opts.socketMode) slack.reset();
  github.reset();
  h.command = async (text, user = USERS.alice, responseId = `r${++responseCounter}`) => {
    const result = await sendSlashCommand(h.url, SIGNING_SECRET, {
      text,
      user_id: user,
      channel_id: CHANNEL,
      response_url: slack.responseUrl(responseId),
    });
    return { ...result, responseId };
  };
  h.click = async (actionId, value, user, responseId = `c${++responseCounter}`, where = {}) => {
    const payload = blockActionsPayload(
      { actionId, value, user, responseUrl: slack.responseUrl(responseId) },
      { ...where, channel: where.channel ?? CHANNEL },
    );
    const result = await sendInteraction(h.url, SIGNING_SECRET, payload);
    return { ...result, responseId };
  };
  h.submitView = (view, values, user) =>
    sendInteraction(h.url, SIGNING_SECRET, viewSubmissionPayload(view, values, user));
  if (endpoint) h.socket = socketDriver(endpoint, slack, { channel: CHANNEL, user: USERS.alice });
  h.snsCertificateFetches = certificates.calls;
  h.snsConfirmations = confirmations;
  h.usergroups = usergroups;
  h.post = async (path, body, headers = {}) => {
    const res = await fetch(`${h.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    return { status: res.status, body: await res.text() };
  };
  h.restart = async () => {
    await h.bot.stop();
    await h.store.close();
    Object.assign(h, await boot());
  };
  const replicas: Array<{ bot: RollbackBot; store: Store }> = [];
  h.addReplica = async () => {
    if (!databaseUrl.startsWith('postgres'))
      throw new Error('addReplica needs databaseUrl: a PostgreSQL URL');
    const replica = await boot();
    replicas.push(replica);
    return replica;
  };
  h.close = async () => {
    for (const r of [h, ...replicas]) {
      await r.bot.stop();
      await r.store.close();
    }
    await Promise.all([slack.close(), github.close(), s3.close(), health.close(), endpoint?.close()]);
  };
  return h;
}
