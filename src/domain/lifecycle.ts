/**
 * The request lifecycle, defined once: its states, the events that move a request and where each may
 * happen, and which buttons a state offers. The store moves a request only by naming an event of this
 * table (a compare-and-set on the event's `from` states), workflows declare each move's follow-ups by
 * the same event, the card's buttons come from `allowedActions`, and the README's diagram is generated
 * from it (a test fails when they differ).
 */

export const STATES = [
  'pending', // awaiting approvals
  'approved', // enough approvals; the PR is to be opened (or the alias moved)
  'pr_failed', // opening the PR (moving the alias) failed; Retry moves it back to approved
  'pr_open', // PR opened; following it and the deploy
  'merged', // merged (or the alias moved); verifying environments deployed from main
  'completed', // the target is served everywhere
  'verify_failed', // an environment did not serve the target in time
  'abandoned', // the PR was closed without merge (reopening resumes it)
  'no_change', // by the time the PR was due, main already configured the target: nothing to do
  'refused', // its plan, checked again before the PR, failed a check: ended, never approvable
  'rejected',
  'cancelled',
  'expired',
] as const;
export type RequestState = (typeof STATES)[number];

/** States that block another request for the same service (the database's one-active index). */
export const ACTIVE_STATES: readonly RequestState[] = [
  'pending',
  'approved',
  'pr_failed',
  'pr_open',
  'merged',
];
export const FINAL_STATES: readonly RequestState[] = STATES.filter((s) => !ACTIVE_STATES.includes(s));

/**
 * A state the request ends in, with an outcome to record and tell (issue 17). An abandoned request is
 * not one: reopening or merging its PR resumes it, and its outcome comes when it ends.
 */
export const endsRequest = (state: RequestState): boolean =>
  FINAL_STATES.includes(state) && state !== 'abandoned';

interface Move {
  readonly from: readonly RequestState[];
  readonly to: RequestState;
  /** Why the move exists, for the diagram's reader. */
  readonly label: string;
}

/** Every move a request can make; nothing else changes a request's state. */
export const MOVES = {
  approve_last: { from: ['pending'], to: 'approved', label: 'last approval' },
  reject: { from: ['pending'], to: 'rejected', label: 'Reject' },
  cancel: { from: ['pending', 'pr_failed'], to: 'cancelled', label: 'Cancel' },
  // Nobody can approve a request whose card could not be posted: it is withdrawn, not left invisible.
  withdraw: { from: ['pending'], to: 'cancelled', label: 'card not posted' },
  // A failed PR attempt is not retryable forever: it ends after request_ttl_minutes like a pending one.
  expire: { from: ['pending', 'pr_failed'], to: 'expired', label: 'request_ttl_minutes' },
  pr_opened: { from: ['approved', 'pr_failed'], to: 'pr_open', label: 'PR opened' },
  pr_failed: { from: ['approved'], to: 'pr_failed', label: 'PR attempt failed' },
  retry: { from: ['pr_failed'], to: 'approved', label: 'Retry' },
  // Approvals are bound to the plan: when it changes under them they are void and the request waits again.
  plan_changed: { from: ['approved', 'pr_failed'], to: 'pending', label: 'plan changed' },
  // The plan, rebuilt before a PR attempt, fails a check: the request ends; nobody may approve it again.
  plan_failed: { from: ['approved', 'pr_failed'], to: 'refused', label: 'plan fails a check' },
  // Someone set the target on main by hand before the PR was opened: there is nothing left to change.
  already_configured: { from: ['approved', 'pr_failed'], to: 'no_change', label: 'main has the target' },
  merged: { from: ['pr_open', 'abandoned'], to: 'merged', label: 'PR merged' },
  // action = "registry_alias": the rollback is the alias's move, so there is no PR to wait for.
  alias_moved: { from: ['approved', 'pr_failed'], to: 'merged', label: 'alias moved' },
  closed_unmerged: { from: ['pr_open'], to: 'abandoned', label: 'PR closed' },
  reopened: { from: ['abandoned'], to: 'pr_open', label: 'PR reopened' },
  verified: { from: ['merged'], to: 'completed', label: 'healthchecks serve the target' },
  verify_failed: { from: ['merged'], to: 'verify_failed', label: 'verify_timeout_minutes' },
} as const satisfies Record<string, Move>;

export type RequestEvent = keyof typeof MOVES;
export const EVENTS = Object.keys(MOVES) as RequestEvent[];

export class IllegalMove extends Error {
  constructor(
    readonly state: RequestState,
    readonly event: RequestEvent,
  ) {
    super(`a request in ${state} cannot move by ${event}`);
    this.name = 'IllegalMove';
  }
}

/** Whether `event` may happen to a request in `state`. */
export const allows = (state: RequestState, event: RequestEvent): boolean =>
  (MOVES[event].from as readonly RequestState[]).includes(state);

/** The state after `event`; an illegal move is an error, never a silent no-op. */
export function nextState(state: RequestState, event: RequestEvent): RequestState {
  if (!allows(state, event)) throw new IllegalMove(state, event);
  return MOVES[event].to;
}

/** What a person may do with a request by its buttons. */
export type RequestAction = 'approve' | 'reject' | 'retry' | 'cancel';

const ACTIONS: Partial<Record<RequestState, readonly RequestAction[]>> = {
  pending: ['approve', 'reject', 'cancel'],
  pr_failed: ['retry', 'cancel'],
};

/**
 * The actions a request allows now: its state's, except that a plan with a failed check is never
 * approvable (the card shows no Approve button for it and a click on an old one is refused).
 */
export function allowedActions(r: {
  readonly state: RequestState;
  readonly plan: { readonly ok: boolean };
}): ReadonlySet<RequestAction> {
  return new Set((ACTIONS[r.state] ?? []).filter((a) => a !== 'approve' || r.plan.ok));
}

/** The lifecycle as a Mermaid state diagram (the README shows it; a test keeps the two equal). */
export function lifecycleDiagram(): string {
  const lines = ['stateDiagram-v2', '  [*] --> pending: request (plan passes)'];
  for (const event of EVENTS) {
    const move: Move = MOVES[event];
    for (const from of move.from) lines.push(`  ${from} --> ${move.to}: ${move.label}`);
  }
  for (const state of FINAL_STATES) if (state !== 'abandoned') lines.push(`  ${state} --> [*]`);
  return lines.join('\n');
}
