/**
 * Moving a request, with what every move brings along, declared once per event: the audit record,
 * the thread message (posted once through the outbox: under a fixed key, or a new key each time for a
 * move that can recur), and the card refresh. Workflows say which event happened and what to tell;
 * the table in domain/lifecycle says whether it may happen.
 */
import { randomBytes } from 'node:crypto';
import { findService } from '../config/botConfig.js';
import { endsRequest, MOVES, type RequestEvent } from '../domain/lifecycle.js';
import type { RollbackRequest } from '../domain/request.js';
import type { Notice } from '../ports/notices.js';
import type { RequestPatch } from '../ports/store.js';
import { audit } from './audit.js';
import type { WorkflowDeps } from './deps.js';
import { postOnce } from './milestones.js';
import { recordOutcome } from './record.js';

interface FollowUp {
  /** The audit record's kind. */
  readonly audit: string;
  /** Thread message key: fixed (said once per request), or `each` (a move that can happen again). */
  readonly milestone: string | 'each';
}

const FOLLOW_UPS: Record<RequestEvent, FollowUp> = {
  approve_last: { audit: 'approved', milestone: 'approved' },
  reject: { audit: 'rejected', milestone: 'rejected' },
  cancel: { audit: 'cancelled', milestone: 'cancelled' },
  withdraw: { audit: 'card_failed', milestone: 'cancelled' },
  expire: { audit: 'expired', milestone: 'expired' },
  pr_opened: { audit: 'pr_opened', milestone: 'pr_opened' },
  pr_failed: { audit: 'pr_failed', milestone: 'each' },
  retry: { audit: 'retried', milestone: 'each' },
  plan_changed: { audit: 'approvals_void', milestone: 'each' },
  plan_failed: { audit: 'plan_failed', milestone: 'plan_failed' },
  already_configured: { audit: 'no_change', milestone: 'no_change' },
  merged: { audit: 'merged', milestone: 'merged' },
  alias_moved: { audit: 'alias_moved', milestone: 'merged' },
  closed_unmerged: { audit: 'abandoned', milestone: 'abandoned' },
  // A PR may be closed and reopened more than once, and each reopening is news.
  reopened: { audit: 'reopened', milestone: 'each' },
  verified: { audit: 'verified', milestone: 'outcome' },
  verify_failed: { audit: 'verify_failed', milestone: 'outcome' },
};

export interface MoveEffects {
  readonly patch?: RequestPatch;
  /** Who made it happen (a Slack user id, a GitHub login), and the name Slack sent. */
  readonly actor?: string;
  readonly actorName?: string;
  readonly detail?: Record<string, unknown>;
  /** What the thread is told; nothing when undefined. */
  readonly notice?: Notice;
}

/**
 * Moves `request` by `event` (a compare-and-set on the event's `from` states: a second click, replica
 * or retry loses and changes nothing) and, only when this call made the move, records it, tells the
 * thread and refreshes the card. True when this call made the move.
 */
export async function move(
  deps: WorkflowDeps,
  request: RollbackRequest,
  event: RequestEvent,
  effects: MoveEffects = {},
): Promise<boolean> {
  if (!(await deps.store.transition(request.id, event, effects.patch))) return false;
  const follow = FOLLOW_UPS[event];
  await audit(deps, {
    requestId: request.id,
    service: request.service,
    kind: follow.audit,
    actor: effects.actor,
    actorName: effects.actorName,
    detail: effects.detail ?? {},
  });
  const ends = endsRequest(MOVES[event].to);
  if (effects.notice) {
    const key =
      follow.milestone === 'each'
        ? `${event}:${deps.now().toISOString()}:${randomBytes(3).toString('hex')}`
        : follow.milestone;
    // The outcome message mentions the service's `[notify] usergroups`.
    const groups = ends ? (findService(deps.config, request.service)?.notify.usergroups ?? []) : [];
    await postOnce(
      deps,
      request,
      key,
      groups.length ? { ...effects.notice, mentions: groups } : effects.notice,
    );
  }
  if (ends) {
    // The move stands whatever happens here; what was claimed is sent again by the repair round.
    await recordOutcome(deps, request.id).catch((err) =>
      deps.log.warn('the record of an ended request could not be made', { request: request.id, error: err }),
    );
  }
  deps.cards.refresh(request.id);
  return true;
}
