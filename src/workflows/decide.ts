/**
 * The buttons on a request card: approve, reject, cancel, retry; and expiry. Every click is checked
 * against the approver lists and the request's state, and every outcome is recorded.
 */
import { findService } from '../config/botConfig.js';
import { isApprover, mayApprove } from '../domain/policy.js';
import type { RollbackRequest } from '../domain/request.js';
import { audit } from './audit.js';
import type { ClickOutcome, Denial } from './notices.js';
import { openPullRequest } from './openPullRequest.js';
import type { WorkflowDeps } from './ports.js';

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

const auditClick = (deps: WorkflowDeps, r: RollbackRequest, kind: string, actor: string, detail = {}) =>
  audit(deps, { requestId: r.id, service: r.service, kind, actor, detail });

/** Expires the request if its time is up; true when it is (now) expired. */
async function expireIfDue(deps: WorkflowDeps, request: RollbackRequest): Promise<boolean> {
  if (request.state !== 'pending' || deps.now() < request.expiresAt) return request.state === 'expired';
  if (await deps.store.transition(request.id, ['pending'], 'expired')) {
    await auditClick(deps, request, 'expired', 'rollback-bot', { approvals: request.approvals.length });
    await deps.cards.notify(request, {
      kind: 'expired',
      id: request.id,
      service: request.service,
      version: request.plan.targetVersion,
    });
    deps.cards.refresh(request.id);
  }
  return true;
}

export async function approve(deps: WorkflowDeps, id: string, user: string): Promise<ClickOutcome> {
  const found = await load(deps, id);
  if (!found) return denied({ kind: 'gone', id });
  const { request, service, groupMembers } = found;
  if (await expireIfDue(deps, request)) return denied({ kind: 'expired', id });
  const verdict = mayApprove({
    user,
    requester: request.requester,
    approvers: service.approvers,
    groupMembers,
    approvedBy: request.approvals.map((a) => a.user),
  });
  if (!verdict.ok) {
    if (verdict.why === 'already_approved') return denied({ kind: 'already_approved', id });
    await auditClick(deps, request, 'unauthorized_click', user, { action: 'approve', why: verdict.why });
    return denied(
      verdict.why === 'requester'
        ? { kind: 'own_request', id, user, approvers: service.approvers }
        : {
            kind: 'not_approver',
            service: service.name,
            requester: request.requester,
            approvers: service.approvers,
          },
    );
  }
  const outcome = await deps.store.approve(id, user, deps.now(), request.approvalsRequired);
  if (outcome.kind === 'not_pending')
    return denied({ kind: 'wrong_state', id, state: outcome.state, action: 'approve' });
  if (outcome.kind === 'duplicate') return denied({ kind: 'already_approved', id });
  await auditClick(deps, request, 'approved', user, {
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
  if (!found) return denied({ kind: 'gone', id });
  const { request, service } = found;
  if (!found.approver(user) && user !== request.requester) {
    await auditClick(deps, request, 'unauthorized_click', user, { action: 'reject' });
    return denied({ kind: 'reject_not_allowed', id, approvers: service.approvers });
  }
  if (!(await deps.store.transition(id, ['pending'], 'rejected', { decidedBy: user, decisionNote: why }))) {
    return denied({ kind: 'wrong_state', id, state: request.state, action: 'reject' });
  }
  await auditClick(deps, request, 'rejected', user, { why });
  await deps.cards.notify(request, { kind: 'rejected', id, by: user, why });
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
  if (!found) return denied({ kind: 'unknown_request', id });
  const { request } = found;
  if (user !== request.requester && (via === 'button' || !found.approver(user))) {
    await auditClick(deps, request, 'unauthorized_click', user, { action: 'cancel', via });
    return denied({ kind: 'cancel_not_allowed', id, requester: request.requester, via });
  }
  if (!(await deps.store.transition(id, ['pending', 'pr_failed'], 'cancelled', { decidedBy: user }))) {
    return denied({ kind: 'wrong_state', id, state: request.state, action: 'cancel' });
  }
  await auditClick(deps, request, 'cancelled', user);
  await deps.cards.notify(request, { kind: 'cancelled', id, by: user });
  deps.cards.refresh(id);
  return { kind: 'done', cancelled: id };
}

export async function retry(deps: WorkflowDeps, id: string, user: string): Promise<ClickOutcome> {
  const found = await load(deps, id);
  if (!found) return denied({ kind: 'gone', id });
  const { request } = found;
  if (user !== request.requester && !found.approver(user)) {
    await auditClick(deps, request, 'unauthorized_click', user, { action: 'retry' });
    return denied({ kind: 'retry_not_allowed', id, requester: request.requester });
  }
  if (!(await deps.store.transition(id, ['pr_failed'], 'approved'))) {
    return denied({ kind: 'wrong_state', id, state: request.state, action: 'retry' });
  }
  await auditClick(deps, request, 'retried', user);
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
