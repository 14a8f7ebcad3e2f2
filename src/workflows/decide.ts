/**
 * The buttons on a request card: approve, reject, cancel, retry; and expiry. Every click is checked
 * against the approver lists and the request's state, and every outcome is recorded.
 */
import { findService } from '../config/botConfig.js';
import { failedChecks } from '../domain/plan.js';
import { isApprover, mayApprove } from '../domain/policy.js';
import { allowedActions, BOT_REQUESTER, type RollbackRequest } from '../domain/request.js';
import type { ClickOutcome, Denial } from '../ports/notices.js';
import { audit } from './audit.js';
import type { WorkflowDeps } from './deps.js';
import { move } from './lifecycle.js';
import { openPullRequest } from './openPullRequest.js';

const denied = (denial: Denial): ClickOutcome => ({ kind: 'denied', denial });

async function load(deps: WorkflowDeps, id: string) {
  const request = await deps.store.getRequest(id);
  const service = request ? findService(deps.config, request.service) : undefined;
  if (!request || !service) return undefined;
  const groupMembers = await deps.directory.membersOf(service.approvers.usergroups);
  return {
    request,
    service,
    groupMembers,
    approver: (user: string) => isApprover(user, service.approvers, groupMembers),
  };
}

/** Who clicked: the Slack user id, and the name Slack sent with the click (for the audit trail). */
export interface Actor {
  readonly id: string;
  readonly name?: string;
}

const by = (actor: Actor) => ({ actor: actor.id, actorName: actor.name });

const auditClick = (
  deps: WorkflowDeps,
  r: RollbackRequest,
  kind: string,
  actor: Actor | string,
  detail = {},
) =>
  audit(deps, {
    requestId: r.id,
    service: r.service,
    kind,
    actor: typeof actor === 'string' ? actor : actor.id,
    actorName: typeof actor === 'string' ? undefined : actor.name,
    detail,
  });

/**
 * Expires the request if its time is up; true when it is (now) expired. A pending request waits
 * request_ttl_minutes for approvals; a failed PR attempt waits as long for a Retry.
 */
export async function expireIfDue(deps: WorkflowDeps, request: RollbackRequest): Promise<boolean> {
  const waiting = request.state === 'pending' || request.state === 'pr_failed';
  if (!waiting || deps.now() < request.expiresAt) return request.state === 'expired';
  await move(deps, request, 'expire', {
    actor: BOT_REQUESTER,
    detail: { approvals: request.approvals.length, from: request.state },
    notice: {
      kind: 'expired',
      id: request.id,
      service: request.service,
      version: request.plan.targetVersion,
      cardPosted: request.cardTs !== undefined,
      afterFailure: request.state === 'pr_failed',
    },
  });
  return true;
}

/** Whether `user` approves through a user group only, and the click would complete the approvals. */
const completesThroughGroup = (request: RollbackRequest, users: readonly string[], user: string) =>
  !users.includes(user) && request.approvals.length + 1 >= request.approvalsRequired;

export async function approve(deps: WorkflowDeps, id: string, actor: Actor): Promise<ClickOutcome> {
  const user = actor.id;
  const found = await load(deps, id);
  if (!found) return denied({ kind: 'gone', id });
  const { request, service, groupMembers } = found;
  if (await expireIfDue(deps, request)) return denied({ kind: 'expired', id });
  if (request.state === 'pending' && !allowedActions(request).has('approve')) {
    return denied({ kind: 'plan_fails', id, failed: failedChecks(request.plan).map((c) => c.text) });
  }
  const verdict = mayApprove({
    user,
    requester: request.requester,
    approvers: service.approvers,
    groupMembers,
    approvedBy: request.approvals.map((a) => a.user),
  });
  if (!verdict.ok) {
    if (verdict.problem === 'already_approved') return denied({ kind: 'already_approved', id });
    await auditClick(deps, request, 'unauthorized_click', actor, { action: 'approve', why: verdict.problem });
    return denied(
      verdict.problem === 'requester'
        ? { kind: 'own_request', id, user, approvers: service.approvers }
        : {
            kind: 'not_approver',
            service: service.name,
            requester: request.requester,
            approvers: service.approvers,
          },
    );
  }
  // Group membership is cached; the click that would open the PR asks Slack again, so someone just
  // removed from the approvers' group cannot complete a rollback.
  if (completesThroughGroup(request, service.approvers.users, user)) {
    const now = await deps.directory.membersOf(service.approvers.usergroups, { fresh: true });
    if (!now.has(user)) {
      await auditClick(deps, request, 'unauthorized_click', actor, { action: 'approve', why: 'left_group' });
      return denied({
        kind: 'not_approver',
        service: service.name,
        requester: request.requester,
        approvers: service.approvers,
      });
    }
  }
  const outcome = await deps.store.approve(id, user, deps.now(), request.approvalsRequired, actor.name);
  if (outcome.kind === 'not_pending') {
    // Enough approvals are in (or it ended): a late click is told, never counted.
    if (outcome.approvals.length > 0) {
      const fresh = await deps.store.getRequest(id);
      return denied({
        kind: 'already_decided',
        id,
        state: outcome.state,
        approvedBy: outcome.approvals.map((a) => a.user),
        pr: fresh?.pr ? { number: fresh.pr.number, url: fresh.pr.url } : undefined,
      });
    }
    return denied({ kind: 'wrong_state', id, state: outcome.state, action: 'approve' });
  }
  if (outcome.kind === 'duplicate') return denied({ kind: 'already_approved', id });
  await auditClick(deps, request, 'approved', actor, {
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
  actor: Actor,
  why: string,
): Promise<ClickOutcome> {
  const user = actor.id;
  const found = await load(deps, id);
  if (!found) return denied({ kind: 'gone', id });
  const { request, service } = found;
  if (!found.approver(user) && user !== request.requester) {
    await auditClick(deps, request, 'unauthorized_click', actor, { action: 'reject' });
    return denied({ kind: 'reject_not_allowed', id, approvers: service.approvers });
  }
  const moved = await move(deps, request, 'reject', {
    patch: { decidedBy: user, decisionNote: why },
    ...by(actor),
    detail: { why },
    notice: { kind: 'rejected', id, by: user, why },
  });
  return moved
    ? { kind: 'done' }
    : denied({ kind: 'wrong_state', id, state: request.state, action: 'reject' });
}

/** The card's Cancel button is the requester's; `/rollback cancel` also lets an approver withdraw it. */
export async function cancel(
  deps: WorkflowDeps,
  id: string,
  actor: Actor,
  via: 'button' | 'command' = 'command',
): Promise<ClickOutcome> {
  const user = actor.id;
  const found = await load(deps, id);
  if (!found) return denied({ kind: 'unknown_request', id });
  const { request } = found;
  if (user !== request.requester && (via === 'button' || !found.approver(user))) {
    await auditClick(deps, request, 'unauthorized_click', actor, { action: 'cancel', via });
    return denied({ kind: 'cancel_not_allowed', id, requester: request.requester, via });
  }
  const moved = await move(deps, request, 'cancel', {
    patch: { decidedBy: user },
    ...by(actor),
    notice: { kind: 'cancelled', id, by: user },
  });
  return moved
    ? { kind: 'done', cancelled: id }
    : denied({ kind: 'wrong_state', id, state: request.state, action: 'cancel' });
}

export async function retry(deps: WorkflowDeps, id: string, actor: Actor): Promise<ClickOutcome> {
  const user = actor.id;
  const found = await load(deps, id);
  if (!found) return denied({ kind: 'gone', id });
  const { request } = found;
  if (user !== request.requester && !found.approver(user)) {
    await auditClick(deps, request, 'unauthorized_click', actor, { action: 'retry' });
    return denied({ kind: 'retry_not_allowed', id, requester: request.requester });
  }
  if (request.state === 'pr_failed' && (await expireIfDue(deps, request))) {
    return denied({ kind: 'expired', id, afterFailure: true });
  }
  // The attempt rebuilds the whole plan first: validation, GC, the prefix trap and cooldown, not only
  // the iteration's name.
  if (!(await move(deps, request, 'retry', by(actor)))) {
    return denied({ kind: 'wrong_state', id, state: request.state, action: 'retry' });
  }
  await openPullRequest(deps, id);
  return { kind: 'done' };
}

/** Expires every pending or failed request past its time (run periodically). */
export async function expireDue(deps: WorkflowDeps): Promise<number> {
  let count = 0;
  for (const request of await deps.store.inStates(['pending', 'pr_failed'])) {
    if (deps.now() >= request.expiresAt && (await expireIfDue(deps, request))) count++;
  }
  return count;
}
