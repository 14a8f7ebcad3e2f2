/** Mapping between requests and their table rows: ISO text for times, JSON for nested values. */

import type { Reason } from '../../domain/command.js';
import type { Pin } from '../../domain/pin.js';
import type { Plan } from '../../domain/plan.js';
import type { Progress } from '../../domain/progress.js';
import type { AlarmRef, Approval, RequestState, RollbackRequest, Trigger } from '../../domain/request.js';
import type { RequestPatch } from '../../ports/store.js';
import type { PinsTable, RequestsTable } from './schema.js';

export const iso = (d: Date) => d.toISOString();
const date = (s: string | null) => (s ? new Date(s) : undefined);

export function toRow(r: RollbackRequest): RequestsTable {
  return {
    id: r.id,
    service: r.service,
    state: r.state,
    requester: r.requester,
    reason: r.reason,
    note: r.note,
    force: r.force ? 1 : 0,
    plan: JSON.stringify(r.plan),
    approvals_required: r.approvalsRequired,
    created_at: iso(r.createdAt),
    expires_at: iso(r.expiresAt),
    updated_at: iso(r.updatedAt),
    channel: r.channel,
    card_ts: r.cardTs ?? null,
    thread_ts: r.threadTs ?? null,
    pr_number: r.pr?.number ?? null,
    pr_url: r.pr?.url ?? null,
    pr_branch: r.pr?.branch ?? null,
    pr_opened_at: r.pr ? iso(r.pr.openedAt) : null,
    last_error: r.lastError ?? null,
    alarm: r.alarm ? JSON.stringify(r.alarm) : null,
    decided_by: r.decidedBy ?? null,
    decision_note: r.decisionNote ?? null,
    completed_at: r.completedAt ? iso(r.completedAt) : null,
    progress: r.progress ? JSON.stringify(r.progress) : null,
    card_hash: null,
    requester_name: r.requesterName ?? null,
    branch: r.branch ?? null,
    trigger: r.trigger ? JSON.stringify(r.trigger) : null,
    card_holder: null,
    card_attempts: 0,
    card_retry_at: null,
    card_error: null,
    card_gave_up_at: null,
    pr_closed_at: null,
  };
}

export function patchRow(p: RequestPatch): Partial<RequestsTable> {
  const row: Partial<RequestsTable> = {};
  if (p.cardTs !== undefined) row.card_ts = p.cardTs;
  if (p.threadTs !== undefined) row.thread_ts = p.threadTs;
  if (p.channel !== undefined) row.channel = p.channel;
  if (p.plan !== undefined) row.plan = JSON.stringify(p.plan);
  if (p.pr !== undefined) {
    row.pr_number = p.pr.number;
    row.pr_url = p.pr.url;
    row.pr_branch = p.pr.branch;
    row.pr_opened_at = iso(p.pr.openedAt);
  }
  if (p.lastError !== undefined) row.last_error = p.lastError;
  if (p.decidedBy !== undefined) row.decided_by = p.decidedBy;
  if (p.decisionNote !== undefined) row.decision_note = p.decisionNote;
  if (p.completedAt !== undefined) row.completed_at = iso(p.completedAt);
  if (p.expiresAt !== undefined) row.expires_at = iso(p.expiresAt);
  if (p.progress !== undefined) row.progress = JSON.stringify(p.progress);
  if (p.prClosedAt !== undefined) row.pr_closed_at = p.prClosedAt ? iso(p.prClosedAt) : null;
  return row;
}

export function fromRow(row: RequestsTable, approvals: readonly Approval[]): RollbackRequest {
  return {
    id: row.id,
    service: row.service,
    state: row.state as RequestState,
    requester: row.requester,
    requesterName: row.requester_name ?? undefined,
    reason: row.reason as Reason,
    note: row.note,
    force: row.force === 1,
    plan: JSON.parse(row.plan) as Plan,
    approvalsRequired: row.approvals_required,
    approvals,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    updatedAt: new Date(row.updated_at),
    channel: row.channel,
    cardTs: row.card_ts ?? undefined,
    threadTs: row.thread_ts ?? undefined,
    pr:
      row.pr_number !== null && row.pr_url && row.pr_branch && row.pr_opened_at
        ? {
            number: row.pr_number,
            url: row.pr_url,
            branch: row.pr_branch,
            openedAt: new Date(row.pr_opened_at),
          }
        : undefined,
    lastError: row.last_error ?? undefined,
    alarm: row.alarm
      ? (JSON.parse(row.alarm, (k, v) => (k === 'at' ? new Date(v) : v)) as AlarmRef)
      : undefined,
    decidedBy: row.decided_by ?? undefined,
    decisionNote: row.decision_note ?? undefined,
    completedAt: date(row.completed_at),
    progress: row.progress ? (JSON.parse(row.progress) as Progress) : undefined,
    branch: row.branch ?? undefined,
    trigger: row.trigger ? (JSON.parse(row.trigger) as Trigger) : undefined,
  };
}

export const pinRow = (p: Pin): PinsTable => ({
  service: p.service,
  version: p.version,
  request_id: p.requestId,
  reason: p.reason,
  pinned_at: iso(p.pinnedAt),
  pinned_by: p.pinnedBy ?? null,
  thread_link: p.threadLink ?? null,
  unpinned_at: p.unpinnedAt ? iso(p.unpinnedAt) : null,
  unpinned_by: p.unpinnedBy ?? null,
  unpin_note: p.unpinNote ?? null,
});

export const pinFromRow = (row: PinsTable): Pin => ({
  service: row.service,
  version: row.version,
  requestId: row.request_id,
  reason: row.reason,
  pinnedAt: new Date(row.pinned_at),
  pinnedBy: row.pinned_by ?? undefined,
  threadLink: row.thread_link ?? undefined,
  unpinnedAt: date(row.unpinned_at),
  unpinnedBy: row.unpinned_by ?? undefined,
  unpinNote: row.unpin_note ?? undefined,
});
