/**
 * The request card: who asked for what, the plan, the approvals, and the buttons that fit its state.
 * Re-rendered in place after every event, so it always shows who did what.
 */

import type { Pin } from '../../domain/pin.js';
import type { Approvers } from '../../domain/policy.js';
import {
  allowedActions,
  BOT_REQUESTER,
  type RequestState,
  type RollbackRequest,
} from '../../domain/request.js';
import type { StoredEvent } from '../../ports/store.js';
import { planEvidenceLine } from './evidence.js';
import { type Block, context, fields, header, message, mrkdwn, plain, section } from './kit.js';
import { code, date, joinMd, link, type Mrkdwn, md, mention } from './mrkdwn.js';
import { describeApprovers } from './notices.js';
import { checkLines, diffText, fromText, toText } from './plan.js';
import { type EnvLine, progressLines } from './progress.js';

export const ACTIONS = {
  approve: 'rollback_approve',
  reject: 'rollback_reject',
  cancel: 'rollback_cancel',
  retry: 'rollback_retry',
} as const;

export const STATE_LINE: Record<RequestState, string> = {
  pending: ':hourglass_flowing_sand: Waiting for approval',
  approved: ':gear: Approved: opening the PR',
  pr_failed: ':x: Approved, but opening the PR failed',
  pr_open: ':twisted_rightwards_arrows: PR open',
  merged: ':rocket: Merged: deploying',
  completed: ':white_check_mark: Rollback complete',
  verify_failed: ':rotating_light: Deployed but not verified',
  abandoned: ':no_entry_sign: Abandoned: PR closed without merge',
  no_change: ':information_source: Nothing to do: main already configures the target',
  rejected: ':no_entry: Rejected',
  cancelled: ':wastebasket: Cancelled',
  expired: ':hourglass: Expired',
  refused: ':no_entry: Ended: its plan fails a check (no PR)',
};

const EVENT_WORDS: Record<string, string> = {
  requested: 'requested',
  approved: 'approved',
  rejected: 'rejected',
  cancelled: 'cancelled',
  expired: 'expired',
  retried: 'retried',
  no_change: 'ended: nothing to change',
  card_repaired: 'card posted late',
  pr_opened: 'PR opened',
  pr_failed: 'PR failed',
  approvals_void: 'approvals reset (plan changed)',
  unauthorized_click: 'tried to act without permission',
  merged: 'merged',
  verified: 'verified',
};

function eventLine(e: StoredEvent): Mrkdwn {
  const who = e.actor && e.actor !== 'rollback-bot' ? md`${mention(e.actor)} ` : '';
  return md`${date(e.at, '{time}')} ${who}${EVENT_WORDS[e.kind] ?? e.kind.replace(/_/g, ' ')}`;
}

function stateText(r: RollbackRequest, approvers: Approvers): Mrkdwn {
  const approvals = r.approvals.map((a) => mention(a.user));
  const count = `${r.approvals.length} of ${r.approvalsRequired} approval${r.approvalsRequired === 1 ? '' : 's'}`;
  const lines: Mrkdwn[] = [
    md`*${STATE_LINE[r.state]}* · ${count}${approvals.length ? md`: ${joinMd(approvals, ', ')}` : ''}`,
  ];
  if (r.requester === BOT_REQUESTER)
    lines.push(
      md`Opened automatically on the alarm: nobody asked for it, so two different approvers must approve.`,
    );
  if (r.state === 'pending')
    lines.push(md`Approvers: ${describeApprovers(approvers, r.requester)} (not the requester)`);
  if (r.pr) lines.push(md`PR: ${link(r.pr.url, `#${r.pr.number}`)} (${code(r.pr.branch)})`);
  if (r.lastError && r.state === 'pr_failed') {
    lines.push(md`Last error: ${r.lastError}`, md`Retry before ${date(r.expiresAt)}; after that it expires.`);
  }
  if (r.state === 'refused' && r.decisionNote) lines.push(md`Its plan fails: ${r.decisionNote}`);
  if (r.decidedBy && (r.state === 'rejected' || r.state === 'cancelled')) {
    lines.push(md`By ${mention(r.decidedBy)}${r.decisionNote ? md`: ${r.decisionNote}` : ''}`);
  }
  if (r.state === 'no_change' && r.decisionNote) lines.push(md`${r.decisionNote}`);
  return joinMd(lines, '\n');
}

function buttons(r: RollbackRequest): Block[] {
  const els = requestButtons(r);
  return els.length ? [{ type: 'actions', block_id: `request_${r.id}`, elements: els } as Block] : [];
}

/** The buttons a request's state offers (the card's, and the Home tab's under its active request). */
export function requestButtons(r: RollbackRequest): unknown[] {
  const value = r.id;
  const els: unknown[] = [];
  const allowed = allowedActions(r);
  if (allowed.has('approve')) {
    els.push({
      type: 'button',
      action_id: ACTIONS.approve,
      value,
      style: 'primary',
      text: plain('Approve', 75),
      confirm: {
        title: plain(`Approve ${r.id}?`, 100),
        text: mrkdwn(
          md`This rolls *${r.service}* back to ${code(r.plan.targetIteration ?? r.plan.targetVersion)}. With enough approvals the bot opens the config PR at once.`,
          300,
        ),
        confirm: plain('Approve', 30),
        deny: plain('Not yet', 30),
      },
    });
  }
  if (allowed.has('reject')) {
    els.push({
      type: 'button',
      action_id: ACTIONS.reject,
      value,
      style: 'danger',
      text: plain('Reject', 75),
    });
  }
  if (allowed.has('retry')) {
    els.push({
      type: 'button',
      action_id: ACTIONS.retry,
      value,
      style: 'primary',
      text: plain('Retry', 75),
    });
  }
  if (allowed.has('cancel')) {
    els.push({
      type: 'button',
      action_id: ACTIONS.cancel,
      value,
      text: plain('Cancel', 75),
    });
  }
  return els;
}

export interface CardContext {
  /** The service's pin, when this request set it. */
  readonly pin?: Pin;
  readonly approvers: Approvers;
  readonly environments: readonly EnvLine[];
  readonly consecutiveReads: number;
}

export function requestCard(r: RollbackRequest, events: readonly StoredEvent[], ctx: CardContext) {
  const { approvers } = ctx;
  const title = `Rollback ${r.id}: ${r.service} → ${r.plan.targetVersion}${r.force ? ' (break-glass)' : ''}`;
  const blocks: Block[] = [
    header(title),
    fields([
      md`*Requested by*\n${r.requester === BOT_REQUESTER ? md`*rollback-bot* (on alarm)` : mention(r.requester)}`,
      md`*Reason*\n${code(r.reason)}`,
      md`*From*\n${fromText(r.plan)}`,
      md`*To*\n${toText(r.plan)}`,
      md`*Note*\n${r.note || md`_none_`}`,
      md`*Expires*\n${r.state === 'pending' ? date(r.expiresAt) : md`_n/a_`}`,
    ]),
  ];
  const proof = planEvidenceLine(r.plan);
  if (proof) blocks.push(section(md`*Evidence*\n${proof}`));
  if (r.force) {
    blocks.push(
      section(
        md`:rotating_light: *Break-glass:* the cooldown was lifted with ${code('--force')}; one extra approval is required.`,
      ),
    );
  }
  const progress = progressLines(r, ctx.environments, ctx.consecutiveReads);
  const pin = ctx.pin;
  if (pin) {
    blocks.push(
      section(
        pin.unpinnedAt
          ? md`:unlock: Was pinned at ${code(pin.version)} from ${date(pin.pinnedAt)}; unpinned by ${mention(pin.unpinnedBy ?? '')}${pin.unpinNote ? md` (${pin.unpinNote})` : ''} ${date(pin.unpinnedAt)}.`
          : md`:pushpin: *Pinned at ${code(pin.version)}* by ${r.id} (${pin.reason}), since ${date(pin.pinnedAt)}, until unpinned.`,
      ),
    );
  }
  if (r.alarm) blocks.push(section(md`:bell: *Alarm:* ${r.alarm.name} (${r.alarm.state}) ${r.alarm.reason}`));
  blocks.push(
    section(stateText(r, approvers)),
    ...(progress.length ? [section(md`*Deploy*\n${joinMd(progress, '\n')}`)] : []),
    section(md`*Checks*\n${checkLines(r.plan)}`),
    section(md`*${r.plan.aliasMove ? 'Change' : 'Diff'}*\n${diffText(r.plan)}`),
    ...buttons(r),
  );
  const history = events
    .filter((e) => e.kind !== 'unauthorized_click')
    .slice(-9)
    .map(eventLine);
  if (history.length) blocks.push(context(joinMd(history, ' · ')));
  return message(md`${title}: ${STATE_LINE[r.state].replace(/^:[a-z_]+: /, '')}`, blocks);
}
