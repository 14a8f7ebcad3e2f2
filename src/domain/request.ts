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
  'refused', // a check of its plan failed when re-checked before the PR: ended, never approvable
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
  | 'already_configured'
  | 'plan_failed';

const MOVES: Record<RequestEvent, Partial<Record<RequestState, RequestState>>> = {
  approve_last: { pending: 'approved' },
  reject: { pending: 'rejected' },
  cancel: { pending: 'cancelled', pr_failed: 'cancelled' },
  // A failed PR attempt is not retryable forever: it ends after request_ttl_minutes like a pending one.
  expire: { pending: 'expired', pr_failed: 'expired' },
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
  // The plan, rebuilt before a PR attempt, fails a check: the request ends; nobody may approve it again.
  plan_failed: { approved: 'refused', pr_failed: 'refused' },
};

/** The state after `event`, or undefined when the move is not allowed from `state`. */
export function nextState(state: RequestState, event: RequestEvent): RequestState | undefined {
  return MOVES[event][state];
}

/** What a person may do with a request by its buttons. */
export type RequestAction = 'approve' | 'reject' | 'retry' | 'cancel';

/**
 * The actions a request allows now. A plan with a failed check is never approvable, whatever its state:
 * the card shows no Approve button for it and a click on an old one is refused.
 */
export function allowedActions(r: Pick<RollbackRequest, 'state' | 'plan'>): ReadonlySet<RequestAction> {
  const actions = new Set<RequestAction>();
  if (r.state === 'pending') {
    if (r.plan.ok) actions.add('approve');
    actions.add('reject');
    actions.add('cancel');
  }
  if (r.state === 'pr_failed') {
    actions.add('retry');
    actions.add('cancel');
  }
  return actions;
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
  /**
   * The head branch of the rollback PR, fixed (with a random part) when the request is made. Only a PR
   * from exactly this branch of the config repository, opened by the bot, is ever this request's PR.
   */
  readonly branch?: string;
  /** What made the bot open this request by itself (an alarm), for the audit trail. */
  readonly trigger?: Trigger;
  readonly decidedBy?: string;
  readonly decisionNote?: string;
  readonly completedAt?: Date;
  readonly progress?: Progress;
}

/** Requester of requests the bot opens by itself on an alarm (`on_alarm = "request"`). */
export const BOT_REQUESTER = 'rollback-bot';

/** The alarm (SNS) or the integration's alert message that made the bot open a request. */
export type Trigger =
  | { readonly kind: 'sns'; readonly alarm: string; readonly topicArn?: string; readonly messageId?: string }
  | {
      readonly kind: 'alert_message';
      readonly alarm: string;
      readonly channel: string;
      readonly ts: string;
      /** The integration that posted it: its bot id, and its name when Slack said. */
      readonly botId: string;
      readonly username?: string;
      readonly permalink?: string;
    };

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

/**
 * The unguessable part of a request's branch: the id is on the card for everyone to read, so a branch
 * named from it alone could be pushed in advance. 40 bits from the CSPRNG, lower-case for a branch.
 */
export function newBranchToken(bytes: (n: number) => Uint8Array): string {
  let token = '';
  for (const b of bytes(8)) token += ALPHABET[b & 31];
  return token.toLowerCase();
}
