/**
 * The octokit client: built from the environment (a token, or a GitHub App installation), bounded in
 * time on every request, observed for metrics and rate limits, and its failures explained in words.
 */
import { App, Octokit } from 'octokit';
import type { GitHubAuth } from '../config/env.js';
import type { Logger } from '../support/log.js';
import { type CallObserver, describeFailure, ignoreCalls, withTimeout } from './outsideCall.js';

export interface GitHubClientOptions {
  readonly auth: GitHubAuth;
  readonly baseUrl?: string;
  readonly log: Logger;
  /** Tests turn this off: write pacing makes failures slow to surface. */
  readonly throttle?: boolean;
}

export class GitHubError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GitHubError';
  }
}

/** A one-line explanation of an octokit failure: the true cause, and what the operator can check. */
export function explainGitHubError(err: unknown, what: string, timeoutMs?: number): GitHubError {
  const failure = describeFailure(err, timeoutMs);
  const status = failure.status;
  const hint =
    status === 401
      ? 'the token is invalid or expired (GITHUB_TOKEN / GitHub App key)'
      : status === 403
        ? 'the token lacks permission or hit a rate limit'
        : status === 404
          ? 'not found, or the token cannot see the repository'
          : status !== undefined && status >= 500
            ? 'GitHub is failing; try again shortly'
            : undefined;
  const detail = status !== undefined ? `HTTP ${status}${hint ? `, ${hint}` : ''}` : failure.text;
  return Object.assign(new GitHubError(`${what}: ${detail}`, status), { cause: err });
}

/**
 * The client, and the bot's own login when it is a GitHub App (`<slug>[bot]`, read once with the app's
 * key: an installation token cannot ask GET /user). With a token the login is asked of GET /user later.
 */
export async function createGitHubClient(
  options: GitHubClientOptions,
  installationFor?: { owner: string; repo: string },
): Promise<{ octokit: Octokit; login?: string }> {
  const common = {
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/$/, '') } : {}),
    // No automatic retries: a person waiting on an answer has no time for back-off, and background work
    // runs again next round anyway. (The plugin also retried 409s and network failures, hiding causes.)
    retry: { enabled: false },
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
  if (options.auth.kind === 'token') return { octokit: new Octokit({ ...common, auth: options.auth.token }) };
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
  const { data: me } = await app.octokit.rest.apps.getAuthenticated();
  return {
    octokit: await app.getInstallationOctokit(installationId),
    login: me?.slug ? `${me.slug}[bot]` : undefined,
  };
}

/**
 * Bounds every request in time (the whole request, including anything a plugin does around it) and
 * reports outcomes and the remaining rate limit. Applied by the composition root to whatever client
 * it was given, so tests get the same behaviour as production.
 */
export function instrumentOctokit(
  octokit: Octokit,
  options: {
    readonly timeoutMs: number;
    readonly observe?: CallObserver;
    readonly onRateLimitRemaining?: (remaining: number) => void;
  },
): Octokit {
  const observe = options.observe ?? ignoreCalls;
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const started = performance.now();
    requestOptions.request = {
      ...requestOptions.request,
      signal: withTimeout(requestOptions.request?.signal as AbortSignal | undefined, options.timeoutMs),
    };
    const remaining = (headers: Record<string, unknown> | undefined) => {
      const value = Number(headers?.['x-ratelimit-remaining']);
      if (Number.isFinite(value) && headers?.['x-ratelimit-remaining'] !== undefined)
        options.onRateLimitRemaining?.(value);
    };
    try {
      const response = await request(requestOptions);
      remaining(response.headers as Record<string, unknown>);
      observe('github', 'ok', performance.now() - started);
      return response;
    } catch (err) {
      remaining((err as { response?: { headers?: Record<string, unknown> } }).response?.headers);
      observe('github', describeFailure(err, options.timeoutMs).outcome, performance.now() - started);
      throw err;
    }
  });
  return octokit;
}
