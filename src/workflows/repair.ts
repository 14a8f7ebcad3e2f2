/**
 * Requests whose card was never posted: the replica that stored one died before posting it (its
 * heartbeat lapsed), or never confirmed it. Left alone, such a request is invisible and blocks every new
 * one for its service. Post the card now, or, if the request expired meanwhile, end it and say so in the
 * channel. A card Slack keeps refusing is retried with back-off, then given up: the request is
 * withdrawn (nobody could approve it) and the give-up audited.
 */

import type { RollbackRequest } from '../domain/request.js';
import { audit } from './audit.js';
import { expireIfDue } from './decide.js';
import type { WorkflowDeps } from './deps.js';
import { move } from './lifecycle.js';
import { openPullRequest } from './openPullRequest.js';
import { auditGaveUp, judgeFailure } from './slackRetry.js';

/**
 * Approved requests without their PR: the replica opening it died (its `open-pr:<id>` lease is taken
 * over once its heartbeat lapses) or stopped. A request approved less than `graceMs` ago is left to
 * the replica that approved it, which takes the lease within milliseconds: a resume racing it would
 * only cost GitHub calls.
 */
export async function resumeApproved(deps: WorkflowDeps, graceMs: number): Promise<void> {
  // updated_at is written with the real clock, whatever clock the workflows are given.
  const before = Date.now() - graceMs;
  for (const request of await deps.store.inStates(['approved'])) {
    if (request.updatedAt.getTime() <= before) await openPullRequest(deps, request.id, { resume: true });
  }
}

export async function repairCardless(deps: WorkflowDeps, graceMs: number): Promise<number> {
  let repaired = 0;
  for (const { request, attempts } of await deps.store.cardsDue(new Date(deps.now().getTime() - graceMs))) {
    const lease = `card:${request.id}`;
    if (!(await deps.store.acquireLease(lease, deps.replicaId, 60_000))) continue;
    try {
      if (await repairOne(deps, request.id, attempts + 1)) repaired++;
    } catch (err) {
      deps.log.error('repairing a request without its card failed', { request: request.id, error: err });
    } finally {
      await deps.store.releaseLease(lease, deps.replicaId).catch(() => undefined);
    }
  }
  return repaired;
}

async function repairOne(deps: WorkflowDeps, id: string, attempt: number): Promise<boolean> {
  const fresh = await deps.store.getRequest(id);
  if (!fresh || fresh.cardTs) return false;
  if (await expireIfDue(deps, fresh)) return true;
  let card: { channel: string; ts: string };
  try {
    card = await deps.cards.publish(fresh);
  } catch (err) {
    await cardFailed(deps, fresh, attempt, err);
    return false;
  }
  await deps.store.update(fresh.id, { cardTs: card.ts, channel: card.channel });
  await audit(deps, { requestId: fresh.id, service: fresh.service, kind: 'card_repaired' });
  deps.log.warn('posted the card of a request whose card was never posted', { request: fresh.id });
  return true;
}

async function cardFailed(deps: WorkflowDeps, request: RollbackRequest, attempt: number, err: unknown) {
  const failure = judgeFailure(deps, attempt, err);
  const { verdict } = failure;
  const recorded = await deps.store.cardFailed(request.id, {
    attempt,
    error: failure.error,
    retryInMs: verdict.giveUp ? undefined : verdict.retryInMs,
  });
  if (!recorded) return;
  if (!verdict.giveUp) {
    deps.log.warn('posting a missing card failed; trying again later', {
      request: request.id,
      attempt,
      retryInMs: verdict.retryInMs,
      error: err,
    });
    return;
  }
  deps.log.error('gave up posting the card of a request', { request: request.id, attempt, error: err });
  await move(deps, request, 'withdraw', {
    patch: { lastError: `card not posted: ${failure.error}` },
    detail: { error: failure.error, gaveUp: true },
  });
  await auditGaveUp(deps, request, 'card', failure);
}
