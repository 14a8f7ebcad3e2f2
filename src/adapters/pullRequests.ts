/**
 * Opens the rollback PR idempotently, in as few calls as the happy path allows (4): read the base head,
 * create the branch, commit the file, open the PR. Labels are a separate step (`label`) so the thread can
 * say "PR opened" before GitHub's pacing of writes delays it by a second.
 *
 * A retry or a resume first looks for a PR of the deterministic branch in any state (1 more call), so a
 * PR merged and its branch deleted meanwhile is found, never opened twice. Any partial attempt is reused:
 * the branch (422 on create), its commit (the file already holds the edit), the PR (422 on create).
 * When main itself already holds the target, nothing is committed: AlreadyConfiguredError.
 */
import type { Octokit } from 'octokit';
import {
  AlreadyConfiguredError,
  type OpenedPr,
  type OpenPrInput,
  PlanStaleError,
  type PullRequests,
  type PullState,
} from '../ports.js';
import { explainGitHubError, GitHubError } from './github.js';

const status = (err: unknown) => (err as { status?: number }).status;

export function createPullRequests(octokit: Octokit): PullRequests {
  return {
    async get(owner, repo, number): Promise<PullState> {
      try {
        const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
        return {
          state: data.state === 'open' ? 'open' : 'closed',
          merged: data.merged,
          mergedBy: data.merged_by?.login,
          mergedAt: data.merged_at ? new Date(data.merged_at) : undefined,
        };
      } catch (err) {
        throw explainGitHubError(err, `reading pull request #${number}`);
      }
    },

    async label(owner, repo, number, labels) {
      if (labels.length === 0) return;
      try {
        await octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels: [...labels] });
      } catch (err) {
        throw explainGitHubError(err, `labelling pull request #${number}`);
      }
    },

    async open(input: OpenPrInput): Promise<OpenedPr> {
      const { owner, repo, base, branch, path } = input;
      let calls = 0;
      const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
        calls++;
        try {
          return await fn();
        } catch (err) {
          if (err instanceof GitHubError || err instanceof PlanStaleError) throw err;
          throw explainGitHubError(err, what);
        }
      };
      /** Like `call`, but hands these statuses back to the caller instead of failing. */
      const attempt = async <T>(what: string, expected: number[], fn: () => Promise<T>) => {
        calls++;
        try {
          return { ok: true as const, value: await fn() };
        } catch (err) {
          const s = status(err);
          if (s !== undefined && expected.includes(s)) return { ok: false as const, status: s, err };
          throw explainGitHubError(err, what);
        }
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
        if (found) return done(found, { reused: true });
      }

      const head = await call(`reading branch ${base}`, () =>
        octokit.rest.repos.getBranch({ owner, repo, branch: base }),
      );
      const created = await attempt(`creating branch ${branch}`, [422], () =>
        octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: head.data.commit.sha }),
      );
      let reused = !created.ok; // a previous attempt got this far
      let rebasedOnNewHead = false;

      if (reused) {
        const onBranch = await readFile(branch);
        const wanted = editOrStale(onBranch.text);
        if (wanted !== onBranch.text) {
          await call(`committing ${path} on ${branch}`, () => put(wanted, onBranch.sha));
        } else {
          // The branch holds the target: from a commit of ours, or because main itself does.
          const onBase = await readFile(base);
          if (editOrStale(onBase.text) === onBase.text) return alreadyConfigured();
        }
      } else {
        const committed = await attempt(`committing ${path} on ${branch}`, [409, 422], async () =>
          put(editOrStale(input.plannedText), input.plannedBlobSha),
        );
        if (!committed.ok) {
          // The file changed on the base branch since the plan. Build on the new head only if the version
          // line itself did not change (the edit refuses otherwise), and only if there is still an edit.
          const current = await readFile(branch);
          const text = editOrStale(current.text);
          if (text === current.text) return alreadyConfigured();
          await call(`committing ${path} on ${branch}`, () => put(text, current.sha));
          rebasedOnNewHead = true;
        }
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
      reused = true;
      return done(found, { reused, rebasedOnNewHead });
    },
  };
}
