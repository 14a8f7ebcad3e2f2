/** Real SDK clients from the environment, shared by the bot and the CLI. */
import { S3Client } from '@aws-sdk/client-s3';
import type { Octokit } from 'octokit';
import type { BotConfig } from '../config/botConfig.js';
import type { Env } from '../config/env.js';
import type { Logger } from '../support/log.js';
import { createGitHubClient } from './github.js';
import { s3ClientConfig } from './modelBucket.js';

export function createS3Client(source: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client(s3ClientConfig(source));
}

export async function createClients(
  env: Pick<Env, 'github' | 'githubApiUrl'>,
  config: BotConfig,
  log: Logger,
): Promise<{ s3: S3Client; octokit: Octokit; githubLogin?: string; githubApp: boolean }> {
  const first = config.services[0];
  const github = await createGitHubClient(
    { auth: env.github, baseUrl: env.githubApiUrl, log },
    first ? { owner: first.repo.owner, repo: first.repo.name } : undefined,
  );
  return {
    s3: createS3Client(),
    octokit: github.octokit,
    githubLogin: github.login,
    githubApp: env.github.kind === 'app',
  };
}
