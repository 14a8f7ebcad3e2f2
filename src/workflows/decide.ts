/**
 * The buttons on a request card: approve, reject, cancel, retry; and expiry. Every click is checked
 * against the approver lists and the request's state, and every outcome is recorded.
 */
import { findService } from '../config/botConfig.js';
import { describeApprovers, mayApprove } from '../domain/policy.js';
import type { RequestState, RollbackRequest } from '../domain/request.js';
import { openPullRequest } from './openPullRequest.js';
import type { WorkflowDeps } from './ports.js';

export type ClickOutcome =
  | { readonly kind: 'done'; readonly message?: string }
  /** Told only to the person who clicked (ephemeral). */
  | { readonly kind: 'denied'; readonly message: string };

const STATE_WORDS: Record<RequestState, string> = {
  pending: 'waiting for approval',
  approved: 'approved; the PR is being opened',
  pr_failed: 'approved, but opening the PR failed',
  pr_open: 'approved; its PR is open',
  merged: 'merged',
  completed: 'completed',
  verify_failed: 'deployed but not verified',
  abandoned: 'abandoned (its PR was closed)',
  rejected: 'rejected',
  cancelled: 'cancelled',
  expired: 'expired',
  refused: 'refused',
  dry_run: 'a dry run',
};

async function load(deps: WorkflowDeps, id: string) {
  const request = await deps.store.getRequest(id);
  const service = request ? findService(deps.config, request.service) : undefined;
  return request && service ? { request, service } : undefined;
}

async function audit(
  deps: WorkflowDeps,
  request: RollbackRequest,
  kind: string,
  actor: string,
  detail: object = {},
) {
  await deps.store.recordEvent({ requestId: request.id, service: request.service, kind, actor, detail });
  deps.log.info(`audit: ${kind.replace(/_/g, ' ')}`, {
    event: kind,
    request: request.id,
    service: request.service,
    actor,
    ...detail,
  });
}

/** Expires the request if its time is up; true when it is (now) expired. */
async function expireIfDue(deps: WorkflowDeps, request: RollbackRequest): Promise<boolean> {
  if (request.state !== 'pending' || deps.now() < request.expiresAt) return request.state === 'expired';
  if (await deps.store.transition(request.id, ['pending'], 'expired')) {
    await audit(deps, request, 'expired', 'rollback-bot', { approvals: request.approvals.length });
    await deps.cards.reply(
      request,
      `:hourglass: ${request.id} expired without enough approvals. Nothing was changed. Ask again with \`/rollback to ${request.plan.targetVersion} ${request.service}\` if it is still needed.`,
    );
    deps.cards.refresh(request.id);
  }
  return true;
}

export async function approve(deps: WorkflowDeps, id: string, user: string): Promise<ClickOutcome> {
  const found = await load(deps, id);
  if (!found) return { kind: 'denied', message: `Request ${id} no longer exists.` };
  const { request, service } = found;
  if (await expireIfDue(deps, request)) {
    return {
      kind: 'denied',
      message: `${id} has expired; nothing was approved. Ask again if it is still needed.`,
    };
  }
  const groupMembers = await deps.directory.membersOf(service.approvers.usergroups);
  const verdict = mayApprove({
    user,
    requester: request.requester,
    approvers: service.approvers,
    groupMembers,
    approvedBy: request.approvals.map((a) => a.user),
  });
  if (!verdict.ok) {
    if (verdict.why === 'already_approved')
      return { kind: 'denied', message: `You already approved ${id}; it counts once.` };
    await audit(deps, request, 'unauthorized_click', user, { action: 'approve', why: verdict.why });
    return {
      kind: 'denied',
      message:
        verdict.why === 'requester'
          ? `You asked for ${id}, so your approval cannot count: two people must agree. Approvers: ${describeApprovers(service.approvers, user)}.`
          : `You are not an approver for ${service.name}. Who can approve: ${describeApprovers(service.approvers, request.requester)}.`,
    };
  }
  if (!['pending', 'approved', 'pr_failed', 'pr_open'].includes(request.state)) {
    return {
      kind: 'denied',
      message: `${id} is ${STATE_WORDS[request.state]}; there is nothing to approve.`,
    };
  }
  const outcome = await deps.store.approve(id, user, deps.now(), request.approvalsRequired);
  if (outcome.kind === 'not_pending') {
    return {
      kind: 'denied',
      message: `${id} is ${STATE_WORDS[outcome.state]}; there is nothing to approve.`,
    };
  }
  if (outcome.kind === 'duplicate')
    return { kind: 'denied', message: `You already approved ${id}; it counts once.` };
  await audit(deps, request, 'approved', user, {
    approvals: outcome.approvals.length,
    required: request.approvalsRequired,
    complete: outcome.complete,
  });
  deps.cards.refresh(id);
  // Only the click that completed the approvals opens the PR; the store decided which one that was.
  if (outcome.complete) await openPullRequest(deps, id);
  return { kind: 'done' };
}

export async function reject(
  deps: WorkflowDeps,
  id: string,
  user: string,
  why: string,
): Promise<ClickOutcome> {
  const found = await load(deps, id);
  if (!found) return { kind: 'denied', message: `Request ${id} no longer exists.` };
  const { request, service } = found;
  const groupMembers = await deps.directory.membersOf(service.approvers.usergroups);
  const isApprover = service.approvers.users.includes(user) || groupMembers.has(user);
  if (!isApprover && user !== request.requester) {
    await audit(deps, request, 'unauthorized_click', user, { action: 'reject' });
    return {
      kind: 'denied',
      message: `Only approvers can reject ${id}: ${describeApprovers(service.approvers)}.`,
    };
  }
  if (!(await deps.store.transition(id, ['pending'], 'rejected', { decidedBy: user, decisionNote: why }))) {
    return {
      kind: 'denied',
      message: `${id} is ${STATE_WORDS[request.state]}; it can no longer be rejected.`,
    };
  }
  await audit(deps, request, 'rejected', user, { why });
  await deps.cards.reply(
    request,
    `:no_entry: <@${user}> rejected ${id}${why ? `: ${why}` : ''}. Nothing was changed.`,
  );
  deps.cards.refresh(id);
  return { kind: 'done' };
}

/** The card's Cancel button is the requester's; `/rollback cancel` also lets an approver withdraw it. */
export async function cancel(
  deps: WorkflowDeps,
  id: string,
  user: string,
  via: 'button' | 'command' = 'command',
): Promise<ClickOutcome> {
  const found = await load(deps, id);
  if (!found)
    return { kind: 'denied', message: `There is no request ${id}. \`/rollback history\` lists recent ones.` };
  const { request, service } = found;
  const groupMembers = await deps.directory.membersOf(service.approvers.usergroups);
  const isApprover = service.approvers.users.includes(user) || groupMembers.has(user);
  if (user !== request.requester && (via === 'button' || !isApprover)) {
    await audit(deps, request, 'unauthorized_click', user, { action: 'cancel', via });
    return {
      kind: 'denied',
      message:
        via === 'button'
          ? `Only <@${request.requester}>, who asked, can cancel ${id} here. Approvers can use \`/rollback cancel ${id}\` or Reject.`
          : `Only <@${request.requester}> (who asked) or an approver can cancel ${id}.`,
    };
  }
  if (!(await deps.store.transition(id, ['pending', 'pr_failed'], 'cancelled', { decidedBy: user }))) {
    return {
      kind: 'denied',
      message: `${id} is ${STATE_WORDS[request.state]}; it can no longer be cancelled.`,
    };
  }
  await audit(deps, request, 'cancelled', user);
  await deps.cards.reply(request, `:wastebasket: <@${user}> cancelled ${id}. Nothing was changed.`);
  deps.cards.refresh(id);
  return { kind: 'done', message: `${id} cancelled.` };
}

export async function retry(deps: WorkflowDeps, id: string, user: string): Promise<ClickOutcome> {
  const found = await load(deps, id);
  if (!found) return { kind: 'denied', message: `Request ${id} no longer exists.` };
  const { request, service } = found;
  const groupMembers = await deps.directory.membersOf(service.approvers.usergroups);
  if (user !== request.requester && !service.approvers.users.includes(user) && !groupMembers.has(user)) {
    await audit(deps, request, 'unauthorized_click', user, { action: 'retry' });
    return { kind: 'denied', message: `Only <@${request.requester}> or an approver can retry ${id}.` };
  }
  if (!(await deps.store.transition(id, ['pr_failed'], 'approved'))) {
    return { kind: 'denied', message: `${id} is ${STATE_WORDS[request.state]}; there is nothing to retry.` };
  }
  await audit(deps, request, 'retried', user);
  await openPullRequest(deps, id);
  return { kind: 'done' };
}

/** Expires every pending request past its time (run periodically). */
export async function expireDue(deps: WorkflowDeps): Promise<number> {
  let count = 0;
  for (const request of await deps.store.inStates(['pending'])) {
    if (deps.now() >= request.expiresAt && (await expireIfDue(deps, request))) count++;
  }
  return count;
}

/** At start-up: finish what a restart interrupted. An approved request without its PR gets it now. */
export async function resumeInterrupted(deps: WorkflowDeps): Promise<void> {
  for (const request of await deps.store.inStates(['approved'])) {
    deps.log.info('resuming approved request', { request: request.id });
    await openPullRequest(deps, request.id);
  }
}
