/**
 * The outside world of the bot for process benchmarks, in the measuring process: the fake Slack (Web API
 * and response_url), GitHub and healthchecks, plus what a bot process needs to find them (config file,
 * environment). S3 runs in its own process (s3Process.ts), the bot in its own (processes.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeGitHub } from '../../world/github.js';
import type { FakeHealthchecks } from '../../world/healthchecks.js';
import {
  BUCKET,
  CHANNEL,
  configRepo,
  configToml,
  GITHUB_TOKEN,
  ONCALL_GROUP,
  REPO,
  type ReferenceConfigOptions,
  SIGNING_SECRET,
  USERS,
} from '../../world/reference.js';
import { type FakeS3, S3RVER_CREDENTIALS } from '../../world/s3.js';
import type { FakeSlack } from '../../world/slack/fake.js';
import { type SlackHttpResult, sendSlashCommand } from '../../world/slack/requests.js';
import { startLocalWorld } from '../../world/start.js';

export interface World {
  readonly slack: FakeSlack;
  readonly github: FakeGitHub;
  readonly health: FakeHealthchecks;
  /** In this process, with the fixture bucket, when asked for (`s3: true`). */
  readonly s3?: FakeS3;
  /** Config files and SQLite databases of this run; removed by close(). */
  readonly dir: string;
  close(): Promise<void>;
}

/** The fakes; every repository (REPO and `extraRepos`) holds the fixture search-config.toml on main. */
export async function startWorld(
  options: { extraRepos?: readonly string[]; s3?: boolean } = {},
): Promise<World> {
  const world = await startLocalWorld({
    slack: { usergroups: { [ONCALL_GROUP]: [USERS.carol] } },
    github: {
      token: GITHUB_TOKEN,
      repos: Object.fromEntries([REPO, ...(options.extraRepos ?? [])].map((name) => [name, configRepo()])),
    },
    healthchecks: {},
    ...(options.s3 ? { s3: { bucket: BUCKET } } : {}),
  });
  const { slack, github, healthchecks: health, s3 } = world;
  const dir = mkdtempSync(join(tmpdir(), 'rollback-bench-'));
  return {
    slack,
    github,
    health,
    ...(s3 ? { s3 } : {}),
    dir,
    close: async () => {
      await world.close();
      // Config files and the bots' SQLite databases (the bots have stopped by now).
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The three environments serve these iterations; main's config file configures `version`. */
export function serveScenario(world: World, scenario: { dev: string; live: string; version: string }): void {
  world.health.serve('development', scenario.dev);
  world.health.serve('staging', scenario.live);
  world.health.serve('production', scenario.live);
  const current = world.github.fileAt(REPO, 'main', 'search-config.toml') ?? '';
  const wanted = current.replace(/^version = ".*"$/m, `version = "${scenario.version}"`);
  if (wanted !== current) world.github.commitFile(REPO, 'main', 'search-config.toml', wanted);
}

/**
 * Writes the bot's config (the reference deployment's, see world/reference.ts) and returns its path. `extraToml` is
 * appended at the end, e.g. another `[services.<name>]` table.
 */
export function writeConfig(
  world: World,
  name: string,
  opts: ReferenceConfigOptions,
  extraToml = '',
): string {
  const path = join(world.dir, `${name}.toml`);
  writeFileSync(path, `${configToml({ health: world.health }, opts)}\n${extraToml}`);
  return path;
}

/** Environment of a bot process in this world (main.ts reads nothing else). */
export function botEnv(
  world: World,
  options: { configPath: string; databaseUrl: string; s3Url: string; logLevel?: string },
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: world.slack.apiUrl,
    GITHUB_TOKEN,
    GITHUB_API_URL: world.github.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: options.s3Url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ROLLBACK_BOT_CONFIG: options.configPath,
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: options.logLevel ?? 'info',
  };
}

export const sqliteUrl = (world: World, name: string): string =>
  `sqlite:${join(mkdtempSync(join(world.dir, `${name}-`)), 'bot.db')}`;

let sequence = 0;

/** A signed slash command from `user`, with its own response_url. */
export function command(
  world: World,
  url: string,
  text: string,
  user: string = USERS.alice,
): { responseId: string; sentAt: number; result: Promise<SlackHttpResult> } {
  const responseId = `bench-${process.pid}-${++sequence}`;
  const sentAt = Date.now();
  const result = sendSlashCommand(url, SIGNING_SECRET, {
    text,
    user_id: user,
    channel_id: CHANNEL,
    response_url: world.slack.responseUrl(responseId),
  });
  return { responseId, sentAt, result };
}
