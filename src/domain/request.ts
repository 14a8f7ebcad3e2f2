/**
 * A rollback request and its life: the states it may be in and the only moves between them.
 * Every state change in the store is a compare-and-set on `from`, so two clicks can never both win.
 */
import type { Reason } from './command.js';
import type { Plan } from './plan.js';
import type { Progress } from './progress.js';

export const STATES = [
  'pending', // awaiting approvals
  'approved', // enough approvals; the PR is to be opened
  'pr_failed', // opening the PR failed; Retry moves it back to approved
  'pr_open', // PR opened; following it and the deploy (part 3)
  'merged', // merged; verifying environments deployed from main
  'completed', // the target is served everywhere
  'verify_failed', // an environment did not serve the target in time
  'abandoned', // the PR was closed without merge
  'no_change', // by the time the PR was due, main already configured the target: nothing to do
  'rejected',
  'cancelled',
  'expired',
  'refused', // a check failed when it was asked for; kept for the audit trail
  'dry_run', // shown, never meant to be acted on
] as const;
export type RequestState = (typeof STATES)[number];

/** States that block another request for the same service. */
export const ACTIVE_STATES: readonly RequestState[] = [
  'pending',
  'approved',
  'pr_failed',
  'pr_open',
  'merged',
];
export const FINAL_STATES: readonly RequestState[] = [
  'completed',
  'verify_failed',
  'abandoned',
  'no_change',
  'rejected',
  'cancelled',
  'expired',
  'refused',
  'dry_run',
];

export type RequestEvent =
  | 'approve_last'
  | 'reject'
  | 'cancel'
  | 'expire'
  | 'pr_opened'
  | 'pr_failed'
  | 'retry'
  | 'merged'
  | 'verified'
  | 'verify_failed'
  | 'closed_unmerged'
  | 'reopened'
  | 'plan_changed'
  | 'already_configured';

const MOVES: Record<RequestEvent, Partial<Record<RequestState, RequestState>>> = {
  approve_last: { pending: 'approved' },
  reject: { pending: 'rejected' },
  cancel: { pending: 'cancelled', pr_failed: 'cancelled' },
  expire: { pending: 'expired' },
  pr_opened: { approved: 'pr_open', pr_failed: 'pr_open' },
  pr_failed: { approved: 'pr_failed' },
  retry: { pr_failed: 'approved' },
  merged: { pr_open: 'merged', abandoned: 'merged' },
  verified: { merged: 'completed', pr_open: 'completed' },
  verify_failed: { merged: 'verify_failed', pr_open: 'verify_failed' },
  closed_unmerged: { pr_open: 'abandoned' },
  reopened: { abandoned: 'pr_open' },
  // Approvals are bound to the plan: when it changes under them they are void and the request waits again.
  plan_changed: { approved: 'pending', pr_failed: 'pending' },
  // Someone set the target on main by hand before the PR was opened: there is nothing left to change.
  already_configured: { approved: 'no_change', pr_failed: 'no_change' },
};

/** The state after `event`, or undefined when the move is not allowed from `state`. */
export function nextState(state: RequestState, event: RequestEvent): RequestState | undefined {
  return MOVES[event][state];
}

export interface Approval {
  readonly user: string;
  readonly at: Date;
  /** Display name when Slack told us (audit); the id is what counts. */
  readonly name?: string;
}

export interface RollbackRequest {
  readonly id: string;
  readonly service: string;
  readonly state: RequestState;
  readonly requester: string;
  readonly requesterName?: string;
  readonly reason: Reason;
  readonly note: string;
  readonly force: boolean;
  readonly plan: Plan;
  readonly approvalsRequired: number;
  readonly approvals: readonly Approval[];
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly updatedAt: Date;
  readonly channel: string;
  readonly cardTs?: string;
  /** Thread the card lives in when it was posted as a reply (an alert's thread). */
  readonly threadTs?: string;
  readonly pr?: {
    readonly number: number;
    readonly url: string;
    readonly branch: string;
    readonly openedAt: Date;
  };
  readonly lastError?: string;
  readonly alarm?: AlarmRef;
  readonly decidedBy?: string;
  readonly decisionNote?: string;
  readonly completedAt?: Date;
  readonly progress?: Progress;
}

/** Requester of requests the bot opens by itself on an alarm (`on_alarm = "request"`). */
export const BOT_REQUESTER = 'rollback-bot';

export interface AlarmRef {
  readonly name: string;
  readonly state: string;
  readonly reason: string;
  readonly at: Date;
  readonly permalink?: string;
}

/** Short, readable, unambiguous ids: `R-7KQ2` (Crockford's alphabet: no I, L, O, U). */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export function newRequestId(random: () => number = Math.random): string {
  let id = 'R-';
  for (let i = 0; i < 4; i++) id += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return id;
}
