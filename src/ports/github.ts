/**
 * GitHub as workflows need it: the config file on the base branch, and the rollback PR opened once,
 * reused only when it is the bot's own, and read back. Implemented with octokit in adapters/.
 */
import type { VersionRead } from '../domain/configFile.js';
import type { CheckConclusion, PullConfig } from '../domain/pin.js';

/** Where a service's config file lives (a service's config has these fields). */
export interface ConfigFileAt {
  readonly repo: { readonly owner: string; readonly name: string };
  readonly configPath: string;
  readonly versionKey: readonly string[];
  /** The branch CI deploys from; the repository's default branch when absent. */
  readonly baseBranch?: string;
}

export interface OpenPrInput {
  readonly owner: string;
  readonly repo: string;
  readonly base: string;
  readonly branch: string;
  readonly path: string;
  readonly plannedBlobSha: string;
  readonly plannedText: string;
  /** The one line the plan changes: a reused branch or found PR must hold exactly this, by the bot. */
  readonly plannedDiff?: { readonly before: string; readonly after: string };
  /**
   * Rewrites the file's text for the rollback, or says why it cannot (the version line changed).
   * Returns the text unchanged when it already holds the target (a retry after the commit landed).
   */
  readonly edit: (text: string) => { ok: true; text: string } | { ok: false; problem: string };
  readonly commitMessage: string;
  readonly title: string;
  readonly body: string;
  /**
   * Look for a PR of the branch in any state before creating anything (a retry or a resume): one more
   * call, and a PR merged with its branch deleted meanwhile is found instead of opened again.
   */
  readonly lookFirst: boolean;
}

export interface OpenedPr {
  readonly number: number;
  readonly url: string;
  readonly branch: string;
  /** Set when main had moved and the PR was built on the new head. */
  readonly rebasedOnNewHead: boolean;
  readonly reused: boolean;
  readonly apiCalls: number;
  /** An existing PR found by `lookFirst` may already be closed or merged. */
  readonly state: 'open' | 'closed';
  readonly merged: boolean;
}

export interface PullState {
  readonly number: number;
  readonly url: string;
  readonly state: 'open' | 'closed';
  readonly merged: boolean;
  readonly mergedBy?: string;
  readonly mergedAt?: Date;
  readonly closedAt?: Date;
  /** Who opened it, from which repository and branch: only the bot's own PR is ever a request's. */
  readonly authorLogin?: string;
  readonly headRepo?: string;
  readonly headRef?: string;
}

export interface PullRequests {
  open(input: OpenPrInput): Promise<OpenedPr>;
  /** The bot's own GitHub login (the token's user, or `<app-slug>[bot]`). */
  botLogin(): Promise<string>;
  label(owner: string, repo: string, number: number, labels: readonly string[]): Promise<void>;
  get(owner: string, repo: string, number: number): Promise<PullState>;
}

/** The version line changed on the base branch since the plan: approvals no longer apply. */
export class PlanStaleError extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'PlanStaleError';
  }
}

/** The base branch already configures the target (someone rolled back by hand): nothing to commit. */
export class AlreadyConfiguredError extends Error {
  constructor(readonly since?: { readonly sha: string; readonly at?: Date; readonly summary: string }) {
    super('the base branch already configures the target');
    this.name = 'AlreadyConfiguredError';
  }
}

export interface ConfiguredState {
  readonly branch: string;
  readonly blobSha: string;
  readonly text: string;
  readonly version: VersionRead;
  readonly htmlUrl: string;
}

export interface ConfigRepo {
  readConfigured(file: ConfigFileAt): Promise<ConfiguredState>;
}

/** An open PR of a config repository, as the `model-pin` check needs it. */
export interface OpenPull {
  readonly number: number;
  readonly url: string;
  readonly headSha: string;
  readonly baseRef: string;
  readonly authorLogin?: string;
}

/** One `model-pin` result on a PR's head commit. */
export interface PinCheckWrite {
  readonly conclusion: CheckConclusion;
  readonly title: string;
  /** The check run's summary (markdown); a commit status shows only `description`. */
  readonly summary: string;
  /** At most 140 characters (a commit status's description). */
  readonly description: string;
  /** The pinning request's Slack thread, when there is one. */
  readonly detailsUrl?: string;
}

/**
 * The `model-pin` check on GitHub: a check run when the bot is a GitHub App (only the app can set its
 * own check), a commit status with a token (anyone with write access can set a status of that name).
 */
export interface PinChecks {
  readonly kind: 'check_run' | 'commit_status';
  /** Every open PR of the repository (every page). */
  openPulls(owner: string, repo: string): Promise<OpenPull[]>;
  /** One PR as GitHub says it is now; undefined when it is not open. */
  openPull(owner: string, repo: string, number: number): Promise<OpenPull | undefined>;
  /** What the PR does to the config file's version line (against its merge base). */
  readPullConfig(owner: string, repo: string, pull: OpenPull, file: ConfigFileAt): Promise<PullConfig>;
  /** The conclusion `model-pin` shows on `sha` now, when it is the bot's own; undefined otherwise. */
  current(owner: string, repo: string, sha: string): Promise<CheckConclusion | undefined>;
  write(owner: string, repo: string, sha: string, check: PinCheckWrite): Promise<void>;
}
