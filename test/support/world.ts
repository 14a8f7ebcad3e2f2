/**
 * The outside world for tests that run the bot or the CLI as a process: fake Slack, GitHub, S3 and
 * healthchecks serving the reference deployment, a bot config file pointing at them, and the
 * environment an operator would set.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeGitHub } from '../../world/github.js';
import type { FakeHealthchecks } from '../../world/healthchecks.js';
import {
  BUCKET,
  configRepo,
  configToml,
  GITHUB_TOKEN,
  ONCALL_GROUP,
  REPO,
  type ReferenceConfigOptions,
  SIGNING_SECRET,
  START_STATE,
  USERS,
} from '../../world/reference.js';
import type { FakeS3 } from '../../world/s3.js';
import type { FakeSlack } from '../../world/slack/fake.js';
import type { FakeSnsPublish } from '../../world/snsPublish.js';
import { startLocalWorld } from '../../world/start.js';

export interface World {
  readonly slack: FakeSlack;
  readonly github: FakeGitHub;
  readonly s3: FakeS3;
  readonly health: FakeHealthchecks;
  /** SNS's Publish (AWS_ENDPOINT_URL_SNS of the bot processes). */
  readonly snsPublish: FakeSnsPublish;
  /** A directory of the world's own (the config file, databases). */
  readonly dir: string;
  readonly configPath: string;
  /** Serves the reference deployment's models again (development ahead, staging and production on 1.25.3). */
  serveStart(): void;
  /** What an operator sets for the bot (Slack too) or the CLI (`slack: false`), pointing at the fakes. */
  env(options?: { slack?: boolean }): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startWorld(config: ReferenceConfigOptions = {}): Promise<World> {
  const world = await startLocalWorld({
    slack: { usergroups: { [ONCALL_GROUP]: [USERS.carol] } },
    github: { token: GITHUB_TOKEN, repos: { [REPO]: configRepo() } },
    s3: { bucket: BUCKET },
    healthchecks: {},
    snsPublish: {},
  });
  const { slack, github, s3, healthchecks: health, snsPublish } = world;
  // Iterations only, without a git sha: what the process tests print was written against these.
  const serveStart = () => {
    for (const [env, at] of Object.entries(START_STATE)) health.serve(env, at.iteration);
  };
  serveStart();
  const dir = mkdtempSync(join(tmpdir(), 'rollback-world-'));
  const configPath = join(dir, 'bot.toml');
  writeFileSync(configPath, configToml({ health }, config));
  return {
    slack,
    github,
    s3,
    health,
    snsPublish,
    dir,
    configPath,
    serveStart,
    env: ({ slack: withSlack = true } = {}) => ({
      PATH: process.env.PATH,
      // No AWS profile of the machine's may leak in: credentials and region come from here only.
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      ...(withSlack
        ? {
            SLACK_BOT_TOKEN: 'xoxb-process-test',
            SLACK_SIGNING_SECRET: SIGNING_SECRET,
            SLACK_API_URL: slack.apiUrl,
          }
        : {}),
      GITHUB_TOKEN,
      GITHUB_API_URL: github.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ENDPOINT_URL_SNS: snsPublish.url,
      ROLLBACK_BOT_CONFIG: configPath,
      DATABASE_URL: `sqlite:${join(dir, 'absent.db')}`,
      LOG_LEVEL: 'info',
    }),
    close: () => world.close(),
  };
}
