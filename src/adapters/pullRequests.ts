/**
 * Opens the rollback PR idempotently, in as few calls as the happy path allows (4): read the base head,
 * create the branch, commit the file, open the PR. Labels are a separate step (`label`) so the thread can
 * say "PR opened" before GitHub's pacing of writes delays it by a second.
 *
 * A retry or a resume first looks for a PR of the request's branch in any state (1 more call), so a PR
 * merged and its branch deleted meanwhile is found, never opened twice. A partial attempt is reused —
 * the branch (422 on create), its commit (the file already holds the edit), the PR (422 on create) — but
 * only after proving it is the bot's own: a reused branch is compared with its base (1 call) and a found
 * PR's author, repository, branch, commits and files are read (2 calls); anything else is refused, never
 * opened or adopted. When main itself already holds the target, nothing is committed:
 * AlreadyConfiguredError.
 *
 * Every call is retried on 5xx, timeouts, network failures and secondary rate limits (bounded back-off,
 * honouring Retry-After), never on another 4xx: each step is safe to repeat, so a retried write that had
 * landed is found by the step's own reuse path.
 */
import type { Octokit } from 'octokit';
import { judgeChanges, judgePull, type Ownership } from '../domain/prOwnership.js';
import {
  AlreadyConfiguredError,
  type OpenedPr,
  type OpenPrInput,
  PlanStaleError,
  type PullRequests,
  type PullState,
} from '../ports/github.js';
import { explainGitHubError, GitHubError } from './github.js';
import { type RetryPolicy, withRetries } from './githubRetry.js';

const status = (err: unknown) => (err as { status?: number }).status;

export interface PullRequestsOptions {
  /** The bot's login when known up front (a GitHub App: `<slug>[bot]`); else asked of GET /user once. */
  readonly botLogin?: string;
  readonly retry?: RetryPolicy;
}

/** A branch or PR under the request's name that is not the bot's own: never opened, never adopted. */
export class ForeignHeadError extends GitHubError {
  constructor(what: string, problem: string, remedy: string) {
    super(`${what} is not the bot's own: ${problem}. The bot will not open or adopt it; ${remedy}`);
    this.name = 'ForeignHeadError';
  }
}

export function createPullRequests(octokit: Octokit, options: PullRequestsOptions = {}): PullRequests {
  const retried = <T>(fn: () => Promise<T>) => withRetries(fn, options.retry);
  let login: Promise<string> | undefined = options.botLogin ? Promise.resolve(options.botLogin) : undefined;
  const botLogin = (): Promise<string> => {
    login ??= retried(() => octokit.rest.users.getAuthenticated()).then(
      ({ data }) => data.login,
      (err: unknown) => {
        login = undefined; // asked again next time
        throw explainGitHubError(err, "reading the bot's own GitHub login (GET /user)");
      },
    );
    return login;
  };

  return {
    botLogin,

    async get(owner, repo, number): Promise<PullState> {
      try {
        const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
        return {
          number: data.number,
          url: data.html_url,
          state: data.state === 'open' ? 'open' : 'closed',
          merged: data.merged,
          mergedBy: data.merged_by?.login,
          mergedAt: data.merged_at ? new Date(data.merged_at) : undefined,
          closedAt: data.closed_at ? new Date(data.closed_at) : undefined,
          authorLogin: data.user?.login,
          headRepo: data.head.repo?.full_name,
          headRef: data.head.ref,
        };
      } catch (err) {
        throw explainGitHubError(err, `reading pull request #${number}`);
      }
    },

    async label(owner, repo, number, labels) {
      if (labels.length === 0) return;
      try {
        await retried(() =>
          octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels: [...labels] }),
        );
      } catch (err) {
        throw explainGitHubError(err, `labelling pull request #${number}`);
      }
    },

    async open(input: OpenPrInput): Promise<OpenedPr> {
      const { owner, repo, base, branch, path } = input;
      let calls = 0;
      const counted =
        <T>(fn: () => Promise<T>) =>
        () => {
          calls++;
          return fn();
        };
      const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
        try {
          return await retried(counted(fn));
        } catch (err) {
          if (err instanceof GitHubError || err instanceof PlanStaleError) throw err;
          throw explainGitHubError(err, what);
        }
      };
      /** Like `call`, but hands these statuses back to the caller instead of failing. */
      const attempt = async <T>(what: string, expected: number[], fn: () => Promise<T>) => {
        try {
          return { ok: true as const, value: await retried(counted(fn)) };
        } catch (err) {
          const s = status(err);
          if (s !== undefined && expected.includes(s)) return { ok: false as const, status: s, err };
          throw explainGitHubError(err, what);
        }
      };
      // Asked only on a reuse path: the happy path stays at four calls.
      const expectedChanges = async () => ({ botLogin: await botLogin(), path, diff: input.plannedDiff });
      const refuseUnless = (verdict: Ownership, what: string, remedy: string) => {
        if (!verdict.ok) throw new ForeignHeadError(what, verdict.problem, remedy);
      };
      /** A branch that already exists: reused only if it adds nothing but the bot's planned commit. */
      const checkBranch = async () => {
        const { data } = await call(`comparing ${branch} with ${base}`, () =>
          octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${base}...${branch}` }),
        );
        const commits = data.commits.map((c) => ({ sha: c.sha, authorLogin: c.author?.login }));
        const files = (data.files ?? []).map((f) => ({
          filename: f.filename,
          status: f.status,
          patch: f.patch,
        }));
        refuseUnless(
          judgeChanges({ commits, files }, await expectedChanges()),
          `Branch ${branch}`,
          'delete the branch on GitHub, then press Retry',
        );
      };
      /** A PR found under the request's branch: adopted only if it is the bot's, with the planned change. */
      const checkPull = async (pr: {
        number: number;
        user?: { login?: string } | null;
        head: { ref: string; repo?: { full_name?: string } | null };
      }) => {
        refuseUnless(
          judgePull(
            {
              number: pr.number,
              authorLogin: pr.user?.login,
              headRepo: pr.head.repo?.full_name,
              headRef: pr.head.ref,
            },
            { botLogin: await botLogin(), repo: `${owner}/${repo}`, branch },
          ),
          `PR #${pr.number}`,
          'close it and delete its branch on GitHub, then press Retry',
        );
        const [commits, files] = await Promise.all([
          call(`reading the commits of PR #${pr.number}`, () =>
            octokit.rest.pulls.listCommits({ owner, repo, pull_number: pr.number, per_page: 100 }),
          ),
          call(`reading the files of PR #${pr.number}`, () =>
            octokit.rest.pulls.listFiles({ owner, repo, pull_number: pr.number, per_page: 100 }),
          ),
        ]);
        refuseUnless(
          judgeChanges(
            {
              commits: commits.data.map((c) => ({ sha: c.sha, authorLogin: c.author?.login })),
              files: files.data.map((f) => ({ filename: f.filename, status: f.status, patch: f.patch })),
            },
            await expectedChanges(),
          ),
          `PR #${pr.number}`,
          'close it and delete its branch on GitHub, then press Retry',
        );
      };
      const readFile = async (ref: string) => {
        const { data } = await call(`reading ${path} on ${ref}`, () =>
          octokit.rest.repos.getContent({ owner, repo, path, ref }),
        );
        if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) {
          throw new GitHubError(`${path} on ${ref} is not a file`);
        }
        return { sha: data.sha, text: Buffer.from(data.content, 'base64').toString('utf8') };
      };
      const editOrStale = (text: string) => {
        const edited = input.edit(text);
        if (!edited.ok) throw new PlanStaleError(edited.problem);
        return edited.text;
      };
      const put = (text: string, sha: string) =>
        octokit.rest.repos.createOrUpdateFileContents({
          owner,
          repo,
          path,
          branch,
          sha,
          message: input.commitMessage,
          content: Buffer.from(text, 'utf8').toString('base64'),
        });
      const done = (
        pr: { number: number; html_url: string; state?: string; merged_at?: string | null },
        extra: Partial<OpenedPr>,
      ): OpenedPr => ({
        number: pr.number,
        url: pr.html_url,
        branch,
        rebasedOnNewHead: false,
        reused: false,
        apiCalls: calls,
        state: pr.state === 'closed' ? 'closed' : 'open',
        merged: Boolean(pr.merged_at),
        ...extra,
      });
      /** Main holds the target already: say since when, and leave no branch behind. */
      const alreadyConfigured = async (): Promise<never> => {
        const history = await call(`reading the history of ${path}`, () =>
          octokit.rest.repos.listCommits({ owner, repo, sha: base, path, per_page: 1 }),
        );
        const last = history.data[0];
        await attempt(`deleting branch ${branch}`, [404, 422], () =>
          octokit.rest.git.deleteRef({ owner, repo, ref: `heads/${branch}` }),
        );
        throw new AlreadyConfiguredError(
          last
            ? {
                sha: last.sha,
                at: last.commit.author?.date ? new Date(last.commit.author.date) : undefined,
                summary: last.commit.message.split('\n')[0] ?? '',
              }
            : undefined,
        );
      };

      if (input.lookFirst) {
        const existing = await call('looking for an existing pull request', () =>
          octokit.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: 'all', per_page: 1 }),
        );
        const found = existing.data[0];
        if (found) {
          await checkPull(found);
          return done(found, { reused: true });
        }
      }
      /**
       * Commits the edit on the branch as it is now; true when a commit was made. Without one, the branch
       * holds the target already: from a commit of ours (an earlier or retried attempt), or because main
       * itself does.
       */
      const commitOnBranch = async (): Promise<boolean> => {
        const onBranch = await readFile(branch);
        const wanted = editOrStale(onBranch.text);
        if (wanted !== onBranch.text) {
          await call(`committing ${path} on ${branch}`, () => put(wanted, onBranch.sha));
          return true;
        }
        const onBase = await readFile(base);
        if (editOrStale(onBase.text) === onBase.text) await alreadyConfigured();
        return false;
      };

      const head = await call(`reading branch ${base}`, () =>
        octokit.rest.repos.getBranch({ owner, repo, branch: base }),
      );
      const created = await attempt(`creating branch ${branch}`, [422], () =>
        octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: head.data.commit.sha }),
      );
      let reused = !created.ok; // a previous attempt got this far
      let rebasedOnNewHead = false;

      if (reused) {
        // A previous attempt of ours, or someone who pushed a branch under our name: prove which.
        await checkBranch();
        await commitOnBranch();
      } else {
        const committed = await attempt(`committing ${path} on ${branch}`, [409, 422], async () =>
          put(editOrStale(input.plannedText), input.plannedBlobSha),
        );
        // The file changed on the base branch since the plan (build on the new head only if the version
        // line itself did not change: the edit refuses otherwise), or a retried commit had landed.
        if (!committed.ok) rebasedOnNewHead = await commitOnBranch();
      }

      const opened = await attempt('opening the pull request', [422], () =>
        octokit.rest.pulls.create({ owner, repo, base, head: branch, title: input.title, body: input.body }),
      );
      if (opened.ok) return done(opened.value.data, { reused, rebasedOnNewHead });
      const existing = await call('finding the existing pull request', () =>
        octokit.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: 'open' }),
      );
      const found = existing.data[0];
      if (!found) throw explainGitHubError(opened.err, 'opening the pull request');
      await checkPull(found);
      reused = true;
      return done(found, { reused, rebasedOnNewHead });
    },
  };
}
