/**
 * Entry point: read the environment and the bot config, open the store, build the bot, listen, and
 * drain on SIGTERM/SIGINT within a bounded time. Every start-up problem is one line naming the variable
 * or file and what to do (no stack: the operator needs the fix, not our call graph).
 */

// First: refuses an old Node.js in one line before any other import runs (better-sqlite3 would crash).
import './nodeVersion.js';
import { createClients } from './adapters/clients.js';
import { openStore, StoreOpenError } from './adapters/store/open.js';
import { createBot, type RollbackBot } from './app.js';
import { loadBotConfig } from './config/botConfig.js';
import { EnvError, readEnv } from './config/env.js';
import { withoutTrackingUri } from './config/modelSource.js';
import { ConfigError } from './config/reader.js';
import type { Store } from './ports/store.js';
import { createLogger, type Logger } from './support/log.js';
import { redactText } from './support/secrets.js';

/** A start-up problem that is the operator's to fix, already worded. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

async function main(): Promise<void> {
  const env = readEnv();
  const log = createLogger(env.logLevel, { app: 'rollback-bot' });
  // Nothing thrown by a listener, Bolt or a client library may take the process down: the state that
  // matters is in the database, and a replica that stays up keeps answering.
  process.on('unhandledRejection', (reason) =>
    log.error('unhandled rejection (kept running)', { error: reason }),
  );
  process.on('uncaughtException', (err) => log.error('uncaught exception (kept running)', { error: err }));

  const config = await loadBotConfig(env.configPath);
  const noUri = withoutTrackingUri(config.services, env.mlflow.trackingUri);
  if (noUri.length > 0) {
    throw new StartupError(
      `MLFLOW_TRACKING_URI is not set, and ${noUri.join(', ')} (source = "mlflow") name no tracking_uri: set one or the other`,
    );
  }
  const clients = await createClients(env, config, log).catch((err: Error) => {
    throw new StartupError(`GitHub: ${err.message}`);
  });
  const region = await clients.s3.config.region().catch(() => undefined);
  if (!region) {
    throw new StartupError(
      'AWS_REGION is not set (nor a region in the AWS profile): set it to the region of the model buckets, e.g. AWS_REGION=eu-west-2',
    );
  }
  const store = await openStore(env.databaseUrl);
  const bot = createBot({ config, env, log, store, admin: env.admin, ...clients });
  const port = await bot.start(env.port).catch((err: NodeJS.ErrnoException & { listener?: string }) => {
    const [name, value] =
      err.listener === 'admin'
        ? ['ADMIN_PORT', `${env.admin?.port} (ADMIN_HOST ${env.admin?.host})`]
        : ['PORT', env.port];
    throw new StartupError(
      err.code === 'EADDRINUSE'
        ? `${name} ${value} is already in use: stop the other process or set ${name} to a free port`
        : `cannot listen on ${name} ${value}: ${err.message}`,
    );
  });
  log.info('rollback bot started', {
    port,
    ...(env.admin ? { adminPort: bot.adminPort(), adminHost: env.admin.host } : {}),
    slackMode: env.slack.kind,
    database: store.dialect,
    replica: bot.replicaId,
    services: config.services.map((s) => s.name),
    config: config.file,
  });
  if (!env.admin) {
    log.warn('no ADMIN_PORT: /metrics and the detailed /readyz are served on the public port', {
      fix: 'set ADMIN_PORT, or let the ingress route only /slack/events, /alerts/sns and /github/webhook',
    });
  }
  handleSignals(bot, store, log, config.shutdown);
}

function handleSignals(
  bot: RollbackBot,
  store: Store,
  log: Logger,
  shutdown: { readonly drainDelaySeconds: number; readonly timeoutSeconds: number },
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn('second signal: exiting now', { signal });
      process.exit(130);
    }
    stopping = true;
    // SIGTERM comes from an orchestrator: keep serving while load balancers see /readyz fail. SIGINT is
    // a person at a terminal, with no load balancer to wait for.
    const drainDelayMs = signal === 'SIGTERM' ? shutdown.drainDelaySeconds * 1000 : 0;
    log.info('draining', { signal, drainDelayMs, timeoutSeconds: shutdown.timeoutSeconds });
    const timer = setTimeout(() => {
      log.error('drain did not finish in time: exiting', { inFlight: bot.inFlightCount() });
      process.exit(1);
    }, shutdown.timeoutSeconds * 1000);
    timer.unref();
    bot
      .stop({ drainDelayMs })
      .then(() => store.close())
      .then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (err) => {
          log.error('stop failed', { error: err });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const known =
    err instanceof EnvError ||
    err instanceof ConfigError ||
    err instanceof StoreOpenError ||
    err instanceof StartupError;
  // Whatever a library put in its message (a URL, a key it could not parse) is redacted like a log line.
  process.stderr.write(
    redactText(
      known
        ? `rollback-bot cannot start: ${(err as Error).message}\n`
        : `rollback-bot failed to start: ${(err as Error).stack ?? String(err)}\n`,
    ),
  );
  process.exit(1);
});
