/**
 * Starts the whole outside world on local ports (world/start.ts: Slack Web API, GitHub REST, S3,
 * healthchecks), then the bot itself with its real clients pointed at them. Tests talk to the bot only
 * over HTTP.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { Octokit } from 'octokit';
import { afterEach } from 'vitest';
import { createSnsPublisher } from '../../src/adapters/snsPublish.js';
import { openStore } from '../../src/adapters/store/open.js';
import { createBot, type RollbackBot } from '../../src/app.js';
import { type BotConfig, parseBotConfig } from '../../src/config/botConfig.js';
import type { MlflowEnv } from '../../src/config/env.js';
import type { Store } from '../../src/ports/store.js';
import { type Level, type Logger, silentLogger } from '../../src/support/log.js';
import type { FakeGitHub } from '../../world/github.js';
import type { FakeHealthchecks } from '../../world/healthchecks.js';
import type { FakeMlflow, StartFakeMlflowOptions } from '../../world/mlflow.js';
import {
  APP_TOKEN,
  BOT_TOKEN,
  BUCKET,
  CHANNEL,
  configRepo,
  configToml,
  GITHUB_TOKEN,
  ONCALL_GROUP,
  REPO,
  type ReferenceConfigOptions,
  SIGNING_SECRET,
  START_STATE,
  USERS,
} from '../../world/reference.js';
import type { FakeS3, FakeS3Object } from '../../world/s3.js';
import type { FakeSlack } from '../../world/slack/fake.js';
import type { SlackUser } from '../../world/slack/model.js';
import { blockActionsPayload, viewSubmissionPayload } from '../../world/slack/payloads.js';
import { type SlackHttpResult, sendInteraction, sendSlashCommand } from '../../world/slack/requests.js';
import type { FakeSnsPublish } from '../../world/snsPublish.js';
import { startLocalWorld } from '../../world/start.js';
import { freshPostgresUrl } from './databases.js';
import { connectedWithin, type SocketDriver, socketDriver } from './socketEnvelopes.js';

// The reference deployment's names, for the tests that import them from here.
export {
  ALARM,
  ALERT_CHANNEL,
  APP_TOKEN,
  BUCKET,
  CHANNEL,
  configToml,
  GITHUB_TOKEN,
  ONCALL_GROUP,
  REPO,
  SIGNING_SECRET,
  TOPIC_ARN,
  USERS,
} from '../../world/reference.js';

/** The GitHub App the bot is with `githubApp: true`: its installation token, slug and id. */
export const GITHUB_APP = { token: 'ghs_apptoken', slug: 'rollback-bot-app', id: 424242 } as const;
export const GITHUB_APP_LOGIN = `${GITHUB_APP.slug}[bot]`;

/** GitHub writes are tried 4 times: a test that wants a failure to stick fails the call this often. */
export const GITHUB_TEST_RETRY = { attempts: 4, baseDelayMs: 2, maxDelayMs: 50 } as const;

export interface HarnessOptions extends ReferenceConfigOptions {
  objects?: FakeS3Object[];
  now?: () => Date;
  /** Sets GITHUB_WEBHOOK_SECRET; without it the bot polls PRs. */
  webhookSecret?: string;
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
  /** MLFLOW_TRACKING_* as the bot reads them. */
  mlflowEnv?: MlflowEnv;
  /** People the local Slack knows (guests, other workspaces' members); others read as members. */
  slackUsers?: readonly SlackUser[];
  /** Starts the MLflow stand-in too (`h.mlflow`; its URL is given to `extraToml`). */
  mlflow?: StartFakeMlflowOptions;
  /**
   * The bot is a GitHub App (`GITHUB_APP_ID`): it calls with the world's app installation token, its
   * login is `GITHUB_APP_LOGIN`, and `model-pin` is a check run (else a commit status).
   */
  githubApp?: boolean;
  /** Changes the parsed config before the bot gets it (what validation would refuse, to test a bound behind it). */
  adjustConfig?: (config: BotConfig) => BotConfig;
}

export interface Harness {
  slack: FakeSlack;
  /** With `mlflow` in the options. */
  mlflow?: FakeMlflow;
  github: FakeGitHub;
  s3: FakeS3;
  health: FakeHealthchecks;
  /** SNS's Publish: what the bot published (`[notify] sns_topic_arn`). */
  snsPublish: FakeSnsPublish;
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
    /** Where it is typed (default the fpo-search channel). */
    channel?: string,
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

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const world = await startLocalWorld({
    slack: {
      botToken: BOT_TOKEN,
      usergroups: { [ONCALL_GROUP]: [USERS.carol, USERS.dave] },
      ...(opts.slackUsers ? { users: opts.slackUsers } : {}),
    },
    ...(opts.socketMode ? { socketMode: { appToken: APP_TOKEN } } : {}),
    github: { token: GITHUB_TOKEN, repos: { [REPO]: configRepo(opts.configFile) }, app: GITHUB_APP },
    s3: { bucket: BUCKET, ...(opts.objects ? { objects: opts.objects } : {}) },
    healthchecks: { serve: START_STATE },
    sns: {},
    snsPublish: {},
    ...(opts.mlflow ? { mlflow: opts.mlflow } : {}),
  });
  const { slack, github, s3, healthchecks: health, socketMode: endpoint, mlflow, snsPublish } = world;

  const parsed = parseBotConfig(configToml({ health, mlflow }, opts), 'test.toml');
  const config = opts.adjustConfig ? opts.adjustConfig(parsed) : parsed;
  const certificates = world.sns.certificates;
  const confirmations: string[] = [];
  // The workflow tests run once on each database (vitest.config.ts projects).
  const databaseUrl =
    opts.databaseUrl ??
    (process.env.HARNESS_DATABASE === 'postgres'
      ? await freshPostgresUrl()
      : `sqlite:${join(mkdtempSync(join(tmpdir(), 'rollback-bot-')), 'test.db')}`);

  async function boot(): Promise<{ bot: RollbackBot; store: Store; url: string; adminUrl?: string }> {
    const store = await openStore(databaseUrl, { now: opts.now });
    const octokit = new Octokit({
      auth: opts.githubApp ? GITHUB_APP.token : GITHUB_TOKEN,
      baseUrl: opts.githubUrl ?? github.url,
      retry: { enabled: false },
      throttle: { enabled: false },
    });
    const bot = createBot({
      config,
      env: {
        slackBotToken: opts.slackToken ?? BOT_TOKEN,
        slack: endpoint
          ? { kind: 'socket', appToken: APP_TOKEN }
          : { kind: 'http', signingSecret: SIGNING_SECRET },
        slackApiUrl: slack.apiUrl,
        logLevel: opts.logLevel ?? 'error',
        githubWebhookSecret: opts.webhookSecret,
        mlflow: opts.mlflowEnv,
      },
      log: opts.log ?? silentLogger,
      s3: opts.s3Endpoint ? new S3Client({ ...s3.clientConfig(), endpoint: opts.s3Endpoint }) : s3.client(),
      octokit,
      store,
      now: opts.now,
      slackIdentity: { botId: 'BBOT', botUserId: 'UBOT' },
      slackRetries: 0,
      githubMinTimeMs: 0,
      homePublishIntervalMs: 0,
      ...(opts.githubApp ? { githubApp: true, githubLogin: GITHUB_APP_LOGIN } : {}),
      // The production policy (4 tries), with waits short enough for a test.
      githubRetry: GITHUB_TEST_RETRY,
      // A reconnect waits this long; low enough for tests, high enough that a busy machine's pong is
      // never late (a missed pong makes the client reconnect on its own).
      socketPingTimeoutMs: 1000,
      ...(opts.admin ? { admin: { port: 0, host: '127.0.0.1' } } : {}),
      metricsCacheMs: opts.metricsCacheMs,
      snsPublisher: createSnsPublisher({
        timeoutMs: config.timeouts.snsMs,
        clientConfig: {
          endpoint: snsPublish.url,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        },
      }),
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
    mlflow,
    snsPublish,
    config,
    ...(await boot()),
  } as unknown as Harness;
  // Tests count what the bot does for them, not its start-up probes (auth.test, the rate limit). In
  // Socket Mode the opening of the connection is itself under test, so Slack's record is kept.
  if (!opts.socketMode) slack.reset();
  github.reset();
  h.command = async (text, user = USERS.alice, responseId = `r${++responseCounter}`, channel = CHANNEL) => {
    const result = await sendSlashCommand(h.url, SIGNING_SECRET, {
      text,
      user_id: user,
      channel_id: channel,
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
  h.usergroups = slack.workspace.members;
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
    await world.close();
  };
  return h;
}
