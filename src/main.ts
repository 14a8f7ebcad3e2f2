/**
 * Entry point: read the environment and the bot config, build the bot, listen, stop cleanly on signals.
 */

import { createClients } from './adapters/clients.js';
import { openStore } from './adapters/store/open.js';
import { createBot } from './app.js';
import { loadBotConfig } from './config/botConfig.js';
import { EnvError, readEnv } from './config/env.js';
import { ConfigError } from './config/reader.js';
import { createLogger } from './log.js';

async function main(): Promise<void> {
  const env = readEnv();
  const log = createLogger(env.logLevel, { app: 'rollback-bot' });
  const config = await loadBotConfig(env.configPath);
  const clients = await createClients(env, config, log);
  const store = await openStore(env.databaseUrl);
  const bot = createBot({ config, env, log, store, ...clients });
  const port = await bot.start(env.port);
  log.info('rollback bot started', {
    port,
    slackMode: env.slack.kind,
    services: config.services.map((s) => s.name),
    config: config.file,
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    // Give in-flight work a bounded time; a stuck connection must not block a deploy.
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    bot
      .stop()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (err) => {
          log.error('stop failed', { error: err });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  if (err instanceof EnvError || err instanceof ConfigError) {
    process.stderr.write(`rollback-bot cannot start.\n${err.message}\n`);
  } else {
    process.stderr.write(`rollback-bot failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
