#!/usr/bin/env node
/**
 * `rollback-bot status [service]`, `rollback-bot versions [service] [count]`: the read-only commands in
 * a terminal, for runbooks and for when Slack itself is down. Needs GitHub and AWS credentials only.
 *
 * Exit codes: 0 everything read; 3 shown but some source could not be read; 2 usage; 1 cannot run.
 */
import { createClients } from './adapters/clients.js';
import { createConfigRepo } from './adapters/configRepo.js';
import { createHealthchecks } from './adapters/healthcheck.js';
import { createModelBucket } from './adapters/modelBucket.js';
import { type BotConfig, findService, loadBotConfig } from './config/botConfig.js';
import { readEnv } from './config/env.js';
import { parseCommand } from './domain/command.js';
import { createLogger } from './log.js';
import { renderStatus, renderVersions } from './terminal/render.js';
import { getServiceStatus, type StatusDeps, versionTable } from './workflows/serviceStatus.js';

const USAGE = `Usage:
  rollback-bot status [service]
  rollback-bot versions [service] [count]
Environment: ROLLBACK_BOT_CONFIG (default ./rollback-bot.toml), GITHUB_TOKEN, AWS credentials.`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs one CLI invocation against the given dependencies; returns the exit code. */
export async function runCli(
  args: readonly string[],
  config: BotConfig,
  deps: StatusDeps,
  io: CliIo,
): Promise<number> {
  const parsed = parseCommand(args.join(' '), config.services);
  if (!parsed.ok) {
    io.err(`${parsed.error.replace(/\/rollback/g, 'rollback-bot')}\n${USAGE}\n`);
    return 2;
  }
  const cmd = parsed.command;
  if (cmd.kind === 'help' || cmd.kind === 'modal') {
    io.out(`${USAGE}\nServices: ${config.services.map((s) => s.name).join(', ')}\n`);
    return cmd.kind === 'help' ? 0 : 2;
  }
  if (cmd.kind !== 'status' && cmd.kind !== 'versions') {
    io.err(`\`${cmd.kind}\` is a Slack-only command.\n${USAGE}\n`);
    return 2;
  }
  const service = findService(config, cmd.service);
  if (!service) return 2;
  const status = await getServiceStatus(deps, service);
  io.out(
    cmd.kind === 'status' ? renderStatus(status) : renderVersions(status, versionTable(status), cmd.count),
  );
  return status.unavailable.length > 0 ? 3 : 0;
}

async function main(): Promise<number> {
  const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  const args = process.argv.slice(2);
  if (args[0] === '--help' || args[0] === '-h') args[0] = 'help';
  try {
    const env = readEnv(process.env, { slack: false });
    const log = createLogger(env.logLevel === 'debug' ? 'debug' : 'error');
    const config = await loadBotConfig(env.configPath);
    const { s3, octokit } = await createClients(env, config, log);
    const deps: StatusDeps = {
      bucket: createModelBucket(s3, { cacheSeconds: 0 }),
      healthchecks: createHealthchecks({ timeoutMs: config.healthcheckTimeoutMs }),
      configRepo: createConfigRepo(octokit),
    };
    return await runCli(args, config, deps, io);
  } catch (err) {
    io.err(`rollback-bot: ${(err as Error).message}\n`);
    return 1;
  }
}

// Only run when executed, not when imported by tests.
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/cli.js')) {
  main().then((code) => process.exit(code));
}
