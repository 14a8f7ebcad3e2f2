/**
 * Composition root: builds every adapter from its client, wires the listeners and routes, and returns
 * a bot that can listen and stop. Clients are injected so tests point them at local servers.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Octokit } from 'octokit';
import { createConfigRepo } from './adapters/configRepo.js';
import { createHealthchecks } from './adapters/healthcheck.js';
import { createModelBucket } from './adapters/modelBucket.js';
import { createPullRequests } from './adapters/pullRequests.js';
import { createSlackDirectory } from './adapters/slackDirectory.js';
import { type ConfirmFetch, confirmSubscription, createSnsVerifier } from './adapters/snsVerify.js';
import type { Store } from './adapters/store/store.js';
import { type BackgroundWork, startBackgroundWork } from './background.js';
import type { BotConfig } from './config/botConfig.js';
import type { Env } from './config/env.js';
import { githubWebhookRoute } from './http/githubWebhook.js';
import { healthRoutes } from './http/health.js';
import { createHttpServer } from './http/server.js';
import { snsRoute } from './http/snsRoute.js';
import type { Logger } from './log.js';
import { createSlackAlerts } from './slack/alerts.js';
import { boltLogger } from './slack/boltLogger.js';
import { createSlackCards } from './slack/cards.js';
import { registerListeners } from './slack/index.js';
import { watchSocketMode } from './slack/socketState.js';
import type { WorkflowDeps } from './workflows/ports.js';
import type { StatusDeps } from './workflows/serviceStatus.js';

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
  /** Tests set 0: the default retries a failing Slack call for minutes. */
  readonly slackRetries?: number;
  /** SNS certificate download and subscription confirmation; tests sign with their own key. */
  readonly sns?: {
    readonly fetchCertificate?: (url: string) => Promise<string>;
    readonly confirmFetch?: ConfirmFetch;
  };
  /** Spacing of PR polls (bottleneck); tests set 0. */
  readonly githubMinTimeMs?: number;
  /**
   * Socket Mode: how long to wait for a pong (default 5000 ms). socket-mode 3.1 also waits this long,
   * times the consecutive failures, before reconnecting; tests set it low.
   */
  readonly socketPingTimeoutMs?: number;
}

export interface RollbackBot {
  readonly bolt: App;
  readonly server: Server;
  readonly status: StatusDeps;
  readonly workflows: WorkflowDeps;
  /** Runs one tracking round now (tests; the timer runs them too). */
  trackNow(): Promise<void>;
  /** Starts HTTP (and Socket Mode when configured); resolves with the bound port. */
  start(port: number): Promise<number>;
  stop(): Promise<void>;
}

export function createBot(options: BotOptions): RollbackBot {
  const { config, env, log } = options;
  const status: StatusDeps = {
    bucket: createModelBucket(options.s3, { cacheSeconds: config.catalogCacheSeconds }),
    healthchecks: createHealthchecks({ timeoutMs: config.healthcheckTimeoutMs, fetch: options.fetch }),
    configRepo: createConfigRepo(options.octokit),
  };

  const logger = boltLogger(
    log.child({ component: 'bolt' }),
    env.logLevel === 'debug' ? LogLevel.DEBUG : LogLevel.INFO,
  );
  const socket = env.slack.kind === 'socket';
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
      : new HTTPReceiver({ signingSecret: env.slack.signingSecret, logger, processBeforeResponse: false });
  const socketMode = receiver instanceof SocketModeReceiver ? watchSocketMode(receiver.client) : undefined;
  const bolt = new App({
    token: env.slackBotToken,
    receiver,
    logger,
    ...(options.slackIdentity ?? {}),
    clientOptions: {
      ...(env.slackApiUrl ? { slackApiUrl: env.slackApiUrl } : {}),
      ...(options.slackRetries !== undefined ? { retryConfig: { retries: options.slackRetries } } : {}),
    },
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
    pulls: createPullRequests(options.octokit),
    alerts: createSlackAlerts(bolt.client),
    log,
    now: options.now ?? (() => new Date()),
  };
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

  let started = false;
  let background: BackgroundWork | undefined;
  const server = createHttpServer({
    slackListener: receiver instanceof HTTPReceiver ? receiver.requestListener : undefined,
    routes: [
      ...healthRoutes([
        () => ({
          name: 'config',
          ok: true,
          detail: `${config.services.length} service(s) from ${config.file}`,
        }),
        () => socketMode?.check() ?? { name: 'slack http', ok: started },
      ]),
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
    status: workflows.status,
    workflows,
    trackNow: () => background?.trackNow() ?? Promise.resolve(),
    async start(port) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, () => {
          server.off('error', reject);
          resolve();
        });
      });
      // In HTTP mode Bolt never listens itself: its receiver is mounted on our server above.
      if (socket) await bolt.start();
      started = true;
      background = startBackgroundWork(workflows, config, {
        // With webhooks GitHub tells us; without, we ask.
        pollPullRequests: !env.githubWebhookSecret,
        githubMinTimeMs: options.githubMinTimeMs,
      });
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      started = false;
      await background?.stop();
      await workflows.cards.flush();
      await socketMode?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
