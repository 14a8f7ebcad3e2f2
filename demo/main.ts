/**
 * `npm run demo`: the real bot in a local world, driven from a web page. No credentials, no network.
 *
 *   npm run demo -- [--port <n>] [--data <dir>] [--verbose]
 *
 * --port: the page's port (default 3030, or a free port when 3030 is taken); --data: keep the bot's
 * database in <dir> (default: a temporary directory, removed on exit); --verbose: the bot's info logs.
 */
// First: refuses an old Node.js in one line before any other import runs (better-sqlite3 would crash).
import '../src/nodeVersion.js';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { startDemo } from './start.js';

const DEFAULT_PORT = 3030;

function usage(problem: string): never {
  process.stderr.write(`${problem}\nusage: npm run demo -- [--port <n>] [--data <dir>] [--verbose]\n`);
  process.exit(2);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function main(): Promise<void> {
  let values: { port?: string; data?: string; verbose?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        data: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help) usage('Starts the rollback bot in a local world with a Slack-like page.');
  let port: number;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be a port number`);
  } else {
    port = (await portIsFree(DEFAULT_PORT)) ? DEFAULT_PORT : 0;
  }

  const demo = await startDemo({ port, dataDir: values.data, logLevel: values.verbose ? 'info' : 'warn' });
  const kept = values.data ? ` The bot's database: ${demo.databasePath}.` : '';
  process.stdout.write(
    `Rollback bot demo: ${demo.url}/ — open it, press "Raise alarm" and follow the thread in #ml-alerts (or type /rollback status fpo-search; #reco-rollbacks holds reco, an MLflow model: /rollback to previous reco). Ctrl-C stops.${kept}\n`,
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    demo.stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`demo: stopping failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`demo failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
