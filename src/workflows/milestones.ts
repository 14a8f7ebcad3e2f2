/**
 * Thread posts as an outbox. A post is claimed in the store (with its notice and its sender) before it
 * is sent and marked posted after, so every replica, retry and restart posts it once. A post is sent
 * again by the repair round when its sender failed (after a back-off that doubles each time), died (its
 * heartbeat lapsed), or never confirmed it; after too many failures the bot gives up on it, audited. The
 * only duplicate possible is a crash in the instant between Slack accepting the post and the mark: a
 * rollback bot should rather say a thing twice than lose "Rollback complete".
 */

import type { RollbackRequest } from '../domain/request.js';
import type { OutboxItem } from '../ports/notices.js';
import { PublishError } from '../ports/sns.js';
import type { UnpostedMilestone } from '../ports/store.js';
import type { WorkflowDeps } from './deps.js';
import { auditGaveUp, failureCode, judgeFailure } from './slackRetry.js';

type PostDeps = Pick<WorkflowDeps, 'store' | 'cards' | 'log' | 'config' | 'replicaId' | 'publisher'>;

/**
 * Sends `notice` unless `key` was claimed before; true when this call did. A notice is a thread post;
 * an `sns_publish` or `channel_summary` item goes to its topic or channel through the same outbox.
 */
export async function postOnce(
  deps: PostDeps,
  request: RollbackRequest,
  key: string,
  notice: OutboxItem,
): Promise<boolean> {
  if (!(await deps.store.claimMilestone(request.id, key, notice, deps.replicaId))) return false;
  await send(deps, request, key, notice, 1);
  return true;
}

async function send(
  deps: PostDeps,
  request: RollbackRequest,
  key: string,
  notice: OutboxItem,
  attempt: number,
): Promise<void> {
  try {
    if (notice.kind === 'sns_publish') {
      const { messageId } = await deps.publisher.publish(notice);
      deps.log.info('outcome published to SNS', { request: request.id, topic: notice.topicArn, messageId });
    } else if (notice.kind === 'channel_summary') await deps.cards.summarize(notice.channel, notice.summary);
    else await deps.cards.notify(request, notice);
  } catch (err) {
    await failed(deps, request, key, attempt, err);
    return;
  }
  await deps.store.markMilestonePosted(request.id, key).catch((err) =>
    deps.log.warn('a thread post was sent but not marked', {
      request: request.id,
      milestone: key,
      error: err,
    }),
  );
}

async function failed(deps: PostDeps, request: RollbackRequest, key: string, attempt: number, err: unknown) {
  const sns = err instanceof PublishError;
  const failure = judgeFailure(deps, attempt, err, sns ? err.code : failureCode(err));
  const { verdict } = failure;
  const where = { request: request.id, milestone: key, attempt, error: err };
  try {
    const recorded = await deps.store.milestoneFailed(request.id, key, {
      attempt,
      error: failure.error,
      retryInMs: verdict.giveUp ? undefined : verdict.retryInMs,
    });
    if (!recorded) return; // another sender took it over meanwhile
    if (verdict.giveUp) {
      if (sns) {
        deps.log.error('gave up on an SNS message the topic keeps refusing', where);
        await auditGaveUp(deps, request, `SNS message ${key}`, failure, 'notify_gave_up');
      } else {
        deps.log.error('gave up on a thread post Slack keeps refusing', where);
        await auditGaveUp(deps, request, `thread message ${key}`, failure);
      }
    } else {
      deps.log.warn('thread post failed; the repair round sends it again', {
        ...where,
        retryInMs: verdict.retryInMs,
      });
    }
  } catch (storeErr) {
    // Unrecorded, the post stays claimed: the repair round finds it after the grace.
    deps.log.warn('thread post failed, and so did recording it', { ...where, storeError: storeErr });
  }
}

/** Sends the posts that are due again (see the outbox); returns how many were sent. */
export async function repostUnsent(deps: WorkflowDeps, graceMs: number): Promise<number> {
  let sent = 0;
  for (const m of await deps.store.unpostedMilestones(new Date(Date.now() - graceMs))) {
    if (await repost(deps, m)) sent++;
  }
  return sent;
}

async function repost(deps: WorkflowDeps, m: UnpostedMilestone): Promise<boolean> {
  const request = await deps.store.getRequest(m.requestId);
  if (!request || m.notice === undefined) {
    await deps.store.markMilestonePosted(m.requestId, m.key);
    return false;
  }
  if (!(await deps.store.reclaimMilestone(m, deps.replicaId))) return false;
  deps.log.info('sending a thread message again', {
    request: m.requestId,
    milestone: m.key,
    attempt: m.attempts + 1,
    lastError: m.lastError,
  });
  await send(deps, request, m.key, m.notice as OutboxItem, m.attempts + 1);
  return true;
}
