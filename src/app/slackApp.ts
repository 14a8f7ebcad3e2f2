/**
 * The Bolt app and the receiver it runs on: Socket Mode when SLACK_APP_TOKEN is set, else an HTTP
 * receiver mounted behind our own gate (which verifies every request; Bolt's own check would only
 * repeat it before the ack). Every Web API call is bounded in time and observed.
 */
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { CallObserver } from '../adapters/outsideCall.js';
import { slackFetch } from '../adapters/slackFetch.js';
import type { BotConfig } from '../config/botConfig.js';
import type { Env } from '../config/env.js';
import { boltLogger } from '../slack/boltLogger.js';
import { type SocketModeWatch, watchSocketMode } from '../slack/socketState.js';
import type { Logger } from '../support/log.js';

export interface SlackAppOptions {
  readonly config: BotConfig;
  readonly env: Pick<Env, 'slackBotToken' | 'slack' | 'slackApiUrl' | 'logLevel'>;
  readonly log: Logger;
  readonly observeCall: CallObserver;
  readonly slackIdentity?: { readonly botId: string; readonly botUserId: string };
  readonly slackRetries?: number;
  readonly socketPingTimeoutMs?: number;
}

export interface SlackApp {
  readonly bolt: App;
  /** Set in HTTP mode: the listener our server mounts on /slack/events. */
  readonly http?: HTTPReceiver;
  /** Set in Socket Mode: the connection's state, for readiness. */
  readonly socketMode?: SocketModeWatch;
}

export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { env, config } = options;
  // (boltLogger names its component on each line itself.)
  const logger = boltLogger(options.log, env.logLevel === 'debug' ? LogLevel.DEBUG : LogLevel.INFO);
  const clientOptions = {
    ...(env.slackApiUrl ? { slackApiUrl: env.slackApiUrl } : {}),
    retryConfig: { retries: options.slackRetries ?? 2, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    // Bounds and observes every Web API call and every response_url post (Bolt's respond uses it too);
    // the posts go out through node:http, cheaper on the loop the acks share (see slackFetch).
    fetch: slackFetch({
      apiUrl: env.slackApiUrl,
      timeoutMs: config.timeouts.slackMs,
      observe: options.observeCall,
    }),
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
  return receiver instanceof SocketModeReceiver
    ? { bolt, socketMode: watchSocketMode(receiver.client) }
    : { bolt, http: receiver };
}
