/**
 * An in-memory GitHub REST API, good enough for octokit: repositories with commits, branches, file
 * contents, pull requests, labels and comments. Shapes and status codes follow GitHub's REST docs for the
 * fields a client reads. Requests it does not know answer 404 and stay in `calls`, so a test notices an
 * unexpected call instead of it silently succeeding.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { sendJson, startHttpServer } from './http.js';

export interface FakeRepoSeed {
  defaultBranch?: string;
  files: Record<string, string>;
}

export interface StartFakeGitHubOptions {
  token: string;
  /**
   * A GitHub App's installation token, accepted besides `token`: a caller with it is the app
   * (`<slug>[bot]`), may create check runs, and is refused `GET /user` as GitHub refuses an
   * installation token.
   */
  app?: { token: string; slug: string; id: number };
  /** `owner/name` → seed; each repo starts with one commit on its default branch. */
  repos: Record<string, FakeRepoSeed>;
  /**
   * Called after each request that changed something (a write answered below 400): a page showing the
   * repository redraws when the bot opens a PR or sets a check, with no polling of its own.
   */
  onChange?: () => void;
}

export interface GitHubCall {
  method: string;
  /** Decoded path without the query, e.g. `/repos/o/r/contents/search-config.toml`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
}

export type GitHubCallFilter = { method?: string; path?: string | RegExp } | ((call: GitHubCall) => boolean);

export interface FileDiff {
  filename: string;
  status: 'added' | 'removed' | 'modified';
  /** Lines (without their line break) taken out, in order. */
  removed: string[];
  /** Lines (without their line break) put in, in order. */
  added: string[];
  patch: string;
}

// biome-ignore lint/suspicious/noExplicitAny: pull requests are returned in GitHub's JSON shape
type PullJson = Record<string, any>;

/** A check run as GitHub returns it (the fields a client reads). */
export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  details_url: string | null;
  external_id: string | null;
  started_at: string;
  completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  app: { id: number; slug: string };
  html_url: string;
}

/** A commit status as GitHub returns it. */
export interface FakeStatus {
  id: number;
  state: 'error' | 'failure' | 'pending' | 'success';
  description: string | null;
  target_url: string | null;
  context: string;
  created_at: string;
  updated_at: string;
  creator: { login: string };
}

export interface FakeGitHub {
  url: string;
  /** Check runs on a commit (a branch name or sha), oldest first. */
  checkRuns(repo: string, ref: string): FakeCheckRun[];
  /** Commit statuses on a commit (a branch name or sha), oldest first. */
  statuses(repo: string, ref: string): FakeStatus[];
  calls: GitHubCall[];
  callCount(filter?: GitHubCallFilter): number;
  /** Forgets recorded calls and pending failures (not repository state). */
  reset(): void;
  failNext(method: string, pathRegex: RegExp, status: number, times?: number): void;
  /**
   * The next matching request is carried out at once but answered only when the returned `release` is
   * called: the client is still waiting while GitHub already holds the result (a PR exists, its number
   * unknown to the bot yet). `arrived` resolves when the request came in.
   */
  holdNext(method: string, pathRegex: RegExp): { arrived: Promise<void>; release: () => void };
  /** Content of `path` at a branch name or commit sha; undefined when absent. */
  fileAt(repo: string, ref: string, path: string): string | undefined;
  /**
   * Someone pushes a commit to `branch` changing one file (`null` deletes it). Returns the commit sha.
   * `author` is the GitHub login the commit maps to (a person by default, not the bot).
   */
  commitFile(
    repo: string,
    branch: string,
    path: string,
    content: string | null,
    message?: string,
    author?: string,
  ): string;
  /** Someone with push access creates `branch` at `from` (a branch name or sha). */
  createBranch(repo: string, branch: string, from: string): void;
  deleteBranch(repo: string, branch: string): void;
  /**
   * Someone opens a pull request: from a branch of the repository, or (with `fork`) from a fork's
   * branch, whose head commit changes `files` on top of the base. Returns its number.
   */
  openPull(
    repo: string,
    pr: {
      head: string;
      base?: string;
      title?: string;
      body?: string;
      user: string;
      fork?: { fullName: string; files: Record<string, string> };
    },
  ): number;
  branchSha(repo: string, branch: string): string | undefined;
  /** Pull requests in GitHub's JSON shape (full, as GET /pulls/{n}), oldest first. */
  pulls(repo: string): PullJson[];
  /** Merges like the "Merge pull request" button. Returns the merge commit sha. */
  mergePull(repo: string, number: number, byLogin: string): string;
  closePull(repo: string, number: number): void;
  /** Reopens a closed, unmerged PR like the "Reopen pull request" button. */
  reopenPull(repo: string, number: number): void;
  labels(repo: string, number: number): string[];
  comments(repo: string, number: number): string[];
  /** Changed files of a PR between its merge base and its head, line by line. */
  diff(repo: string, number: number): FileDiff[];
  close(): Promise<void>;
}

interface Commit {
  sha: string;
  parents: string[];
  files: ReadonlyMap<string, string>;
  message: string;
  date: string;
  /** The GitHub login the commit's author maps to. */
  author: string;
}

interface Pull {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  headRef: string;
  headSha: string;
  baseRef: string;
  /** Frozen when the PR is merged or closed, so its files stay what they were. */
  frozenMergeBase?: string;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  user: string;
  /** `owner/name` of a fork the PR comes from; undefined for a branch of the repository itself. */
  headRepo?: string;
}

interface Comment {
  id: number;
  issue: number;
  body: string;
  user: string;
  createdAt: string;
}

interface Repo {
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  commits: Map<string, Commit>;
  branches: Map<string, string>;
  pulls: Map<number, Pull>;
  labels: Map<number, string[]>;
  comments: Comment[];
  nextNumber: number;
  checkRuns: FakeCheckRun[];
  statuses: Array<FakeStatus & { sha: string }>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly data: Record<string, unknown>,
  ) {
    super(String(data.message));
  }
}

const DOCS = 'https://docs.github.com/rest';
/** The login of the token the fake accepts: the bot's own account. */
export const BOT_LOGIN = 'rollback-bot';
/** Author of commits someone else pushes (commitFile's default). */
const PERSON_LOGIN = 'octocat';
const notFound = (): HttpError => new HttpError(404, { message: 'Not Found', documentation_url: DOCS });
const validationFailed = (errors: Array<Record<string, unknown>>): HttpError =>
  new HttpError(422, { message: 'Validation Failed', errors, documentation_url: DOCS });

const sha1 = (data: string | Buffer): string => createHash('sha1').update(data).digest('hex');

/** Git's blob id, which is what GitHub reports as a file's `sha`. */
export const gitBlobSha = (content: string): string => {
  const bytes = Buffer.from(content, 'utf8');
  return sha1(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]));
};

/** GitHub returns file content as base64 broken into 60-character lines, each ending in "\n". */
const wrappedBase64 = (content: string): string => {
  const b64 = Buffer.from(content, 'utf8').toString('base64');
  return b64 === '' ? '' : `${b64.match(/.{1,60}/g)?.join('\n')}\n`;
};

const isoNow = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function startFakeGitHub(opts: StartFakeGitHubOptions): Promise<FakeGitHub> {
  const repos = new Map<string, Repo>();
  const calls: GitHubCall[] = [];
  const failures: Array<{ method: string; path: RegExp; status: number; left: number }> = [];
  let commitSeq = 0;
  let commentSeq = 0;
  let checkSeq = 0;
  /** Who is calling (set per request from its token): the bot's account, or the app. */
  let caller: { login: string; app?: { slug: string; id: number } } = { login: BOT_LOGIN };

  // ---- model ----

  const makeCommit = (
    repo: Repo,
    parents: string[],
    files: Map<string, string>,
    message: string,
    author = BOT_LOGIN,
  ): Commit => {
    commitSeq += 1;
    const tree = [...files.keys()]
      .sort()
      .map((path) => `${path} ${gitBlobSha(files.get(path) ?? '')}`)
      .join('\n');
    // The sequence number keeps two commits with identical content and parents distinct.
    const sha = sha1(
      `tree ${sha1(tree)}\n${parents.map((p) => `parent ${p}\n`).join('')}\n${message}\n${commitSeq}`,
    );
    const commit: Commit = { sha, parents, files, message, date: isoNow(), author };
    repo.commits.set(sha, commit);
    return commit;
  };

  for (const [fullName, seed] of Object.entries(opts.repos)) {
    const [owner, name] = fullName.split('/');
    if (!owner || !name) throw new Error(`fake GitHub: repo must be "owner/name", got ${fullName}`);
    const repo: Repo = {
      owner,
      name,
      fullName,
      defaultBranch: seed.defaultBranch ?? 'main',
      commits: new Map(),
      branches: new Map(),
      pulls: new Map(),
      labels: new Map(),
      comments: [],
      nextNumber: 1,
      checkRuns: [],
      statuses: [],
    };
    const initial = makeCommit(repo, [], new Map(Object.entries(seed.files)), 'Initial commit');
    repo.branches.set(repo.defaultBranch, initial.sha);
    repos.set(fullName.toLowerCase(), repo);
  }

  const repoOrThrow = (fullName: string): Repo => {
    const repo = repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`fake GitHub: no repo ${fullName}`);
    return repo;
  };

  /** A ref as GitHub accepts it in `?ref=`: branch, `heads/x`, `refs/heads/x`, or a (short) commit sha. */
  const resolveRef = (repo: Repo, ref: string): Commit | undefined => {
    const branch = ref.replace(/^refs\//, '').replace(/^heads\//, '');
    const branchSha = repo.branches.get(branch);
    if (branchSha) return repo.commits.get(branchSha);
    if (/^[0-9a-f]{7,40}$/.test(ref)) {
      const matches = [...repo.commits.keys()].filter((sha) => sha.startsWith(ref));
      if (matches.length === 1 && matches[0]) return repo.commits.get(matches[0]);
    }
    return undefined;
  };

  const commitOf = (repo: Repo, sha: string): Commit => {
    const commit = repo.commits.get(sha);
    if (!commit) throw new Error(`fake GitHub: unknown commit ${sha}`);
    return commit;
  };

  const ancestors = (repo: Repo, sha: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [sha];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...commitOf(repo, next).parents);
    }
    return seen;
  };

  /** Nearest common ancestor, found breadth-first from `a`. */
  const mergeBase = (repo: Repo, a: string, b: string): string | undefined => {
    const ofB = ancestors(repo, b);
    const queue = [a];
    const seen = new Set<string>();
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (ofB.has(next)) return next;
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...commitOf(repo, next).parents);
    }
    return undefined;
  };

  const pushCommit = (
    repo: Repo,
    branch: string,
    files: Map<string, string>,
    message: string,
    author = BOT_LOGIN,
  ): Commit => {
    const parent = repo.branches.get(branch);
    if (!parent) throw new HttpError(404, { message: `Branch ${branch} not found`, documentation_url: DOCS });
    const commit = makeCommit(repo, [parent], files, message, author);
    repo.branches.set(branch, commit.sha);
    return commit;
  };

  /** A PR's head follows its branch while open, as on GitHub (a fork's branch is not ours to follow). */
  const headSha = (repo: Repo, pr: Pull): string => {
    if (pr.state === 'open' && !pr.headRepo) pr.headSha = repo.branches.get(pr.headRef) ?? pr.headSha;
    return pr.headSha;
  };

  /** Commits reachable from `head` and not from `base`, oldest first (first-parent order reversed). */
  const commitsBetween = (repo: Repo, base: string, head: string): Commit[] => {
    const known = ancestors(repo, base);
    const out: Commit[] = [];
    const stack = [head];
    const seen = new Set<string>();
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      if (known.has(next) || seen.has(next)) continue;
      seen.add(next);
      const c = commitOf(repo, next);
      out.push(c);
      stack.push(...c.parents);
    }
    return out.reverse();
  };

  /** Changed files between two commits, in GitHub's `files` shape. */
  const filesBetween = (repo: Repo, from: string, to: string): FileDiff[] => {
    const before = commitOf(repo, from).files;
    const after = commitOf(repo, to).files;
    const out: FileDiff[] = [];
    for (const filename of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const a = before.get(filename);
      const b = after.get(filename);
      if (a === b) continue;
      out.push({
        filename,
        status: a === undefined ? 'added' : b === undefined ? 'removed' : 'modified',
        ...diffLines(a ?? '', b ?? ''),
      });
    }
    return out;
  };

  const pullMergeBase = (repo: Repo, pr: Pull): string => {
    if (pr.frozenMergeBase) return pr.frozenMergeBase;
    const baseTip = repo.branches.get(pr.baseRef);
    return (baseTip && mergeBase(repo, headSha(repo, pr), baseTip)) ?? headSha(repo, pr);
  };

  const freeze = (repo: Repo, pr: Pull): void => {
    pr.frozenMergeBase = pullMergeBase(repo, pr);
    headSha(repo, pr);
  };

  const pullFiles = (repo: Repo, pr: Pull): FileDiff[] =>
    filesBetween(repo, pullMergeBase(repo, pr), headSha(repo, pr));

  const pullOrThrow = (repo: Repo, number: number): Pull => {
    const pr = repo.pulls.get(number);
    if (!pr) throw new Error(`fake GitHub: no pull request #${number} in ${repo.fullName}`);
    return pr;
  };

  // ---- JSON shapes ----

  let apiUrl = '';
  const repoJson = (repo: Repo) => ({
    id: 1000 + [...repos.values()].indexOf(repo),
    name: repo.name,
    full_name: repo.fullName,
    owner: { login: repo.owner, type: 'Organization' },
    private: false,
    html_url: `https://github.com/${repo.fullName}`,
    url: `${apiUrl}/repos/${repo.fullName}`,
    default_branch: repo.defaultBranch,
  });

  const refJson = (repo: Repo, branch: string, sha: string) => ({
    ref: `refs/heads/${branch}`,
    url: `${apiUrl}/repos/${repo.fullName}/git/refs/heads/${branch}`,
    object: { sha, type: 'commit', url: `${apiUrl}/repos/${repo.fullName}/git/commits/${sha}` },
  });

  const commitJson = (repo: Repo, commit: Commit) => ({
    sha: commit.sha,
    url: `${apiUrl}/repos/${repo.fullName}/commits/${commit.sha}`,
    html_url: `https://github.com/${repo.fullName}/commit/${commit.sha}`,
    commit: {
      message: commit.message,
      author: { name: commit.author, email: `${commit.author}@users.noreply.github.com`, date: commit.date },
      committer: { name: commit.author, date: commit.date },
    },
    author: { login: commit.author, type: commit.author === BOT_LOGIN ? 'Bot' : 'User' },
    committer: { login: commit.author },
    parents: commit.parents.map((sha) => ({ sha })),
  });

  const fileJson = (repo: Repo, head: string, f: FileDiff) => ({
    sha: f.status === 'removed' ? null : gitBlobSha(fileIn(repo, head, f.filename)),
    filename: f.filename,
    status: f.status,
    additions: f.added.length,
    deletions: f.removed.length,
    changes: f.added.length + f.removed.length,
    blob_url: `https://github.com/${repo.fullName}/blob/${head}/${f.filename}`,
    raw_url: `https://github.com/${repo.fullName}/raw/${head}/${f.filename}`,
    contents_url: `${apiUrl}/repos/${repo.fullName}/contents/${f.filename}?ref=${head}`,
    patch: f.patch,
  });

  const labelJson = (name: string) => ({
    id: Number.parseInt(sha1(name).slice(0, 8), 16),
    name,
    color: 'ededed',
  });

  const pullJson = (repo: Repo, pr: Pull, full: boolean): PullJson => {
    const branchRepo = { name: repo.name, full_name: repo.fullName, owner: { login: repo.owner } };
    const json: PullJson = {
      url: `${apiUrl}/repos/${repo.fullName}/pulls/${pr.number}`,
      id: 100_000 + pr.number,
      number: pr.number,
      html_url: `https://github.com/${repo.fullName}/pull/${pr.number}`,
      state: pr.state,
      locked: false,
      title: pr.title,
      body: pr.body,
      user: { login: pr.user, type: 'Bot' },
      labels: (repo.labels.get(pr.number) ?? []).map(labelJson),
      draft: pr.draft,
      created_at: pr.createdAt,
      updated_at: pr.updatedAt,
      closed_at: pr.closedAt,
      merged_at: pr.mergedAt,
      merge_commit_sha: pr.mergeCommitSha,
      head: {
        label: `${(pr.headRepo ?? repo.fullName).split('/')[0]}:${pr.headRef}`,
        ref: pr.headRef,
        sha: headSha(repo, pr),
        repo: pr.headRepo
          ? { name: repo.name, full_name: pr.headRepo, owner: { login: pr.headRepo.split('/')[0] } }
          : branchRepo,
      },
      base: {
        label: `${repo.owner}:${pr.baseRef}`,
        ref: pr.baseRef,
        sha: repo.branches.get(pr.baseRef) ?? '',
        repo: branchRepo,
      },
    };
    if (full) {
      // Only GET /pulls/{n} has these; the list endpoint leaves them out (a client must not rely on
      // `merged` from a list).
      const files = pullFiles(repo, pr);
      Object.assign(json, {
        merged: pr.merged,
        mergeable: pr.state === 'open' ? true : null,
        merged_by: pr.mergedBy ? { login: pr.mergedBy } : null,
        comments: repo.comments.filter((c) => c.issue === pr.number).length,
        commits: 1,
        additions: files.reduce((n, f) => n + f.added.length, 0),
        deletions: files.reduce((n, f) => n + f.removed.length, 0),
        changed_files: files.length,
      });
    }
    return json;
  };

  const commentJson = (repo: Repo, c: Comment) => ({
    id: c.id,
    body: c.body,
    user: { login: c.user, type: 'Bot' },
    html_url: `https://github.com/${repo.fullName}/pull/${c.issue}#issuecomment-${c.id}`,
    created_at: c.createdAt,
  });

  // ---- HTTP ----

  type Reply = { status: number; data?: unknown; headers?: Record<string, string> };
  const ok = (data: unknown, status = 200): Reply => ({ status, data });

  /** GitHub-style pagination: `per_page` (≤ 100, default 30), `page`, and a Link header. */
  const paginate = (items: unknown[], query: Record<string, string>, path: string): Reply => {
    const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? 30) || 30));
    const page = Math.max(1, Number(query.page ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string) => {
      const params = new URLSearchParams({ ...query, per_page: String(perPage), page: String(p) });
      return `<${apiUrl}${path}?${params}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
    return {
      status: 200,
      data: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length ? { link: links.join(', ') } : {},
    };
  };

  const needString = (body: Record<string, unknown>, field: string): string => {
    const value = body[field];
    if (typeof value !== 'string') {
      throw new HttpError(422, {
        message: `Invalid request.\n\n"${field}" wasn't supplied.`,
        documentation_url: DOCS,
      });
    }
    return value;
  };

  const route = (method: string, segments: string[], query: Record<string, string>, body: unknown): Reply => {
    const [root, owner, name, ...rest] = segments;
    if (root === 'rate_limit' && segments.length === 1 && method === 'GET') {
      // Reading the rate limit does not count against it (GitHub's docs); the fake never runs out.
      const core = { limit: 5000, used: 0, remaining: 5000, reset: Math.floor(Date.now() / 1000) + 3600 };
      return ok({ resources: { core }, rate: core });
    }
    if (root === 'user' && segments.length === 1 && method === 'GET') {
      // The token's own account; an installation token has none.
      if (caller.app)
        throw new HttpError(403, {
          message: 'Resource not accessible by integration',
          documentation_url: DOCS,
        });
      return ok({ login: BOT_LOGIN, id: 4242, type: 'User', html_url: `https://github.com/${BOT_LOGIN}` });
    }
    if (root !== 'repos' || !owner || !name) throw notFound();
    const repo = repos.get(`${owner}/${name}`.toLowerCase());
    if (!repo) throw notFound();
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const [section, ...tail] = rest;
    const base = `/repos/${repo.fullName}`;

    if (section === undefined && method === 'GET') return ok(repoJson(repo));

    if (section === 'branches' && tail.length > 0 && method === 'GET') {
      const branch = tail.join('/');
      const sha = repo.branches.get(branch);
      if (!sha) throw new HttpError(404, { message: 'Branch not found', documentation_url: DOCS });
      return ok({ name: branch, commit: commitJson(repo, commitOf(repo, sha)), protected: false });
    }

    if (section === 'commits' && tail.length === 0 && method === 'GET') {
      // History from `sha` (default branch when absent), newest first, following first parents;
      // with `path`, only commits that changed that file.
      const start = resolveRef(repo, query.sha ?? repo.defaultBranch);
      if (!start) throw new HttpError(404, { message: 'Not Found', documentation_url: DOCS });
      const list: Commit[] = [];
      for (let c: Commit | undefined = start; c; ) {
        const parentSha: string | undefined = c.parents[0];
        const parent: Commit | undefined = parentSha ? commitOf(repo, parentSha) : undefined;
        if (query.path === undefined || c.files.get(query.path) !== parent?.files.get(query.path))
          list.push(c);
        c = parent;
      }
      return paginate(
        list.map((c) => commitJson(repo, c)),
        query,
        `${base}/commits`,
      );
    }

    if (section === 'commits' && tail.length >= 2 && method === 'GET') {
      const what = tail.at(-1);
      if (what === 'check-runs' || what === 'statuses') {
        const commit = resolveRef(repo, tail.slice(0, -1).join('/'));
        if (!commit)
          throw new HttpError(422, { message: `No commit found for SHA: ${tail.slice(0, -1).join('/')}` });
        if (what === 'statuses') {
          // Newest first, as GitHub lists them.
          const list = repo.statuses
            .filter((st) => st.sha === commit.sha)
            .reverse()
            .map(({ sha: _sha, ...st }) => st);
          return paginate(list, query, `${base}/commits/${commit.sha}/statuses`);
        }
        let runs = repo.checkRuns.filter(
          (r) =>
            r.head_sha === commit.sha &&
            (query.check_name === undefined || r.name === query.check_name) &&
            (query.status === undefined || r.status === query.status) &&
            (query.app_id === undefined || String(r.app.id) === query.app_id),
        );
        // `filter=latest` (the default): the most recent run of each name, per app.
        if ((query.filter ?? 'latest') === 'latest') {
          const latest = new Map<string, FakeCheckRun>();
          for (const r of runs) latest.set(`${r.app.id}\u0000${r.name}`, r);
          runs = [...latest.values()];
        }
        runs = [...runs].reverse();
        const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? 30) || 30));
        const page = Math.max(1, Number(query.page ?? 1) || 1);
        return ok({ total_count: runs.length, check_runs: runs.slice((page - 1) * perPage, page * perPage) });
      }
    }

    if (section === 'check-runs' && tail.length === 0 && method === 'POST')
      return createCheckRun(repo, input);

    if (section === 'statuses' && tail.length === 1 && method === 'POST') {
      return createStatus(repo, tail[0] ?? '', input);
    }

    if (section === 'commits' && tail.length > 0 && method === 'GET') {
      const commit = resolveRef(repo, tail.join('/'));
      if (!commit) throw new HttpError(422, { message: `No commit found for SHA: ${tail.join('/')}` });
      return ok(commitJson(repo, commit));
    }

    if (section === 'git') return routeGit(repo, method, tail, input);

    if (section === 'contents') {
      const path = tail.join('/');
      if (method === 'GET') return getContents(repo, path, query.ref);
      if (method === 'PUT') return putContents(repo, path, input);
    }

    if (section === 'pulls') {
      if (tail.length === 0 && method === 'GET') {
        return paginate(listPulls(repo, query), query, `${base}/pulls`);
      }
      if (tail.length === 0 && method === 'POST') return createPull(repo, input);
      const pr = repo.pulls.get(Number(tail[0]));
      if (!pr) throw notFound();
      if (tail.length === 1 && method === 'GET') return ok(pullJson(repo, pr, true));
      if (tail.length === 1 && method === 'PATCH') return updatePull(repo, pr, input);
      if (tail.length === 2 && tail[1] === 'files' && method === 'GET') {
        const files = pullFiles(repo, pr).map((f) => fileJson(repo, headSha(repo, pr), f));
        return paginate(files, query, `${base}/pulls/${pr.number}/files`);
      }
      if (tail.length === 2 && tail[1] === 'commits' && method === 'GET') {
        const commits = commitsBetween(repo, pullMergeBase(repo, pr), headSha(repo, pr));
        return paginate(
          commits.map((c) => commitJson(repo, c)),
          query,
          `${base}/pulls/${pr.number}/commits`,
        );
      }
    }

    if (section === 'compare' && tail.length > 0 && method === 'GET') {
      // `base...head` (three dots): what head adds since the merge base, as GitHub's compare does.
      const [baseRef, headRef] = tail.join('/').split('...');
      const baseCommit = baseRef ? resolveRef(repo, baseRef) : undefined;
      const headCommit = headRef ? resolveRef(repo, headRef) : undefined;
      if (!baseCommit || !headCommit) throw notFound();
      const mb = mergeBase(repo, headCommit.sha, baseCommit.sha) ?? baseCommit.sha;
      const ahead = commitsBetween(repo, baseCommit.sha, headCommit.sha);
      const behind = commitsBetween(repo, headCommit.sha, baseCommit.sha);
      return ok({
        status:
          ahead.length && behind.length
            ? 'diverged'
            : ahead.length
              ? 'ahead'
              : behind.length
                ? 'behind'
                : 'identical',
        ahead_by: ahead.length,
        behind_by: behind.length,
        total_commits: ahead.length,
        merge_base_commit: commitJson(repo, commitOf(repo, mb)),
        base_commit: commitJson(repo, baseCommit),
        commits: ahead.map((c) => commitJson(repo, c)),
        files: filesBetween(repo, mb, headCommit.sha).map((f) => fileJson(repo, headCommit.sha, f)),
      });
    }

    if (section === 'issues' && tail.length >= 2) {
      const number = Number(tail[0]);
      if (!repo.pulls.has(number)) throw notFound();
      if (tail[1] === 'labels') return routeLabels(repo, number, method, tail.slice(2), input);
      if (tail[1] === 'comments' && tail.length === 2) {
        if (method === 'GET') {
          const list = repo.comments.filter((c) => c.issue === number).map((c) => commentJson(repo, c));
          return paginate(list, query, `${base}/issues/${number}/comments`);
        }
        if (method === 'POST') {
          commentSeq += 1;
          const comment = {
            id: commentSeq,
            issue: number,
            body: needString(input, 'body'),
            user: caller.login,
            createdAt: isoNow(),
          };
          repo.comments.push(comment);
          return ok(commentJson(repo, comment), 201);
        }
      }
    }

    throw notFound();
  };

  const fileIn = (repo: Repo, sha: string, path: string): string => commitOf(repo, sha).files.get(path) ?? '';

  const routeGit = (repo: Repo, method: string, tail: string[], input: Record<string, unknown>): Reply => {
    const [kind, type, ...rest] = tail;
    // GET git/ref/heads/x (singular) is the documented read; git/refs/heads/x is the legacy alias.
    if ((kind === 'ref' || kind === 'refs') && type === 'heads' && rest.length > 0 && method === 'GET') {
      const branch = rest.join('/');
      const sha = repo.branches.get(branch);
      if (!sha) throw notFound();
      return ok(refJson(repo, branch, sha));
    }
    if (kind === 'refs' && type === undefined && method === 'POST') {
      const ref = needString(input, 'ref');
      const sha = needString(input, 'sha');
      const match = /^refs\/heads\/(.+)$/.exec(ref);
      if (!match?.[1]) {
        throw new HttpError(422, {
          message: 'Reference name must start with refs/heads/ here',
          documentation_url: DOCS,
        });
      }
      if (repo.branches.has(match[1])) {
        throw new HttpError(422, { message: 'Reference already exists', documentation_url: DOCS });
      }
      if (!repo.commits.has(sha))
        throw new HttpError(422, { message: 'Object does not exist', documentation_url: DOCS });
      repo.branches.set(match[1], sha);
      return ok(refJson(repo, match[1], sha), 201);
    }
    if (kind === 'refs' && type === 'heads' && rest.length > 0 && method === 'PATCH') {
      const branch = rest.join('/');
      const current = repo.branches.get(branch);
      if (!current)
        throw new HttpError(422, { message: 'Reference does not exist', documentation_url: DOCS });
      const sha = needString(input, 'sha');
      if (!repo.commits.has(sha))
        throw new HttpError(422, { message: 'Object does not exist', documentation_url: DOCS });
      if (input.force !== true && !ancestors(repo, sha).has(current)) {
        throw new HttpError(422, { message: 'Update is not a fast forward', documentation_url: DOCS });
      }
      repo.branches.set(branch, sha);
      return ok(refJson(repo, branch, sha));
    }
    if (kind === 'refs' && type === 'heads' && rest.length > 0 && method === 'DELETE') {
      if (!repo.branches.delete(rest.join('/'))) {
        throw new HttpError(422, { message: 'Reference does not exist', documentation_url: DOCS });
      }
      return { status: 204 };
    }
    throw notFound();
  };

  const getContents = (repo: Repo, path: string, ref: string | undefined): Reply => {
    const commit = resolveRef(repo, ref ?? repo.defaultBranch);
    if (!commit)
      throw new HttpError(404, { message: `No commit found for the ref ${ref}`, documentation_url: DOCS });
    const content = commit.files.get(path);
    if (content !== undefined) {
      const name = path.split('/').at(-1) ?? path;
      return ok({
        type: 'file',
        encoding: 'base64',
        size: Buffer.byteLength(content),
        name,
        path,
        content: wrappedBase64(content),
        sha: gitBlobSha(content),
        url: `${apiUrl}/repos/${repo.fullName}/contents/${path}?ref=${ref ?? repo.defaultBranch}`,
        html_url: `https://github.com/${repo.fullName}/blob/${ref ?? repo.defaultBranch}/${path}`,
      });
    }
    // A directory answers with its entries, as GitHub does.
    const prefix = path === '' ? '' : `${path}/`;
    const entries = new Map<
      string,
      { type: 'file' | 'dir'; name: string; path: string; sha: string; size: number }
    >();
    for (const [file, text] of commit.files) {
      if (!file.startsWith(prefix)) continue;
      const [first, ...more] = file.slice(prefix.length).split('/');
      if (!first || entries.has(first)) continue;
      entries.set(
        first,
        more.length
          ? { type: 'dir', name: first, path: `${prefix}${first}`, sha: sha1(`${prefix}${first}`), size: 0 }
          : { type: 'file', name: first, path: file, sha: gitBlobSha(text), size: Buffer.byteLength(text) },
      );
    }
    if (entries.size === 0) throw notFound();
    return ok([...entries.values()].sort((a, b) => a.name.localeCompare(b.name)));
  };

  const putContents = (repo: Repo, path: string, input: Record<string, unknown>): Reply => {
    const message = needString(input, 'message');
    const content = Buffer.from(needString(input, 'content'), 'base64').toString('utf8');
    const branch = typeof input.branch === 'string' ? input.branch : repo.defaultBranch;
    const tip = repo.branches.get(branch);
    if (!tip) throw new HttpError(404, { message: `Branch ${branch} not found`, documentation_url: DOCS });
    const current = commitOf(repo, tip).files.get(path);
    if (current !== undefined) {
      const currentSha = gitBlobSha(current);
      if (typeof input.sha !== 'string') needString(input, 'sha');
      if (input.sha !== currentSha) {
        throw new HttpError(409, {
          message: `is at ${currentSha} but expected ${String(input.sha)}`,
          documentation_url: DOCS,
        });
      }
    }
    const files = new Map(commitOf(repo, tip).files);
    files.set(path, content);
    const commit = pushCommit(repo, branch, files, message, caller.login);
    const name = path.split('/').at(-1) ?? path;
    return ok(
      {
        content: { name, path, sha: gitBlobSha(content), size: Buffer.byteLength(content), type: 'file' },
        commit: {
          sha: commit.sha,
          message: commit.message,
          parents: commit.parents.map((sha) => ({ sha })),
          html_url: `https://github.com/${repo.fullName}/commit/${commit.sha}`,
        },
      },
      current === undefined ? 201 : 200,
    );
  };

  const CONCLUSIONS = [
    'action_required',
    'cancelled',
    'failure',
    'neutral',
    'success',
    'skipped',
    'stale',
    'timed_out',
  ];

  /** POST /repos/{owner}/{repo}/check-runs: GitHub Apps only; a completed run needs its conclusion. */
  const createCheckRun = (repo: Repo, input: Record<string, unknown>): Reply => {
    if (!caller.app)
      throw new HttpError(403, {
        message: 'You must authenticate via a GitHub App.',
        documentation_url: DOCS,
      });
    const name = needString(input, 'name');
    const headSha = needString(input, 'head_sha');
    const commit = resolveRef(repo, headSha);
    if (!commit || commit.sha !== headSha)
      throw validationFailed([{ resource: 'CheckRun', field: 'head_sha', code: 'invalid' }]);
    const conclusion = typeof input.conclusion === 'string' ? input.conclusion : null;
    const status =
      typeof input.status === 'string'
        ? input.status
        : conclusion !== null || input.completed_at
          ? 'completed'
          : 'queued';
    if (!['queued', 'in_progress', 'completed'].includes(status))
      throw validationFailed([{ resource: 'CheckRun', field: 'status', code: 'invalid' }]);
    if (conclusion !== null && !CONCLUSIONS.includes(conclusion))
      throw validationFailed([{ resource: 'CheckRun', field: 'conclusion', code: 'invalid' }]);
    if (status === 'completed' && conclusion === null)
      throw validationFailed([{ resource: 'CheckRun', field: 'conclusion', code: 'missing_field' }]);
    const output = (typeof input.output === 'object' && input.output !== null ? input.output : undefined) as
      | Record<string, unknown>
      | undefined;
    if (output) {
      needString(output, 'title');
      needString(output, 'summary');
    }
    checkSeq += 1;
    const now = isoNow();
    const run: FakeCheckRun = {
      id: checkSeq,
      name,
      head_sha: commit.sha,
      status: status as FakeCheckRun['status'],
      conclusion: status === 'completed' ? conclusion : null,
      details_url: typeof input.details_url === 'string' ? input.details_url : null,
      external_id: typeof input.external_id === 'string' ? input.external_id : null,
      started_at: typeof input.started_at === 'string' ? input.started_at : now,
      completed_at:
        status === 'completed' ? (typeof input.completed_at === 'string' ? input.completed_at : now) : null,
      output: {
        title: typeof output?.title === 'string' ? output.title : null,
        summary: typeof output?.summary === 'string' ? output.summary : null,
        text: typeof output?.text === 'string' ? output.text : null,
      },
      app: { ...caller.app },
      html_url: `https://github.com/${repo.fullName}/runs/${checkSeq}`,
    };
    repo.checkRuns.push(run);
    return ok(run, 201);
  };

  /** POST /repos/{owner}/{repo}/statuses/{sha}: anyone with write access; the context defaults to "default". */
  const createStatus = (repo: Repo, sha: string, input: Record<string, unknown>): Reply => {
    const state = needString(input, 'state');
    if (!['error', 'failure', 'pending', 'success'].includes(state))
      throw validationFailed([{ resource: 'Status', field: 'state', code: 'custom' }]);
    const commit = resolveRef(repo, sha);
    if (!commit || commit.sha !== sha)
      throw new HttpError(422, { message: `No commit found for SHA: ${sha}`, documentation_url: DOCS });
    const description = typeof input.description === 'string' ? input.description : null;
    if (description && description.length > 140)
      throw validationFailed([
        {
          resource: 'Status',
          field: 'description',
          code: 'custom',
          message: 'description is too long (maximum is 140 characters)',
        },
      ]);
    checkSeq += 1;
    const now = isoNow();
    const status: FakeStatus = {
      id: checkSeq,
      state: state as FakeStatus['state'],
      description,
      target_url: typeof input.target_url === 'string' ? input.target_url : null,
      context: typeof input.context === 'string' ? input.context : 'default',
      created_at: now,
      updated_at: now,
      creator: { login: caller.login },
    };
    repo.statuses.push({ ...status, sha: commit.sha });
    return ok(status, 201);
  };

  const listPulls = (repo: Repo, query: Record<string, string>): PullJson[] => {
    const state = query.state ?? 'open';
    // GitHub only honours `head` as "owner:branch"; a bare branch name is silently ignored (the
    // filter then returns every PR), a classic bug this fake reproduces on purpose.
    const head = query.head?.includes(':') ? query.head : undefined;
    let list = [...repo.pulls.values()].filter(
      (pr) =>
        (state === 'all' || pr.state === state) &&
        (head === undefined ||
          `${(pr.headRepo ?? repo.fullName).split('/')[0]}:${pr.headRef}`.toLowerCase() ===
            head.toLowerCase()) &&
        (query.base === undefined || pr.baseRef === query.base),
    );
    list = list.sort((a, b) => b.number - a.number); // default: created, newest first
    if (query.direction === 'asc') list.reverse();
    return list.map((pr) => pullJson(repo, pr, false));
  };

  const createPull = (repo: Repo, input: Record<string, unknown>): Reply => {
    const title = needString(input, 'title');
    const headInput = needString(input, 'head');
    const baseRef = needString(input, 'base');
    const [headOwner, headRef] = headInput.includes(':') ? headInput.split(':', 2) : [repo.owner, headInput];
    const headTip = headRef ? repo.branches.get(headRef) : undefined;
    if (headOwner?.toLowerCase() !== repo.owner.toLowerCase() || !headRef || !headTip) {
      throw validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    }
    const baseTip = repo.branches.get(baseRef);
    if (!baseTip) throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    const existing = [...repo.pulls.values()].find((pr) => pr.state === 'open' && pr.headRef === headRef);
    if (existing) {
      throw validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${repo.owner}:${headRef}.`,
        },
      ]);
    }
    if (ancestors(repo, baseTip).has(headTip)) {
      throw validationFailed([
        { resource: 'PullRequest', code: 'custom', message: `No commits between ${baseRef} and ${headRef}` },
      ]);
    }
    const now = isoNow();
    const pr: Pull = {
      number: repo.nextNumber++,
      title,
      body: typeof input.body === 'string' ? input.body : null,
      state: 'open',
      draft: input.draft === true,
      headRef,
      headSha: headTip,
      baseRef,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      user: caller.login,
    };
    repo.pulls.set(pr.number, pr);
    return ok(pullJson(repo, pr, true), 201);
  };

  const updatePull = (repo: Repo, pr: Pull, input: Record<string, unknown>): Reply => {
    if (typeof input.title === 'string') pr.title = input.title;
    if (typeof input.body === 'string') pr.body = input.body;
    if (typeof input.base === 'string') {
      if (!repo.branches.has(input.base))
        throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      pr.baseRef = input.base;
    }
    if (input.state === 'closed' && pr.state === 'open') {
      freeze(repo, pr);
      pr.state = 'closed';
      pr.closedAt = isoNow();
    } else if (input.state === 'open' && pr.state === 'closed') {
      if (pr.merged)
        throw validationFailed([
          {
            resource: 'PullRequest',
            code: 'custom',
            message: 'state cannot be changed. The pull request has been merged.',
          },
        ]);
      pr.state = 'open';
      pr.closedAt = null;
      pr.frozenMergeBase = undefined;
    }
    pr.updatedAt = isoNow();
    return ok(pullJson(repo, pr, true));
  };

  const routeLabels = (
    repo: Repo,
    number: number,
    method: string,
    tail: string[],
    input: Record<string, unknown>,
  ): Reply => {
    const current = repo.labels.get(number) ?? [];
    const given = (): string[] => {
      const raw = Array.isArray(input.labels) ? input.labels : [];
      return raw.map((l: unknown) =>
        typeof l === 'object' && l !== null ? String((l as { name?: unknown }).name) : String(l),
      );
    };
    if (tail.length === 0 && method === 'GET') return ok(current.map(labelJson));
    if (tail.length === 0 && method === 'POST') {
      const next = [...new Set([...current, ...given()])];
      repo.labels.set(number, next);
      return ok(next.map(labelJson));
    }
    if (tail.length === 0 && method === 'PUT') {
      const next = [...new Set(given())];
      repo.labels.set(number, next);
      return ok(next.map(labelJson));
    }
    if (tail.length === 1 && method === 'DELETE') {
      const name = tail[0] ?? '';
      if (!current.includes(name))
        throw new HttpError(404, { message: 'Label does not exist', documentation_url: DOCS });
      const next = current.filter((l) => l !== name);
      repo.labels.set(number, next);
      return ok(next.map(labelJson));
    }
    throw notFound();
  };

  const authorized = (header: string | undefined): boolean => {
    // octokit's token auth sends `token <t>` (or `bearer <t>` for JWTs); GitHub accepts both schemes.
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '');
    if (opts.app && match?.[1] === opts.app.token) {
      caller = { login: `${opts.app.slug}[bot]`, app: { slug: opts.app.slug, id: opts.app.id } };
      return true;
    }
    caller = { login: BOT_LOGIN };
    return match?.[1] === opts.token;
  };

  const holds: Array<{ method: string; path: RegExp; arrive: () => void; released: Promise<void> }> = [];

  const server = await startHttpServer(async (req, res: http.ServerResponse, raw) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    // octokit percent-encodes the slashes inside {ref} and {path} (heads%2Fmain); GitHub treats them
    // as plain slashes, so decode before splitting.
    const segments = decodeURIComponent(url.pathname)
      .split('/')
      .filter((s) => s !== '');
    const query = Object.fromEntries(url.searchParams);
    let body: unknown;
    const text = raw.toString('utf8');
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const call: GitHubCall = { method, path: `/${segments.join('/')}`, query, body, status: 0 };
    calls.push(call);

    let reply: Reply;
    const failure = failures.find((f) => f.method === method && f.path.test(call.path));
    if (failure) {
      failure.left -= 1;
      if (failure.left <= 0) failures.splice(failures.indexOf(failure), 1);
      reply = {
        status: failure.status,
        data: {
          message: failure.status >= 500 ? 'Server Error' : 'Injected failure',
          documentation_url: DOCS,
        },
      };
    } else if (!authorized(req.headers.authorization)) {
      reply = { status: 401, data: { message: 'Bad credentials', documentation_url: DOCS } };
    } else {
      try {
        reply = route(method, segments, query, body);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        reply = { status: err.status, data: err.data };
      }
    }
    call.status = reply.status;
    if (method !== 'GET' && method !== 'HEAD' && reply.status < 400) opts.onChange?.();
    const hold = holds.find((h) => h.method === method && h.path.test(call.path));
    if (hold) {
      holds.splice(holds.indexOf(hold), 1);
      hold.arrive();
      await hold.released;
    }
    if (reply.status === 204) {
      res.writeHead(204, reply.headers);
      res.end();
      return;
    }
    sendJson(res, reply.status, reply.data, {
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      ...reply.headers,
    });
  });
  apiUrl = server.url;

  const matches = (call: GitHubCall, filter?: GitHubCallFilter): boolean => {
    if (filter === undefined) return true;
    if (typeof filter === 'function') return filter(call);
    if (filter.method !== undefined && filter.method.toUpperCase() !== call.method) return false;
    if (typeof filter.path === 'string') return call.path === filter.path;
    if (filter.path instanceof RegExp) return filter.path.test(call.path);
    return true;
  };

  const commitSha = (repoName: string, ref: string): string | undefined =>
    resolveRef(repoOrThrow(repoName), ref)?.sha;

  return {
    url: server.url,
    checkRuns: (repoName, ref) =>
      repoOrThrow(repoName).checkRuns.filter((r) => r.head_sha === commitSha(repoName, ref)),
    statuses: (repoName, ref) =>
      repoOrThrow(repoName)
        .statuses.filter((st) => st.sha === commitSha(repoName, ref))
        .map(({ sha: _sha, ...st }) => st),
    calls,
    callCount: (filter) => calls.filter((c) => matches(c, filter)).length,
    reset() {
      calls.length = 0;
      failures.length = 0;
    },
    holdNext(method, pathRegex) {
      let arrive: () => void = () => undefined;
      let release: () => void = () => undefined;
      const arrived = new Promise<void>((r) => {
        arrive = r;
      });
      const released = new Promise<void>((r) => {
        release = r;
      });
      holds.push({ method: method.toUpperCase(), path: pathRegex, arrive, released });
      return { arrived, release };
    },
    failNext(method, pathRegex, status, times = 1) {
      failures.push({ method: method.toUpperCase(), path: pathRegex, status, left: times });
    },
    fileAt: (repoName, ref, path) => resolveRef(repoOrThrow(repoName), ref)?.files.get(path),
    commitFile(repoName, branch, path, content, message = `Update ${path}`, author = PERSON_LOGIN) {
      const repo = repoOrThrow(repoName);
      const tip = repo.branches.get(branch);
      if (!tip) throw new Error(`fake GitHub: no branch ${branch} in ${repoName}`);
      const files = new Map(commitOf(repo, tip).files);
      if (content === null) files.delete(path);
      else files.set(path, content);
      return pushCommit(repo, branch, files, message, author).sha;
    },
    createBranch(repoName, branch, from) {
      const repo = repoOrThrow(repoName);
      const commit = resolveRef(repo, from);
      if (!commit) throw new Error(`fake GitHub: no ref ${from} in ${repoName}`);
      repo.branches.set(branch, commit.sha);
    },
    deleteBranch(repoName, branch) {
      repoOrThrow(repoName).branches.delete(branch);
    },
    openPull(repoName, input) {
      const repo = repoOrThrow(repoName);
      const baseRef = input.base ?? repo.defaultBranch;
      const baseTip = repo.branches.get(baseRef);
      if (!baseTip) throw new Error(`fake GitHub: no base ${baseRef}`);
      let head = repo.branches.get(input.head);
      if (input.fork) {
        const files = new Map(commitOf(repo, baseTip).files);
        for (const [path, text] of Object.entries(input.fork.files)) files.set(path, text);
        head = makeCommit(repo, [baseTip], files, input.title ?? 'fork change', input.user).sha;
      }
      if (!head) throw new Error(`fake GitHub: no branch ${input.head}`);
      const now = isoNow();
      const pr: Pull = {
        number: repo.nextNumber++,
        title: input.title ?? 'A pull request',
        body: input.body ?? null,
        state: 'open',
        draft: false,
        headRef: input.head,
        headSha: head,
        baseRef,
        merged: false,
        mergedAt: null,
        mergedBy: null,
        mergeCommitSha: null,
        createdAt: now,
        updatedAt: now,
        closedAt: null,
        user: input.user,
        headRepo: input.fork?.fullName,
      };
      repo.pulls.set(pr.number, pr);
      return pr.number;
    },
    branchSha: (repoName, branch) => repoOrThrow(repoName).branches.get(branch),
    pulls(repoName) {
      const repo = repoOrThrow(repoName);
      return [...repo.pulls.values()].map((pr) => pullJson(repo, pr, true));
    },
    mergePull(repoName, number, byLogin) {
      const repo = repoOrThrow(repoName);
      const pr = pullOrThrow(repo, number);
      if (pr.state !== 'open') throw new Error(`fake GitHub: PR #${number} is not open`);
      const baseTip = repo.branches.get(pr.baseRef);
      if (!baseTip) throw new Error(`fake GitHub: base branch ${pr.baseRef} is gone`);
      freeze(repo, pr);
      // Three-way merge: base's files plus what the PR changed since the merge base.
      const mb = commitOf(repo, pullMergeBase(repo, pr)).files;
      const head = commitOf(repo, pr.headSha).files;
      const files = new Map(commitOf(repo, baseTip).files);
      for (const path of new Set([...mb.keys(), ...head.keys()])) {
        if (head.get(path) === mb.get(path)) continue;
        const ours = files.get(path);
        if (ours !== mb.get(path) && ours !== head.get(path)) {
          throw new Error(`fake GitHub: merge conflict in ${path} merging PR #${number}`);
        }
        const theirs = head.get(path);
        if (theirs === undefined) files.delete(path);
        else files.set(path, theirs);
      }
      const merge = makeCommit(
        repo,
        [baseTip, pr.headSha],
        files,
        `Merge pull request #${number} from ${repo.owner}/${pr.headRef}\n\n${pr.title}`,
      );
      repo.branches.set(pr.baseRef, merge.sha);
      const now = isoNow();
      Object.assign(pr, {
        state: 'closed',
        merged: true,
        mergedAt: now,
        mergedBy: byLogin,
        mergeCommitSha: merge.sha,
        closedAt: now,
        updatedAt: now,
      });
      return merge.sha;
    },
    closePull(repoName, number) {
      const repo = repoOrThrow(repoName);
      const pr = pullOrThrow(repo, number);
      if (pr.state !== 'open') return;
      freeze(repo, pr);
      pr.state = 'closed';
      pr.closedAt = isoNow();
      pr.updatedAt = pr.closedAt;
    },
    reopenPull(repoName, number) {
      const repo = repoOrThrow(repoName);
      updatePull(repo, pullOrThrow(repo, number), { state: 'open' });
    },
    labels: (repoName, number) => [...(repoOrThrow(repoName).labels.get(number) ?? [])],
    comments: (repoName, number) =>
      repoOrThrow(repoName)
        .comments.filter((c) => c.issue === number)
        .map((c) => c.body),
    diff(repoName, number) {
      const repo = repoOrThrow(repoName);
      return pullFiles(repo, pullOrThrow(repo, number));
    },
    close: () => server.close(),
  };
}

// ---- line diff ----

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Splits into lines that keep their "\n", so a missing final newline counts as a change. */
const splitLines = (text: string): string[] => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];

/** Longest-common-subsequence edit script; fine for config-sized files. */
function editScript(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) {
    // too big for the table: report a full replacement rather than allocate gigabytes
    return [
      ...a.map((line) => ({ kind: '-' as const, line })),
      ...b.map((line) => ({ kind: '+' as const, line })),
    ];
  }
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const below = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? (below[j + 1] ?? 0) + 1 : Math.max(below[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] as string });
      i++;
      j++;
    } else if (j < m && (i === n || (lcs[i]?.[j + 1] ?? 0) >= (lcs[i + 1]?.[j] ?? 0))) {
      ops.push({ kind: '+', line: b[j] as string });
      j++;
    } else {
      ops.push({ kind: '-', line: a[i] as string });
      i++;
    }
  }
  // Git shows a replaced block as its removals first, then its additions.
  return normaliseBlocks(ops);
}

function normaliseBlocks(ops: Op[]): Op[] {
  const out: Op[] = [];
  let removed: Op[] = [];
  let added: Op[] = [];
  const flush = () => {
    out.push(...removed, ...added);
    removed = [];
    added = [];
  };
  for (const op of ops) {
    if (op.kind === '-') removed.push(op);
    else if (op.kind === '+') added.push(op);
    else {
      flush();
      out.push(op);
    }
  }
  flush();
  return out;
}

/** Unified diff hunks with three lines of context, in the format of GitHub's `patch` field. */
export function diffLines(
  before: string,
  after: string,
): { removed: string[]; added: string[]; patch: string } {
  const ops = editScript(splitLines(before), splitLines(after));
  const strip = (line: string) => (line.endsWith('\n') ? line.slice(0, -1) : line);
  const removed = ops.filter((o) => o.kind === '-').map((o) => strip(o.line));
  const added = ops.filter((o) => o.kind === '+').map((o) => strip(o.line));

  const context = 3;
  const changed = ops.flatMap((o, idx) => (o.kind === ' ' ? [] : [idx]));
  const hunks: string[] = [];
  // line numbers before each op
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let oldLine = 0;
  let newLine = 0;
  for (const op of ops) {
    oldAt.push(oldLine);
    newAt.push(newLine);
    if (op.kind !== '+') oldLine++;
    if (op.kind !== '-') newLine++;
  }
  let k = 0;
  while (k < changed.length) {
    const first = changed[k] as number;
    let last = first;
    while (k + 1 < changed.length && (changed[k + 1] as number) - last <= 2 * context) {
      k++;
      last = changed[k] as number;
    }
    k++;
    const start = Math.max(0, first - context);
    const end = Math.min(ops.length, last + context + 1);
    const slice = ops.slice(start, end);
    const oldCount = slice.filter((o) => o.kind !== '+').length;
    const newCount = slice.filter((o) => o.kind !== '-').length;
    const range = (at: number, count: number) =>
      count === 1 ? `${at + 1}` : `${count === 0 ? at : at + 1},${count}`;
    const lines = [`@@ -${range(oldAt[start] ?? 0, oldCount)} +${range(newAt[start] ?? 0, newCount)} @@`];
    for (const op of slice) {
      lines.push(`${op.kind}${strip(op.line)}`);
      if (!op.line.endsWith('\n')) lines.push('\\ No newline at end of file');
    }
    hunks.push(lines.join('\n'));
  }
  return { removed, added, patch: hunks.join('\n') };
}
