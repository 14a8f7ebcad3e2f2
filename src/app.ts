/**
 * Composition root: builds every adapter from its client, wires the listeners and routes, and returns
 * a bot that can start, report its readiness and drain. Clients are injected so tests and the demo point
 * them at local servers; everything else (time bounds, metrics, leases) is the same as production.
 */

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import type { App } from '@slack/bolt';
import type { Octokit } from 'octokit';
import { createConfigRepo } from './adapters/configRepo.js';
import { instrumentOctokit } from './adapters/github.js';
import type { RetryPolicy } from './adapters/githubRetry.js';
import { createGoldenRequests } from './adapters/golden.js';
import { createHealthchecks } from './adapters/healthcheck.js';
import { type BotMetrics, createMetrics } from './adapters/metrics.js';
import { createMlflowRegistries } from './adapters/mlflowRegistries.js';
import { createModelBucket } from './adapters/modelBucket.js';
import { createPinChecks } from './adapters/pinChecks.js';
import { createPullRequests } from './adapters/pullRequests.js';
import { createSlackDirectory } from './adapters/slackDirectory.js';
import { createSnsPublisher } from './adapters/snsPublish.js';
import { type ConfirmFetch, confirmSubscription, createSnsVerifier } from './adapters/snsVerify.js';
import { outsideProbes, readinessChecks } from './app/probes.js';
import { createSlackApp } from './app/slackApp.js';
import { type BackgroundWork, startBackgroundWork } from './background.js';
import type { BotConfig } from './config/botConfig.js';
import type { Env } from './config/env.js';
import { isPinned } from './domain/pin.js';
import { githubWebhookRoute } from './http/githubWebhook.js';
import { healthRoutes, readiness } from './http/health.js';
import { createHttpServer, listen, type Route, sendText } from './http/server.js';
import { slackGate } from './http/slackGate.js';
import { snsRoute } from './http/snsRoute.js';
import type { StatusDeps } from './ports/models.js';
import type { ModelRegistries } from './ports/registry.js';
import type { SnsPublisher } from './ports/sns.js';
import type { Store } from './ports/store.js';
import { createSlackAlerts } from './slack/alerts.js';
import { createSlackCards } from './slack/cards.js';
import { cardsTellingHome, createHomeTab } from './slack/home.js';
import { registerListeners } from './slack/index.js';
import { observeSlackRequests } from './slack/middleware.js';
import { createInFlight } from './support/inFlight.js';
import type { Logger } from './support/log.js';
import type { WorkflowDeps } from './workflows/deps.js';
import { type Heartbeat, startHeartbeat } from './workflows/heartbeat.js';

export interface BotOptions {
  readonly config: BotConfig;
  readonly env: Pick<Env, 'slackBotToken' | 'slack' | 'slackApiUrl' | 'logLevel' | 'githubWebhookSecret'> &
    Partial<Pick<Env, 'mlflow'>>;
  readonly log: Logger;
  readonly s3: S3Client;
  readonly octokit: Octokit;
  /** Opened by the caller (main: from DATABASE_URL) so tests can keep it across a simulated restart. */
  readonly store: Store;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  /** Known in tests; in production Bolt asks Slack once (auth.test). */
  readonly slackIdentity?: { readonly botId: string; readonly botUserId: string };
  /** Tests set 0: a failing Slack call is otherwise retried with back-off. */
  readonly slackRetries?: number;
  /** SNS certificate download and subscription confirmation; tests and the demo sign with their own key. */
  readonly sns?: {
    readonly fetchCertificate?: (url: string) => Promise<string>;
    readonly confirmFetch?: ConfirmFetch;
  };
  /**
   * Publishes outcomes to SNS topics (`[notify] sns_topic_arn`); default: the SDK's client from the
   * environment (credentials chain, AWS_ENDPOINT_URL_SNS), bounded by `sns_timeout_ms`.
   */
  readonly snsPublisher?: SnsPublisher;
  /** MLflow registries (default: clients built from the environment, MLFLOW_TRACKING_*). */
  readonly registries?: ModelRegistries;
  /** Spacing of PR polls (bottleneck); tests set 0. */
  readonly githubMinTimeMs?: number;
  /** The bot's own GitHub login when known up front (a GitHub App); else asked of GET /user. */
  readonly githubLogin?: string;
  /**
   * The bot is a GitHub App (GITHUB_APP_ID): `model-pin` is a check run only the app can set. Else
   * (a token) it is a commit status, which anyone with write access could set too.
   */
  readonly githubApp?: boolean;
  /** Back-off of retried GitHub writes; tests shorten it. */
  readonly githubRetry?: RetryPolicy;
  /** This process in leases; default: host, pid and a random part. */
  readonly replicaId?: string;
  readonly metrics?: BotMetrics;
  /**
   * A second listener for operators: the detailed /readyz and /metrics move there, off the public port
   * (which keeps /healthz and a bare /readyz). Without it the public port serves them, as before.
   */
  readonly admin?: { readonly port: number; readonly host?: string };
  /** How long scrape-time gauges read from the database are kept (default 5000 ms). */
  readonly metricsCacheMs?: number;
  /**
   * Socket Mode: how long to wait for a pong (default 5000 ms). socket-mode 3.1 also waits this long,
   * times the consecutive failures, before reconnecting; tests set it low.
   */
  readonly socketPingTimeoutMs?: number;
  /** Spacing of views.publish calls (default 600 ms: Slack's Tier 4); tests set 0. */
  readonly homePublishIntervalMs?: number;
}

export interface RollbackBot {
  readonly bolt: App;
  readonly server: Server;
  /** The admin listener, when `admin` was given. */
  readonly adminServer?: Server;
  readonly status: StatusDeps;
  readonly workflows: WorkflowDeps;
  readonly metrics: BotMetrics;
  readonly replicaId: string;
  /** Takes the background lease if it is free and runs one round now (tests; timers run them too). */
  runRound(): Promise<void>;
  /**
   * Starts HTTP (and Socket Mode when configured); resolves with the bound public port. A listen error
   * carries `listener: 'public' | 'admin'`.
   */
  start(port: number, host?: string): Promise<number>;
  /** The admin listener's bound port once started, when there is one. */
  adminPort(): number | undefined;
  /**
   * Drains: /readyz answers 503 at once; after `drainDelayMs` (load balancers notice) no new connection
   * is accepted; the background lease is given up; requests already acknowledged finish their follow-up.
   * The caller bounds the whole in time.
   */
  stop(options?: { readonly drainDelayMs?: number }): Promise<void>;
  /** Requests and follow-ups still running (drain diagnostics). */
  inFlightCount(): number;
}

export function createBot(options: BotOptions): RollbackBot {
  const { config, env, log } = options;
  const metrics = options.metrics ?? createMetrics();
  const replicaId = options.replicaId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const inFlight = createInFlight();
  const octokit = instrumentOctokit(options.octokit, {
    timeoutMs: config.timeouts.githubMs,
    observe: metrics.observeCall,
    onRateLimitRemaining: metrics.githubRateLimit,
  });
  const status: StatusDeps = {
    bucket: createModelBucket(options.s3, {
      cacheSeconds: config.catalogCacheSeconds,
      timeoutMs: config.timeouts.s3Ms,
      listingTimeoutMs: config.listing.timeoutSeconds * 1000,
      maxKeys: config.listing.maxKeys,
      observe: metrics.observeCall,
    }),
    healthchecks: createHealthchecks({
      timeoutMs: config.healthcheckTimeoutMs,
      fetch: options.fetch,
      observe: metrics.observeCall,
    }),
    golden: createGoldenRequests({
      timeoutMs: config.healthcheckTimeoutMs,
      fetch: options.fetch,
      observe: metrics.observeCall,
    }),
    configRepo: createConfigRepo(octokit),
    registries:
      options.registries ??
      createMlflowRegistries({
        env: env.mlflow ?? {},
        cacheSeconds: config.catalogCacheSeconds,
        fetch: options.fetch,
        observe: metrics.observeCall,
      }),
    aliasHistory: (service, alias) => options.store.aliasHistory(service, alias),
  };

  const { bolt, http, socketMode } = createSlackApp({ ...options, observeCall: metrics.observeCall });
  const statusWithHistory: StatusDeps = {
    ...status,
    rolledBackFrom: (service) => options.store.rolledBackFrom(service),
  };
  const directory = createSlackDirectory(bolt.client, { cacheSeconds: config.usergroupCacheSeconds, log });
  const now = options.now ?? (() => new Date());
  const home = createHomeTab({
    client: bolt.client,
    workflows: { config, directory, now, store: options.store, status: statusWithHistory },
    config,
    log,
    // The pin line: "pinned at 1.25.0 by R-xxxx (reason), since …".
    pinOf: async (service) => {
      const pin = await options.store.getPin(service);
      return isPinned(pin)
        ? { version: pin.version, by: pin.requestId, reason: pin.reason, at: pin.pinnedAt }
        : undefined;
    },
    ...(options.homePublishIntervalMs !== undefined
      ? { publishIntervalMs: options.homePublishIntervalMs }
      : {}),
  });
  const pulls = createPullRequests(octokit, { botLogin: options.githubLogin, retry: options.githubRetry });
  const workflows: WorkflowDeps = {
    config,
    status: statusWithHistory,
    store: options.store,
    // Every change of a request refreshes its card; the Home tab follows the same changes.
    cards: cardsTellingHome(
      createSlackCards({
        client: bolt.client,
        store: options.store,
        config,
        log,
        updateIntervalMs: config.cardUpdateIntervalMs,
      }),
      home,
    ),
    directory,
    pulls,
    checks: createPinChecks(octokit, {
      app: options.githubApp ?? false,
      botLogin: () => pulls.botLogin(),
      retry: options.githubRetry,
    }),
    alerts: createSlackAlerts(bolt.client),
    log,
    now,
    replicaId,
    metrics: metrics.workflow,
    publisher:
      options.snsPublisher ??
      createSnsPublisher({ timeoutMs: config.timeouts.snsMs, observe: metrics.observeCall }),
  };
  // Before the listeners: counts every request and keeps it in flight until its follow-up is done.
  bolt.use(observeSlackRequests({ inFlight, metrics, log }));
  registerListeners(bolt, {
    config,
    status: workflows.status,
    workflows,
    log,
    home,
    alarmFor: async (key) => (await options.store.alertThread(key))?.alarm,
  });
  bolt.error(async (err) => {
    log.error('slack listener error', { error: err });
  });

  let draining = false;
  let started = false;
  let background: BackgroundWork | undefined;
  let heartbeat: Heartbeat | undefined;

  const probes = outsideProbes({ bolt, octokit, s3: options.s3, config, log });
  const checks = readinessChecks({
    store: options.store,
    probes,
    socketMode,
    started: () => started,
    holdsLease: () => background?.holding() ?? false,
  });
  const ready = () => !draining && started;
  metrics.collectFrom({
    store: options.store,
    holdsLease: () => background?.holding() ?? false,
    ready,
    cacheMs: options.metricsCacheMs,
  });
  const readyNow = readiness({ checks, draining: () => draining });
  const metricsRoute: Route = {
    method: 'GET',
    path: '/metrics',
    handle: async (_req, res) =>
      sendText(res, 200, await metrics.registry.metrics(), metrics.registry.contentType),
  };
  const admin = options.admin;
  // Only what an operator reads: liveness, readiness with its details, metrics. No Slack, SNS or webhooks.
  const adminServer = admin
    ? createHttpServer({
        routes: [...healthRoutes({ ready: readyNow, details: true }), metricsRoute],
        inFlight,
        log,
      })
    : undefined;

  const server = createHttpServer({
    slack:
      http && env.slack.kind === 'http'
        ? slackGate({ signingSecret: env.slack.signingSecret, listener: http.requestListener, log })
        : undefined,
    inFlight,
    routes: [
      ...healthRoutes({ ready: readyNow, details: !admin }),
      ...(admin ? [] : [metricsRoute]),
      snsRoute({
        config,
        verifier: createSnsVerifier({
          topicArns: config.sns.topicArns,
          fetchCertificate: options.sns?.fetchCertificate,
        }),
        confirm: (message) => confirmSubscription(message, options.sns?.confirmFetch),
        store: options.store,
        workflows,
        log,
      }),
      githubWebhookRoute({ config, secret: env.githubWebhookSecret, workflows, log }),
    ],
    log,
  });

  return {
    bolt,
    server,
    adminServer,
    status: workflows.status,
    workflows,
    metrics,
    replicaId,
    runRound: () => background?.runRound() ?? Promise.resolve(),
    inFlightCount: () => inFlight.count,
    adminPort: () => (adminServer?.listening ? (adminServer.address() as AddressInfo).port : undefined),
    async start(port, host) {
      await listen(server, port, host, 'public');
      if (admin && adminServer) {
        // Loopback unless told otherwise: the details are for operators, not for whoever reaches the pod.
        await listen(adminServer, admin.port, admin.host ?? '127.0.0.1', 'admin').catch((err) => {
          server.close();
          throw err;
        });
      }
      // In HTTP mode Bolt never listens itself: its receiver is mounted on our server above.
      if (socketMode) await bolt.start();
      started = true;
      for (const probe of probes.all) probe.start();
      const heartbeatMs = config.replicas.heartbeatSeconds * 1000;
      heartbeat = await startHeartbeat(options.store, replicaId, { intervalMs: heartbeatMs, log });
      background = startBackgroundWork(workflows, config, {
        leaseTtlMs: config.replicas.leaseTtlSeconds * 1000,
        heartbeatMs,
        repairAfterMs: config.replicas.repairAfterSeconds * 1000,
        retentionMs: config.replicas.dedupRetentionHours * 3_600_000,
        auditRetentionMs: config.replicas.auditRetentionDays * 86_400_000,
        githubMinTimeMs: options.githubMinTimeMs,
      });
      return (server.address() as AddressInfo).port;
    },
    async stop(stopOptions = {}) {
      draining = true;
      if (stopOptions.drainDelayMs) await new Promise((r) => setTimeout(r, stopOptions.drainDelayMs));
      // Give the lease up first, so another replica takes the background work at once.
      await background?.stop();
      const closed = Promise.all(
        [server, ...(adminServer?.listening ? [adminServer] : [])].map(
          (s) => new Promise<void>((resolve) => s.close(() => resolve())),
        ),
      );
      server.closeIdleConnections();
      adminServer?.closeIdleConnections();
      await inFlight.idle();
      await workflows.cards.flush();
      await home.flush();
      for (const probe of probes.all) probe.stop();
      await socketMode?.stop();
      // Last: until now this process may still be finishing work it claimed.
      await heartbeat?.stop();
      started = false;
      server.closeAllConnections();
      adminServer?.closeAllConnections();
      await closed;
    },
  };
}
