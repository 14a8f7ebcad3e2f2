/**
 * What workflows tell people, as data. The Slack layer owns the words and the markup
 * (slack/blocks/notices.ts); workflows only say what happened.
 */
import type { GoldenOutcome } from '../domain/golden.js';
import type { Approvers } from '../domain/policy.js';
import type { RequestState } from '../domain/request.js';
import type { Timeline } from '../domain/timeline.js';

/**
 * A step in a request's life, told once in its thread. An outcome also names the service's
 * `[notify] usergroups` (`mentions`: configured ids only, so the only mentions it can make are those).
 */
export type Notice = NoticeBody & { readonly mentions?: readonly string[] };

type NoticeBody =
  /** The record of a request that ended, posted once after its outcome. */
  | { readonly kind: 'timeline'; readonly timeline: Timeline }
  | {
      readonly kind: 'expired';
      readonly id: string;
      readonly service: string;
      readonly version: string;
      /** False when the bot died before posting the card: the channel never saw the request. */
      readonly cardPosted?: boolean;
      /** Its PR could not be opened and nobody retried in time (it was `pr_failed`). */
      readonly afterFailure?: boolean;
    }
  | { readonly kind: 'rejected'; readonly id: string; readonly by: string; readonly why: string }
  | { readonly kind: 'cancelled'; readonly id: string; readonly by: string }
  /** The plan changed and the new one passes its checks: it waits for approvals again. */
  | { readonly kind: 'approvals_void'; readonly why: string }
  /** The plan, rebuilt before the PR, fails a check: the request ends without a PR. */
  | {
      readonly kind: 'plan_failed';
      readonly id: string;
      readonly service: string;
      readonly version: string;
      readonly failed: readonly string[];
    }
  | {
      readonly kind: 'pr_opened';
      readonly number: number;
      readonly url: string;
      readonly keyPath: string;
      readonly version: string;
      /** Set when the base branch had moved and the PR was built on its new head. */
      readonly movedBase?: string;
    }
  /** `retryUntil` (ISO time): after it the request expires and Retry is refused. */
  | {
      readonly kind: 'pr_failed';
      readonly error: string;
      readonly retryUntil?: string;
      /** The failed write was the MLflow alias's move, not a PR. */
      readonly alias?: boolean;
    }
  | { readonly kind: 'labels_failed'; readonly number: number; readonly error: string }
  | {
      readonly kind: 'no_change';
      readonly id: string;
      readonly version: string;
      readonly branch: string;
      readonly since?: { readonly sha: string; readonly at?: string; readonly summary: string };
    }
  | { readonly kind: 'merged'; readonly number?: number; readonly by?: string }
  | {
      readonly kind: 'alias_moved';
      readonly model: string;
      readonly alias: string;
      readonly from?: string;
      readonly to: string;
      /** Tags the bot could not write (the move itself stands). */
      readonly tagProblem?: string;
    }
  | {
      readonly kind: 'abandoned';
      readonly id: string;
      readonly number?: number;
      readonly service: string;
      readonly version: string;
    }
  | { readonly kind: 'reopened'; readonly number?: number }
  /** The abandoned request's PR was reopened or merged while another request of the service is active. */
  | {
      readonly kind: 'pr_event_ignored';
      readonly event: 'reopened' | 'merged';
      readonly id: string;
      readonly number?: number;
      readonly service: string;
      readonly activeId?: string;
    }
  | {
      readonly kind: 'env_verified';
      readonly environment: string;
      readonly target: string;
      readonly fromPullRequest: boolean;
      readonly reads: number;
      /** How many golden checks passed after the reads (none configured: undefined). */
      readonly goldenPassed?: number;
    }
  /** The healthchecks serve the target, but a golden check's answer is not what it must be. */
  | {
      readonly kind: 'golden_failed';
      readonly environment: string;
      readonly target: string;
      /** The failing checks, each with expected against actual. */
      readonly failed: readonly GoldenOutcome[];
      readonly total: number;
    }
  | {
      readonly kind: 'env_failed';
      readonly environment: string;
      readonly target: string;
      readonly lastSeen?: string;
      readonly timeoutMinutes: number;
    }
  | {
      readonly kind: 'not_verified';
      readonly id: string;
      readonly environment: string;
      readonly lastSeen?: string;
      readonly minutes: number;
      /** Set when the environment served the target but its golden checks failed (these). */
      readonly golden?: readonly GoldenOutcome[];
      readonly target?: string;
    }
  /** The iteration rolled back from carries the marker in the bucket now (`mark_rolled_back`). */
  | {
      readonly kind: 'rolled_back_marked';
      readonly iteration: string;
      readonly bucket: string;
      readonly key: string;
    }
  | {
      readonly kind: 'rolled_back_mark_failed';
      readonly iteration: string;
      readonly bucket: string;
      readonly key: string;
      readonly error: string;
    }
  /** The service is pinned at the rollback's target (the PR merged, or the alias moved). */
  | {
      readonly kind: 'pinned';
      readonly service: string;
      readonly version: string;
      readonly id: string;
      readonly reason: string;
      readonly since: string;
    }
  | {
      readonly kind: 'unpinned';
      readonly service: string;
      readonly version: string;
      readonly by: string;
      readonly note: string;
    }
  /** registry_alias: the alias of a pinned service moved away from the pin. */
  | {
      readonly kind: 'pin_alias_moved';
      readonly service: string;
      readonly alias: string;
      readonly from: string;
      readonly to: string;
      readonly id: string;
    }
  | {
      readonly kind: 'completed';
      readonly environment: string;
      readonly target: string;
      readonly minutes: number;
      readonly since: 'alarm' | 'request';
    };

/** A one-line outcome for a stakeholder channel (`[notify] channels`), with the thread's link. */
export interface OutcomeSummary {
  readonly id: string;
  readonly service: string;
  readonly outcome: RequestState;
  readonly from?: string;
  readonly to: string;
  readonly thread?: string;
}

/**
 * What the outbox sends once, whichever replica: a thread post, an SNS message (`[notify]
 * sns_topic_arn`), or a summary in a stakeholder channel. Each is claimed under its own key.
 */
export type OutboxItem =
  | Notice
  | {
      readonly kind: 'sns_publish';
      readonly topicArn: string;
      readonly subject: string;
      readonly message: string;
      /** FIFO topics only. */
      readonly groupId?: string;
      readonly dedupId?: string;
    }
  | { readonly kind: 'channel_summary'; readonly channel: string; readonly summary: OutcomeSummary };

/** Why a click or command was not acted on; told only to the person who asked. */
export type Denial =
  | { readonly kind: 'gone'; readonly id: string }
  | { readonly kind: 'unknown_request'; readonly id: string }
  | { readonly kind: 'expired'; readonly id: string; readonly afterFailure?: boolean }
  | { readonly kind: 'already_approved'; readonly id: string }
  /** A request stored before plans were re-checked may wait with a failing plan: never approvable. */
  | { readonly kind: 'plan_fails'; readonly id: string; readonly failed: readonly string[] }
  | {
      readonly kind: 'already_decided';
      readonly id: string;
      readonly state: RequestState;
      readonly approvedBy: readonly string[];
      readonly pr?: { readonly number: number; readonly url: string };
    }
  | {
      readonly kind: 'own_request';
      readonly id: string;
      readonly user: string;
      readonly approvers: Approvers;
    }
  | {
      readonly kind: 'not_approver';
      readonly service: string;
      readonly requester: string;
      readonly approvers: Approvers;
    }
  | {
      readonly kind: 'wrong_state';
      readonly id: string;
      readonly state: RequestState;
      readonly action: 'approve' | 'reject' | 'cancel' | 'retry';
    }
  | { readonly kind: 'reject_not_allowed'; readonly id: string; readonly approvers: Approvers }
  | {
      readonly kind: 'cancel_not_allowed';
      readonly id: string;
      readonly requester: string;
      readonly via: 'button' | 'command';
    }
  | { readonly kind: 'retry_not_allowed'; readonly id: string; readonly requester: string };

export type ClickOutcome =
  | { readonly kind: 'done'; readonly cancelled?: string }
  | { readonly kind: 'denied'; readonly denial: Denial };

/** A reply in an alert's thread. */
export type AlertNotice =
  | {
      readonly kind: 'transition';
      readonly alarm: { readonly name: string; readonly state: string; readonly reason: string };
    }
  | { readonly kind: 'offer'; readonly service: string; readonly alarmName: string }
  | { readonly kind: 'auto_request_refused'; readonly why: string };
