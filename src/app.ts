/**
 * Composition root: builds every adapter from its client, wires the listeners and routes, and returns
 * a bot that can start, report its readiness and drain. Clients are injected so tests and the demo point
 * them at local servers; everything else (time bounds, metrics, leases) is the same as production.
 */

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Octokit } from 'octokit';
import { createConfigRepo } from './adapters/configRepo.js';
import { explainGitHubError, instrumentOctokit } from './adapters/github.js';
import type { RetryPolicy } from './adapters/githubRetry.js';
import { createHealthchecks } from './adapters/healthcheck.js';
import { type BotMetrics, createMetrics } from './adapters/metrics.js';
import { createModelBucket } from './adapters/modelBucket.js';
import { boundedFetch, describeFailure } from './adapters/outsideCall.js';
import { createPullRequests } from './adapters/pullRequests.js';
import { createSlackDirectory } from './adapters/slackDirectory.js';
import { type ConfirmFetch, confirmSubscription, createSnsVerifier } from './adapters/snsVerify.js';
import { type BackgroundWork, startBackgroundWork } from './background.js';
import type { BotConfig } from './config/botConfig.js';
import type { Env } from './config/env.js';
import { githubWebhookRoute } from './http/githubWebhook.js';
import { healthRoutes, probedCheck, type ReadinessCheck, readiness } from './http/health.js';
import { createHttpServer, listen, type Route, sendText } from './http/server.js';
import { slackGate } from './http/slackGate.js';
import { snsRoute } from './http/snsRoute.js';
import type { StatusDeps } from './ports/models.js';
import type { Store } from './ports/store.js';
import { createSlackAlerts } from './slack/alerts.js';
import { boltLogger } from './slack/boltLogger.js';
import { createSlackCards } from './slack/cards.js';
import { registerListeners } from './slack/index.js';
import { observeSlackRequests } from './slack/middleware.js';
import { watchSocketMode } from './slack/socketState.js';
import { createInFlight } from './support/inFlight.js';
import type { Logger } from './support/log.js';
import type { WorkflowDeps } from './workflows/deps.js';
import { type Heartbeat, startHeartbeat } from './workflows/heartbeat.js';

export interface BotOptions {
  readonly config: BotConfig;
  readonly env: Pick<Env, 'slackBotToken' | 'slack' | 'slackApiUrl' | 'logLevel' | 'githubWebhookSecret'>;
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
  /** Spacing of PR polls (bottleneck); tests set 0. */
  readonly githubMinTimeMs?: number;
  /** The bot's own GitHub login when known up front (a GitHub App); else asked of GET /user. */
  readonly githubLogin?: string;
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
  trackNow(): Promise<void>;
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
    configRepo: createConfigRepo(octokit),
  };

  // (boltLogger names its component on each line itself.)
  const logger = boltLogger(log, env.logLevel === 'debug' ? LogLevel.DEBUG : LogLevel.INFO);
  const socket = env.slack.kind === 'socket';
  const clientOptions = {
    ...(env.slackApiUrl ? { slackApiUrl: env.slackApiUrl } : {}),
    retryConfig: { retries: options.slackRetries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    // Bounds and observes every Web API call and every response_url post (Bolt's respond uses it too).
    fetch: boundedFetch('slack', config.timeouts.slackMs, metrics.observeCall),
  };
  const receiver =
    env.slack.kind === 'socket'
      ? new SocketModeReceiver({
          appToken: env.slack.appToken,
          logger,
          // Bolt 5.1 gives the socket-mode client's WebClient (apps.connections.open) only
          // `installerOptions.clientOptions`, not App's `clientOptions`; without it that call goes to
          // slack.com whatever SLACK_API_URL says. A fresh object: the client adds its retryConfig to it.
          // `slackRetries` is not applied here: a reconnect whose apps.connections.open fails without
          // retries becomes an unhandled rejection in socket-mode 3.1 (delayReconnectAttempt).
          installerOptions: { clientOptions: env.slackApiUrl ? { slackApiUrl: env.slackApiUrl } : {} },
          ...(options.socketPingTimeoutMs !== undefined
            ? { clientPingTimeout: options.socketPingTimeoutMs }
            : {}),
        })
      : new HTTPReceiver({
          signingSecret: env.slack.signingSecret,
          // Mounted only behind slackGate, which verifies every request (both ways in time) and answers
          // the unsigned SSL check itself: a second verification here only delayed the ack.
          signatureVerification: false,
          logger,
          processBeforeResponse: false,
        });
  const socketMode = receiver instanceof SocketModeReceiver ? watchSocketMode(receiver.client) : undefined;
  const bolt = new App({
    token: env.slackBotToken,
    receiver,
    logger,
    ...(options.slackIdentity ?? {}),
    clientOptions,
    // No listener keeps conversation state; Bolt's in-memory store otherwise runs (and throws "not
    // found" into a rejected promise) before every listener.
    convoStore: false,
  });
  const workflows: WorkflowDeps = {
    config,
    status: { ...status, rolledBackFrom: (service) => options.store.rolledBackFrom(service) },
    store: options.store,
    cards: createSlackCards({
      client: bolt.client,
      store: options.store,
      config,
      log,
      updateIntervalMs: config.cardUpdateIntervalMs,
    }),
    directory: createSlackDirectory(bolt.client, { cacheSeconds: config.usergroupCacheSeconds, log }),
    pulls: createPullRequests(octokit, { botLogin: options.githubLogin, retry: options.githubRetry }),
    alerts: createSlackAlerts(bolt.client),
    log,
    now: options.now ?? (() => new Date()),
    replicaId,
    metrics: metrics.workflow,
  };
  // Before the listeners: counts every request and keeps it in flight until its follow-up is done.
  bolt.use(observeSlackRequests({ inFlight, metrics, log }));
  registerListeners(bolt, {
    config,
    status: workflows.status,
    workflows,
    log,
    alarmFor: async (key) => (await options.store.alertThread(key))?.alarm,
  });
  bolt.error(async (err) => {
    log.error('slack listener error', { error: err });
  });

  let draining = false;
  let started = false;
  let background: BackgroundWork | undefined;
  let heartbeat: Heartbeat | undefined;

  const slackAuth = probedCheck({
    name: 'slack',
    required: true,
    refreshMs: 300_000,
    probe: async () => {
      try {
        const me = await bolt.client.auth.test();
        return `authenticated as ${me.user ?? me.user_id} in ${me.team ?? me.team_id}`;
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error;
        throw new Error(
          code === 'invalid_auth' ||
            code === 'not_authed' ||
            code === 'account_inactive' ||
            code === 'token_revoked'
            ? `Slack refused SLACK_BOT_TOKEN (${code}): use the app's Bot User OAuth Token`
            : `Slack auth.test failed: ${code ?? describeFailure(err, config.timeouts.slackMs).text}`,
        );
      }
    },
    onChange: (r) =>
      r.ok
        ? log.info('slack token verified', { detail: r.detail })
        : log.error('slack not ready', { reason: r.detail }),
  });
  const github = probedCheck({
    name: 'github',
    required: false,
    refreshMs: 60_000,
    probe: async () => {
      try {
        const { data } = await octokit.rest.rateLimit.get();
        return `reachable; ${data.resources.core.remaining} of ${data.resources.core.limit} requests left`;
      } catch (err) {
        throw explainGitHubError(err, 'GitHub');
      }
    },
  });
  const firstBucket = config.services[0]?.bucket;
  const s3 = probedCheck({
    name: 's3',
    required: false,
    refreshMs: 60_000,
    probe: async () => {
      if (!firstBucket) return 'no service configured';
      try {
        await options.s3.send(new ListObjectsV2Command({ Bucket: firstBucket, MaxKeys: 1 }), {
          abortSignal: AbortSignal.timeout(config.timeouts.s3Ms),
        });
        return `bucket ${firstBucket} is readable`;
      } catch (err) {
        throw new Error(`bucket ${firstBucket}: ${describeFailure(err, config.timeouts.s3Ms).text}`);
      }
    },
  });
  const checks: ReadinessCheck[] = [
    {
      name: 'store',
      required: true,
      run: async () => {
        await options.store.ping();
        return { ok: true, detail: options.store.dialect };
      },
    },
    slackAuth,
    socketMode
      ? { name: 'slack socket mode', required: true, run: () => socketMode.check() }
      : { name: 'slack http', required: true, run: () => ({ ok: started }) },
    github,
    s3,
    {
      name: 'background lease',
      required: false,
      run: () => ({
        ok: true,
        detail: background?.holding() ? 'held by this replica' : 'held elsewhere or free',
      }),
    },
  ];
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
      receiver instanceof HTTPReceiver && env.slack.kind === 'http'
        ? slackGate({ signingSecret: env.slack.signingSecret, listener: receiver.requestListener, log })
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
    trackNow: () => background?.trackNow() ?? Promise.resolve(),
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
      if (socket) await bolt.start();
      started = true;
      for (const probe of [slackAuth, github, s3]) probe.start();
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
      for (const probe of [slackAuth, github, s3]) probe.stop();
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
