/**
 * Thread posts as an outbox. A post is claimed in the store (with its notice) before it is sent and
 * marked posted after, so every replica, retry and restart posts it once; a claim whose poster died or
 * failed is sent again by the repair round. The only duplicate possible is a crash in the instant
 * between Slack accepting the post and the mark: a rollback bot should rather say a thing twice than
 * lose "Rollback complete".
 */
import type { RollbackRequest } from '../domain/request.js';
import type { WorkflowDeps } from '../ports.js';
import type { Notice } from './notices.js';

/** Posts `notice` in the request's thread unless `key` was claimed before; true when this call did. */
export async function postOnce(
  deps: Pick<WorkflowDeps, 'store' | 'cards' | 'log'>,
  request: RollbackRequest,
  key: string,
  notice: Notice,
): Promise<boolean> {
  if (!(await deps.store.claimMilestone(request.id, key, notice))) return false;
  await send(deps, request, key, notice);
  return true;
}

async function send(
  deps: Pick<WorkflowDeps, 'store' | 'cards' | 'log'>,
  request: RollbackRequest,
  key: string,
  notice: Notice,
): Promise<void> {
  try {
    await deps.cards.notify(request, notice);
    await deps.store.markMilestonePosted(request.id, key);
  } catch (err) {
    deps.log.warn('thread post failed; the repair round sends it again', {
      request: request.id,
      milestone: key,
      error: err,
    });
  }
}

/** Sends claimed posts that were never marked posted within `graceMs`; returns how many were sent. */
export async function repostUnsent(deps: WorkflowDeps, graceMs: number): Promise<number> {
  let sent = 0;
  for (const m of await deps.store.unpostedMilestones(new Date(Date.now() - graceMs))) {
    const request = await deps.store.getRequest(m.requestId);
    if (!request || m.notice === undefined) {
      await deps.store.markMilestonePosted(m.requestId, m.key);
      continue;
    }
    if (!(await deps.store.reclaimMilestone(m))) continue;
    deps.log.info('reposting a thread message that was never confirmed', {
      request: m.requestId,
      milestone: m.key,
    });
    await send(deps, request, m.key, m.notice as Notice);
    sent++;
  }
  return sent;
}
