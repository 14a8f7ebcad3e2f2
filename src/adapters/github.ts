/**
 * Builds the octokit client from the environment: a token, or a GitHub App installation.
 */
import { App, Octokit } from 'octokit';
import type { GitHubAuth } from '../config/env.js';
import type { Logger } from '../log.js';

export interface GitHubClientOptions {
  readonly auth: GitHubAuth;
  readonly baseUrl?: string;
  readonly log: Logger;
  /** Tests turn these off: retries and write pacing make failures slow to surface. */
  readonly retries?: boolean;
  readonly throttle?: boolean;
}

export async function createGitHubClient(
  options: GitHubClientOptions,
  installationFor?: { owner: string; repo: string },
): Promise<Octokit> {
  const common = {
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/$/, '') } : {}),
    retry: { enabled: options.retries ?? true },
    throttle: {
      enabled: options.throttle ?? true,
      onRateLimit: (after: number, req: { method: string; url: string }, _o: unknown, count: number) => {
        options.log.warn('github rate limited', {
          retryAfterSeconds: after,
          method: req.method,
          url: req.url,
        });
        return count < 1;
      },
      onSecondaryRateLimit: (after: number, req: { method: string; url: string }) => {
        options.log.warn('github secondary rate limit', {
          retryAfterSeconds: after,
          method: req.method,
          url: req.url,
        });
        return false;
      },
    },
  };
  if (options.auth.kind === 'token') return new Octokit({ ...common, auth: options.auth.token });
  const app = new App({
    appId: options.auth.appId,
    privateKey: options.auth.privateKey,
    Octokit: Octokit.defaults(common),
  });
  let installationId = options.auth.installationId;
  if (installationId === undefined) {
    if (!installationFor)
      throw new Error('GITHUB_APP_INSTALLATION_ID is not set and no repository to look it up');
    const { data } = await app.octokit.rest.apps.getRepoInstallation(installationFor);
    installationId = data.id;
  }
  return app.getInstallationOctokit(installationId);
}
