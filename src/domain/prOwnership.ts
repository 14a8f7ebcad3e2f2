/**
 * Which pull requests and branches are the bot's own. Only the bot's branch, commits and PRs are
 * trusted: a branch pushed in advance under the bot's name, or a PR whose body carries the request's
 * marker, proves nothing. A PR is a request's only if it comes from the exact branch stored with the
 * request, in the config repository itself (not a fork), opened by the bot; a branch or PR is reused
 * only if it holds nothing but the bot's commits making exactly the planned one-line change.
 */

export type Ownership = { readonly ok: true } | { readonly ok: false; readonly problem: string };

export interface PullFacts {
  readonly number: number;
  readonly authorLogin?: string;
  /** `owner/name` of the head branch's repository; a fork differs from the base. */
  readonly headRepo?: string;
  readonly headRef?: string;
}

export interface HeadCommit {
  readonly sha: string;
  /** The GitHub account the commit's author maps to; absent when it maps to none. */
  readonly authorLogin?: string;
}

export interface ChangedFile {
  readonly filename: string;
  readonly status: string;
  /** Unified diff of the file; GitHub leaves it out for very large or binary changes. */
  readonly patch?: string;
}

/** The login a problem names: outside text, so only a plain alphabet survives. */
const shown = (login: string | undefined) =>
  login ? login.replace(/[^A-Za-z0-9[\]._-]/g, '?').slice(0, 60) : 'nobody GitHub knows';

export function judgePull(
  pr: PullFacts,
  expected: { readonly botLogin: string; readonly repo: string; readonly branch: string },
): Ownership {
  if (pr.headRepo?.toLowerCase() !== expected.repo.toLowerCase()) {
    return { ok: false, problem: `PR #${pr.number} comes from another repository (a fork)` };
  }
  if (pr.headRef !== expected.branch) {
    return { ok: false, problem: `PR #${pr.number} is not from the request's branch ${expected.branch}` };
  }
  if (pr.authorLogin !== expected.botLogin) {
    return {
      ok: false,
      problem: `PR #${pr.number} was opened by ${shown(pr.authorLogin)}, not by the bot (${expected.botLogin})`,
    };
  }
  return { ok: true };
}

/** Removed and added lines of a unified diff, in order. */
export function patchLines(patch: string): { removed: string[]; added: string[] } {
  const removed: string[] = [];
  const added: string[] = [];
  for (const line of patch.split('\n')) {
    if (line.startsWith('-') && !line.startsWith('---')) removed.push(line.slice(1));
    else if (line.startsWith('+') && !line.startsWith('+++')) added.push(line.slice(1));
  }
  return { removed, added };
}

/**
 * Judges what a branch (or PR) adds to its base. No commits at all is a branch a previous attempt made
 * and died before committing to; anything else must be the bot's commits changing only `path`, by
 * exactly the planned line.
 */
export function judgeChanges(
  changes: { readonly commits: readonly HeadCommit[]; readonly files: readonly ChangedFile[] },
  expected: {
    readonly botLogin: string;
    readonly path: string;
    readonly diff?: { readonly before: string; readonly after: string };
  },
): Ownership {
  const foreign = changes.commits.find((c) => c.authorLogin !== expected.botLogin);
  if (foreign) {
    return {
      ok: false,
      problem: `commit ${foreign.sha.slice(0, 7)} is by ${shown(foreign.authorLogin)}, not by the bot`,
    };
  }
  const other = changes.files.find((f) => f.filename !== expected.path);
  if (other) {
    return {
      ok: false,
      problem: `it changes ${other.filename.replace(/[^\w./-]/g, '?').slice(0, 120)} besides ${expected.path}`,
    };
  }
  const file = changes.files[0];
  if (!file) return { ok: true };
  if (!expected.diff) return { ok: false, problem: `the plan changes nothing in ${expected.path}` };
  if (file.status !== 'modified' || file.patch === undefined) {
    return { ok: false, problem: `${expected.path} is ${file.status}, not edited in place` };
  }
  const { removed, added } = patchLines(file.patch);
  const exact =
    removed.length === 1 &&
    added.length === 1 &&
    removed[0] === expected.diff.before &&
    added[0] === expected.diff.after;
  return exact
    ? { ok: true }
    : {
        ok: false,
        problem: `its change to ${expected.path} is not exactly the planned line (${removed.length} removed, ${added.length} added)`,
      };
}
