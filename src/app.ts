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
}

export interface RollbackBot {
  readonly bolt: App;
  readonly server: Server;
  readonly status: StatusDeps;
  readonly workflows: WorkflowDeps;
  /** Runs one tracking round now (tests; the timer runs them too). */
  trackNow(): Promise<void>;
  /**
   * Starts HTTP (and Socket Mode when configured); resolves with the bound port. `host` limits the
   * interfaces it listens on (default: all, as `server.listen(port)`).
   */
  start(port: number, host?: string): Promise<number>;
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
      ? new SocketModeReceiver({ appToken: env.slack.appToken, logger })
      : new HTTPReceiver({ signingSecret: env.slack.signingSecret, logger, processBeforeResponse: false });
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
        () => ({ name: socket ? 'slack socket mode' : 'slack http', ok: started }),
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
    async start(port, host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
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
      if (socket) await bolt.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
