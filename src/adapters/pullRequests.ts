/**
 * Opens the rollback PR idempotently, in as few calls as the happy path allows (5):
 * read the base head, create the branch, commit the file, open the PR, label it.
 * A retry after any partial failure finds and reuses its own branch, commit and PR.
 */
import type { Octokit } from 'octokit';
import {
  type OpenedPr,
  type OpenPrInput,
  PlanStaleError,
  type PullRequests,
  type PullState,
} from '../workflows/ports.js';
import { explainGitHubError, GitHubError } from './configRepo.js';

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
    async open(input: OpenPrInput): Promise<OpenedPr> {
      const { owner, repo, base, branch, path } = input;
      let calls = 0;
      const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
        calls++;
        try {
          return await fn();
        } catch (err) {
          if (err instanceof GitHubError || err instanceof PlanStaleError) throw err;
          throw Object.assign(explainGitHubError(err, what), { cause: err });
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

      const head = await call(`reading branch ${base}`, () =>
        octokit.rest.repos.getBranch({ owner, repo, branch: base }),
      );
      let reused = false;
      try {
        calls++;
        await octokit.rest.git.createRef({
          owner,
          repo,
          ref: `refs/heads/${branch}`,
          sha: head.data.commit.sha,
        });
      } catch (err) {
        if (status(err) !== 422) throw explainGitHubError(err, `creating branch ${branch}`);
        reused = true; // a previous attempt got this far
      }

      // Commit the edit, unless a previous attempt already did.
      let rebasedOnNewHead = false;
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
      if (reused) {
        const onBranch = await readFile(branch);
        const wanted = editOrStale(onBranch.text);
        if (wanted !== onBranch.text)
          await call(`committing ${path} on ${branch}`, () => put(wanted, onBranch.sha));
      } else {
        try {
          calls++;
          await put(editOrStale(input.plannedText), input.plannedBlobSha);
        } catch (err) {
          if (err instanceof PlanStaleError) throw err;
          if (status(err) !== 409 && status(err) !== 422)
            throw explainGitHubError(err, `committing ${path} on ${branch}`);
          // The file changed on the base branch since the plan. Build on the new head only if the version
          // line itself did not change; the edit function refuses otherwise.
          const current = await readFile(branch);
          const text = editOrStale(current.text);
          await call(`committing ${path} on ${branch}`, () => put(text, current.sha));
          rebasedOnNewHead = true;
        }
      }

      let pr: { number: number; html_url: string };
      try {
        calls++;
        pr = (
          await octokit.rest.pulls.create({
            owner,
            repo,
            base,
            head: branch,
            title: input.title,
            body: input.body,
          })
        ).data;
      } catch (err) {
        if (status(err) !== 422) throw explainGitHubError(err, 'opening the pull request');
        const existing = await call('finding the existing pull request', () =>
          octokit.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: 'open' }),
        );
        const found = existing.data[0];
        if (!found) throw explainGitHubError(err, 'opening the pull request');
        pr = found;
        reused = true;
      }
      if (input.labels.length > 0) {
        await call('labelling the pull request', () =>
          octokit.rest.issues.addLabels({ owner, repo, issue_number: pr.number, labels: [...input.labels] }),
        );
      }
      return { number: pr.number, url: pr.html_url, branch, rebasedOnNewHead, reused, apiCalls: calls };
    },
  };
}
