/**
 * What workflows need from the outside, as interfaces (the ports). Slack, GitHub and the database
 * implement them in adapters/ and slack/; workflows never import Bolt or octokit. Neutral ground: both
 * sides import from here, so adapters never import from workflows/.
 */

import type { Store } from './adapters/store/store.js';
import type { BotConfig } from './config/botConfig.js';
import type { AlarmRef, RollbackRequest } from './domain/request.js';
import type { Logger } from './support/log.js';
import type { AlertNotice, Notice } from './workflows/notices.js';
import type { StatusDeps } from './workflows/serviceStatus.js';

/** The request card and its thread in Slack. */
export interface RequestCards {
  /** Posts the card (in the channel, or in `request.threadTs`'s thread); returns where it landed. */
  publish(request: RollbackRequest): Promise<{ channel: string; ts: string }>;
  /** Re-renders the card from the store; calls are coalesced per card. */
  refresh(requestId: string): void;
  /** One reply in the card's thread (outcomes are also shown in the channel). */
  notify(request: RollbackRequest, notice: Notice): Promise<void>;
  permalink(request: RollbackRequest): Promise<string | undefined>;
  /** Waits until pending card updates are sent (tests, shutdown). */
  flush(): Promise<void>;
}

/** Alert cards and offers in Slack. */
export interface AlertPosts {
  /** Posts a new alert card; returns its ts. */
  postCard(channel: string, view: AlertView): Promise<string>;
  updateCard(channel: string, ts: string, view: AlertView): Promise<void>;
  /** A reply in an alert's thread: a state change, or the offer under another tool's alert message. */
  notify(channel: string, threadTs: string, notice: AlertNotice, offer?: AlertView): Promise<void>;
  /** A link to a message (the alert that made the bot open a request: for the audit trail). */
  permalink(channel: string, ts: string): Promise<string | undefined>;
}

export interface AlertView {
  readonly service: string;
  readonly alarm: AlarmRef & { readonly description?: string; readonly metric?: string };
  readonly headline: 'firing' | 'resolved' | 'firing_again' | 'insufficient_data';
  readonly served: readonly { readonly environment: string; readonly modelVersion?: string }[];
  readonly lastKnownGood?: { readonly version: string; readonly iteration: string };
  /** Key of the alert thread, carried by the buttons so a request can attach the alarm. */
  readonly threadKey: string;
  readonly request?: { readonly id: string; readonly state: string };
}

export interface Directory {
  /**
   * Members of Slack user groups, cached briefly; `fresh` asks Slack now (a click that would complete an
   * approval: someone just removed from the group must not count).
   */
  membersOf(groups: readonly string[], options?: { readonly fresh?: boolean }): Promise<Set<string>>;
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

/**
 * A move would make a second request of a service active (the database's one-active index refused it):
 * an old PR reopened or merged while another rollback of the service is in flight.
 */
export class ServiceBusyError extends Error {
  constructor(
    readonly service: string,
    readonly activeId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${activeId ?? 'another request'} is already active for ${service}`, options);
    this.name = 'ServiceBusyError';
  }
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

export interface WorkflowDeps {
  readonly config: BotConfig;
  readonly status: StatusDeps;
  readonly store: Store;
  readonly cards: RequestCards;
  readonly directory: Directory;
  readonly pulls: PullRequests;
  readonly alerts: AlertPosts;
  readonly log: Logger;
  readonly now: () => Date;
  /** This process, in leases and claims (host, pid and a random part). */
  readonly replicaId: string;
  readonly metrics: WorkflowMetrics;
}

/** Durations the workflows know best; the composition root turns them into Prometheus histograms. */
export interface WorkflowMetrics {
  requestToPr(seconds: number): void;
  prToVerified(seconds: number): void;
}

export const noWorkflowMetrics: WorkflowMetrics = {
  requestToPr: () => undefined,
  prToVerified: () => undefined,
};
