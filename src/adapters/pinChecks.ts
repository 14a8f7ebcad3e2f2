/**
 * The `model-pin` check with octokit: open PRs of a config repository, what each does to the version
 * line (one compare against its merge base; two file reads only when it touches the config file), and
 * the check itself: a check run when the bot is a GitHub App, a commit status with a token. Every call
 * is retried like the PR's (5xx, timeouts, secondary rate limits), never on another 4xx.
 */
import type { Octokit } from 'octokit';
import { readVersionAt, type VersionRead } from '../domain/configFile.js';
import { type CheckConclusion, PIN_CHECK } from '../domain/pin.js';
import type { OpenPull, PinChecks } from '../ports/github.js';
import { explainGitHubError, GitHubError } from './github.js';
import { type RetryPolicy, withRetries } from './githubRetry.js';

export interface PinChecksOptions {
  /** The bot is a GitHub App (GITHUB_APP_ID): check runs; else commit statuses. */
  readonly app: boolean;
  /** The bot's own login (`<slug>[bot]` for an app): only its own check or status counts as set. */
  readonly botLogin: () => Promise<string>;
  readonly retry?: RetryPolicy;
}

type PullData = {
  number: number;
  html_url: string;
  state: string;
  head: { sha: string };
  base: { ref: string };
  user?: { login?: string } | null;
};

const toOpenPull = (p: PullData): OpenPull => ({
  number: p.number,
  url: p.html_url,
  headSha: p.head.sha,
  baseRef: p.base.ref,
  authorLogin: p.user?.login ?? undefined,
});

export function createPinChecks(octokit: Octokit, options: PinChecksOptions): PinChecks {
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await withRetries(fn, options.retry);
    } catch (err) {
      if (err instanceof GitHubError) throw err;
      throw explainGitHubError(err, what);
    }
  };

  const versionAt = async (
    owner: string,
    repo: string,
    path: string,
    ref: string,
    key: readonly string[],
  ) => {
    try {
      const { data } = await withRetries(
        () => octokit.rest.repos.getContent({ owner, repo, path, ref }),
        options.retry,
      );
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
        return { ok: false, problem: `${path} is not a file` } satisfies VersionRead;
      }
      return readVersionAt(Buffer.from(data.content, 'base64').toString('utf8'), key);
    } catch (err) {
      if ((err as { status?: number }).status === 404)
        return { ok: false, problem: `${path} does not exist there` } satisfies VersionRead;
      throw explainGitHubError(err, `reading ${path} at ${ref.slice(0, 7)}`);
    }
  };

  return {
    kind: options.app ? 'check_run' : 'commit_status',

    async openPulls(owner, repo) {
      const pulls = await call(`listing the open pull requests of ${owner}/${repo}`, () =>
        octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'open', per_page: 100 }),
      );
      return pulls.map((p) => toOpenPull(p as PullData));
    },

    async openPull(owner, repo, number) {
      try {
        const { data } = await withRetries(
          () => octokit.rest.pulls.get({ owner, repo, pull_number: number }),
          options.retry,
        );
        return data.state === 'open' ? toOpenPull(data as PullData) : undefined;
      } catch (err) {
        // A delivery naming a PR that does not exist (or no longer) has nothing to check.
        if ((err as { status?: number }).status === 404) return undefined;
        throw explainGitHubError(err, `reading pull request #${number}`);
      }
    },

    async readPullConfig(owner, repo, pull, file) {
      const path = file.configPath;
      const { data } = await call(`comparing pull request #${pull.number} with ${pull.baseRef}`, () =>
        octokit.rest.repos.compareCommitsWithBasehead({
          owner,
          repo,
          basehead: `${pull.baseRef}...${pull.headSha}`,
          per_page: 1,
        }),
      );
      // The compare's file list stops at 300 files: past that, read the file rather than trust it.
      const files = data.files ?? [];
      if (files.length < 300 && !files.some((f) => f.filename === path || f.previous_filename === path)) {
        return { touched: false };
      }
      const [before, after] = await Promise.all([
        versionAt(owner, repo, path, data.merge_base_commit.sha, file.versionKey),
        versionAt(owner, repo, path, pull.headSha, file.versionKey),
      ]);
      return { touched: true, before, after };
    },

    async current(owner, repo, sha) {
      const login = await options.botLogin();
      if (options.app) {
        const { data } = await call(`reading the ${PIN_CHECK} check of ${sha.slice(0, 7)}`, () =>
          octokit.rest.checks.listForRef({ owner, repo, ref: sha, check_name: PIN_CHECK, filter: 'latest' }),
        );
        const slug = login.replace(/\[bot\]$/, '');
        const ours = data.check_runs.find((r) => r.app?.slug === slug);
        return ours?.status === 'completed' ? asConclusion(ours.conclusion) : undefined;
      }
      const { data } = await call(`reading the ${PIN_CHECK} status of ${sha.slice(0, 7)}`, () =>
        octokit.rest.repos.listCommitStatusesForRef({ owner, repo, ref: sha, per_page: 100 }),
      );
      // The newest status of the context is the one GitHub shows, whoever set it: only ours counts.
      const latest = data.find((s) => s.context === PIN_CHECK);
      return latest && latest.creator?.login === login ? asConclusion(latest.state) : undefined;
    },

    async write(owner, repo, sha, check) {
      if (options.app) {
        await call(`setting the ${PIN_CHECK} check on ${sha.slice(0, 7)}`, () =>
          octokit.rest.checks.create({
            owner,
            repo,
            name: PIN_CHECK,
            head_sha: sha,
            status: 'completed',
            conclusion: check.conclusion,
            completed_at: new Date().toISOString(),
            ...(check.detailsUrl ? { details_url: check.detailsUrl } : {}),
            output: { title: check.title, summary: check.summary },
          }),
        );
        return;
      }
      await call(`setting the ${PIN_CHECK} status on ${sha.slice(0, 7)}`, () =>
        octokit.rest.repos.createCommitStatus({
          owner,
          repo,
          sha,
          state: check.conclusion,
          context: PIN_CHECK,
          description: check.description,
          ...(check.detailsUrl ? { target_url: check.detailsUrl } : {}),
        }),
      );
    },
  };
}

const asConclusion = (value: string | null | undefined): CheckConclusion | undefined =>
  value === 'success' || value === 'failure' ? value : undefined;
