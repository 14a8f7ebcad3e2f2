/** The words and markup for what workflows report: thread notices, refusals, alert replies. */
import type { Approvers } from '../../domain/policy.js';
import type { RequestState } from '../../domain/request.js';
import { describeStep, formatDuration, type Timeline } from '../../domain/timeline.js';
import type { AlertNotice, ClickOutcome, Denial, Notice, OutcomeSummary } from '../../ports/notices.js';
import type { UnpinOutcome } from '../../workflows/pin.js';
import { goldenFailureLines } from './golden.js';
import { code, date, joinMd, link, type Mrkdwn, md, mention, usergroup } from './mrkdwn.js';

/** Who can approve, as Slack mentions, for the answer to someone who cannot. */
export function describeApprovers(approvers: Approvers, requester?: string): Mrkdwn {
  const people = [
    ...approvers.users.filter((u) => u !== requester).map(mention),
    ...approvers.usergroups.map(usergroup),
  ];
  return people.length > 0
    ? joinMd(people, ', ')
    : md`nobody (ask an admin to add approvers to the bot config)`;
}

export const STATE_WORDS: Record<RequestState, string> = {
  pending: 'waiting for approval',
  approved: 'approved; the PR is being opened',
  pr_failed: 'approved, but opening the PR failed',
  pr_open: 'approved; its PR is open',
  merged: 'merged',
  completed: 'completed',
  verify_failed: 'deployed but not verified',
  abandoned: 'abandoned (its PR was closed)',
  no_change: 'ended without a PR (main already configured the target)',
  rejected: 'rejected',
  cancelled: 'cancelled',
  expired: 'expired',
  refused: 'ended: its plan failed a check when checked again',
};

const pr = (number?: number) => `PR #${number ?? '?'}`;
const askAgain = (n: { version: string; service: string }) => code(`/rollback to ${n.version} ${n.service}`);

/** The thread text of a notice, and whether the channel should see it too (final outcomes). */
export function renderNotice(n: Notice): { text: Mrkdwn; broadcast: boolean } {
  const said = renderBody(n);
  const groups = n.mentions ?? [];
  // usergroup() makes a mention of a user group id only; anything else is shown as text.
  return groups.length === 0
    ? said
    : { ...said, text: md`${said.text} ${joinMd(groups.map(usergroup), ' ')}` };
}

const seconds = (s: number | null) => (s === null ? 'n/a' : formatDuration(s));

/** The record in the thread: one line a step, with the time since the one before. */
export function renderTimeline(t: Timeline): Mrkdwn {
  const lines = t.steps.map(
    (s) =>
      md`• ${code(s.at.slice(0, 19).replace('T', ' '))} ${describeStep(s)}${
        s.since_previous_seconds === undefined ? '' : md` (+${formatDuration(s.since_previous_seconds)})`
      }`,
  );
  const restore = t.time_to_restore_seconds;
  const totals =
    t.outcome === 'completed'
      ? md`Time to restore: ${seconds(restore.from_alarm)} from the alarm, ${seconds(restore.from_request)} from the request (to production verified). Time to decide: ${seconds(t.time_to_decide_seconds)}.`
      : md`Not restored by this request. Time to decide: ${seconds(t.time_to_decide_seconds)}.`;
  return md`:spiral_note_pad: Timeline of ${t.request} (${t.outcome.replace(/_/g, ' ')}, UTC):\n${joinMd(lines, '\n')}\n${totals} ${code(`rollback-bot report ${t.request}`)} drafts the postmortem.`;
}

const OUTCOME_WORDS: Record<string, string> = {
  completed: 'rolled back and verified',
  verify_failed: 'deployed but NOT verified',
  expired: 'expired, nothing changed',
  rejected: 'rejected, nothing changed',
  cancelled: 'cancelled, nothing changed',
  refused: 'ended without a PR (its plan failed a check)',
  no_change: 'ended without a PR (main already had the target)',
  abandoned: 'abandoned (PR closed)',
};

/** The one line a stakeholder channel gets for an outcome. */
export function renderSummary(s: OutcomeSummary): Mrkdwn {
  const words = OUTCOME_WORDS[s.outcome] ?? s.outcome;
  const icon =
    s.outcome === 'completed'
      ? ':rewind:'
      : s.outcome === 'verify_failed'
        ? ':rotating_light:'
        : ':information_source:';
  return md`${icon} ${s.service}: rollback ${s.id}${s.from ? md` from ${code(s.from)}` : ''} to ${code(s.to)} ${words}.${
    s.thread ? md` ${link(s.thread, 'Thread')}` : ''
  }`;
}

function renderBody(n: Notice): { text: Mrkdwn; broadcast: boolean } {
  const say = (text: Mrkdwn, broadcast = false) => ({ text, broadcast });
  switch (n.kind) {
    case 'timeline':
      return say(renderTimeline(n.timeline));
    case 'expired':
      return say(
        n.cardPosted === false
          ? md`:hourglass: Rollback request ${n.id} for ${n.service} (to ${n.version}) expired before its card could be posted (the bot was restarting). Nothing was changed. Ask again with ${askAgain(n)} if it is still needed.`
          : n.afterFailure
            ? md`:hourglass: ${n.id} expired: its PR could not be opened and nobody retried in time. Nothing was merged. Ask again with ${askAgain(n)} if it is still needed (the plan is checked afresh).`
            : md`:hourglass: ${n.id} expired without enough approvals. Nothing was changed. Ask again with ${askAgain(n)} if it is still needed.`,
        n.cardPosted === false || n.afterFailure === true,
      );
    case 'rejected':
      return say(
        md`:no_entry: ${mention(n.by)} rejected ${n.id}${n.why ? md`: ${n.why}` : ''}. Nothing was changed.`,
      );
    case 'cancelled':
      return say(md`:wastebasket: ${mention(n.by)} cancelled ${n.id}. Nothing was changed.`);
    case 'approvals_void':
      return say(
        md`:warning: Approvals were reset: ${n.why}. The card shows the new plan; approve it again if it is still right.`,
      );
    case 'plan_failed':
      return say(
        md`:no_entry: ${n.id} ends without a PR: its plan was checked again before the PR and now fails: ${joinMd(n.failed, '; ')}. Nothing was changed. Pick a safe target with ${code(`/rollback versions ${n.service}`)}, then ask again with ${code(`/rollback to <version> ${n.service}`)}.`,
        true,
      );
    case 'pr_opened':
      return say(
        md`:twisted_rightwards_arrows: PR opened: ${link(n.url, `#${n.number}`)} changes ${code(n.keyPath)} to ${code(n.version)}${
          n.movedBase
            ? md` (${n.movedBase} had moved; the version line was unchanged, so it builds on the new head)`
            : ''
        }.`,
      );
    case 'pr_failed':
      return say(
        md`:x: ${n.alias ? 'Moving the alias failed' : 'Opening the PR failed'}: ${n.error}. ${n.alias ? 'The alias was not moved' : 'Nothing was merged'}; the approvals still stand. Press *Retry* on the card${
          n.retryUntil ? md` before ${date(new Date(n.retryUntil))}` : ''
        } to try again (the plan is checked afresh and anything already created is reused), or *Cancel* to drop the request.`,
      );
    case 'labels_failed':
      return say(
        md`:warning: PR #${n.number} is open, but its labels could not be added: ${n.error}. Add them by hand if your house rules need them.`,
      );
    case 'no_change':
      return say(
        md`:information_source: ${n.branch} already configures ${n.version}${
          n.since
            ? md` since ${n.since.sha.slice(0, 7)}${n.since.at ? md` (${date(new Date(n.since.at))})` : ''}${n.since.summary ? md`, "${n.since.summary}"` : ''}`
            : ''
        }; nothing to do. ${n.id} ends without a PR.`,
        true,
      );
    case 'alias_moved':
      return say(
        md`:label: Moved ${code(n.alias)} of ${code(n.model)} from ${n.from ? code(n.from) : 'nothing'} to ${code(n.to)} in MLflow. Following the healthchecks until every environment serves ${code(n.to)}.${
          n.tagProblem
            ? md` The version tags could not be written (${n.tagProblem}); the move stands, but version ${n.from ?? '?'} is not marked as rolled back in MLflow.`
            : ''
        }`,
      );
    case 'merged':
      return say(
        md`:twisted_rightwards_arrows: ${pr(n.number)} merged${n.by ? md` by ${n.by}` : ''}. Watching the environments deployed from main.`,
      );
    case 'abandoned':
      return say(
        md`:no_entry_sign: ${pr(n.number)} was closed without merging, so ${n.id} is abandoned: nothing was deployed from main. Reopen the PR to resume, or ask again with ${askAgain(n)}.`,
        true,
      );
    case 'reopened':
      return say(md`:arrows_counterclockwise: ${pr(n.number)} was reopened; following it again.`);
    case 'pr_event_ignored':
      return say(
        md`:warning: ${pr(n.number)} was ${n.event === 'merged' ? 'merged' : 'reopened'}, but ${n.activeId ?? 'another request'} is the active rollback of ${n.service}: ${n.id} stays abandoned and is not followed.${
          n.event === 'merged' ? ' Check what the config file on main says now.' : ''
        }`,
        n.event === 'merged',
      );
    case 'env_verified':
      return say(
        n.fromPullRequest
          ? md`:white_check_mark: Served on ${n.environment}: ${code(n.target)} (${n.reads} consecutive healthcheck reads), from the PR branch.`
          : md`:white_check_mark: ${n.environment} verified: serves ${code(n.target)}${
              n.goldenPassed
                ? md`, and its ${n.goldenPassed} golden check${n.goldenPassed === 1 ? '' : 's'} pass`
                : ''
            }.`,
      );
    case 'golden_failed':
      return say(
        md`:rotating_light: ${n.environment} serves ${code(n.target)}, but ${n.failed.length} of ${n.total} golden check${n.total === 1 ? '' : 's'} failed (expected against actual):\n${goldenFailureLines(n.failed)}`,
      );
    case 'env_failed':
      return say(
        // lastSeen is what a healthcheck answered: outside text, shown only through code().
        md`:rotating_light: ${n.environment} ${n.lastSeen ? md`still serves ${code(n.lastSeen)}` : 'could not be read'} after ${n.timeoutMinutes} min, not ${code(n.target)}. Check the deploy pipeline for ${n.environment}; the bot stops waiting for it.`,
      );
    case 'not_verified':
      return say(
        n.golden?.length
          ? md`:rotating_light: Rollback ${n.id} NOT verified: ${n.environment} serves ${code(n.target ?? n.lastSeen ?? 'the target')}, but its golden checks fail:\n${goldenFailureLines(n.golden)}\nThe change is deployed; check the model's answers before calling this rollback done.`
          : md`:rotating_light: Rollback ${n.id} NOT verified: ${n.environment} still serves ${code(n.lastSeen ?? 'unknown')} after ${n.minutes} min. The PR is merged; check the ${n.environment} deploy.`,
        true,
      );
    case 'pinned':
      return say(
        md`:pushpin: ${n.service} is pinned at ${code(n.version)} by ${n.id} (${n.reason}), since ${date(new Date(n.since))}, until unpinned (verification still running). While pinned, every open PR of the config repository that sets another version gets a failing ${code('model-pin')} check. An approver unpins with ${code(`/rollback unpin ${n.service} <note>`)}.`,
      );
    case 'unpinned':
      return say(
        md`:unlock: ${n.service} unpinned by ${mention(n.by)} (${n.note}): it was pinned at ${code(n.version)}. Every open PR's ${code('model-pin')} check turns green.`,
      );
    case 'pin_alias_moved':
      return say(
        md`:warning: ${code(n.alias)} moved from ${code(n.from)} to ${code(n.to)} while pinned (${n.service} is pinned at ${code(n.from)} by ${n.id}). Move it back, or unpin with ${code(`/rollback unpin ${n.service} <note>`)} if this release is meant.`,
        true,
      );
    case 'rolled_back_marked':
      return say(
        md`:rewind: Marked ${code(n.iteration)} as rolled back from in the bucket: ${code(`s3://${n.bucket}/${n.key}`)}.`,
      );
    case 'rolled_back_mark_failed':
      return say(
        md`:warning: ${code(n.iteration)} could not be marked as rolled back from in the bucket (${code(`s3://${n.bucket}/${n.key}`)}): ${n.error}. The rollback goes on; the bot's database still skips it as a target, but readers of the bucket do not see the mark.`,
      );
    case 'completed':
      return say(
        md`:tada: Rollback complete: ${n.environment} serves ${n.target}, ${n.minutes} min after the ${n.since}.`,
        true,
      );
  }
}

/** The private answer to a click or command that was not acted on. */
export function renderDenial(d: Denial): Mrkdwn {
  switch (d.kind) {
    case 'gone':
      return md`Request ${d.id} no longer exists.`;
    case 'unknown_request':
      return md`There is no request ${d.id}. ${code('/rollback history')} lists recent ones.`;
    case 'expired':
      return d.afterFailure
        ? md`${d.id} has expired: its PR could not be opened and the time to retry is over. Nothing was merged. Ask again if it is still needed; the plan will be checked afresh.`
        : md`${d.id} has expired; nothing was approved. Ask again if it is still needed.`;
    case 'plan_fails':
      return md`${d.id} cannot be approved: its plan fails its checks (${joinMd(d.failed, '; ')}). Cancel it and ask again for a safe target (${code('/rollback versions')}).`;
    case 'already_approved':
      return md`You already approved ${d.id}; it counts once.`;
    case 'already_decided':
      return md`${d.id} already has its approvals (approved by ${joinMd(d.approvedBy.map(mention), ', ')}${
        d.pr ? md`, PR ${link(d.pr.url, `#${d.pr.number}`)}` : ''
      }); it is ${STATE_WORDS[d.state]}. Your click was not counted.`;
    case 'own_request':
      return md`You asked for ${d.id}, so your approval cannot count: two people must agree. Approvers: ${describeApprovers(d.approvers, d.user)}.`;
    case 'not_approver':
      return md`You are not an approver for ${d.service}. Who can approve: ${describeApprovers(d.approvers, d.requester)}.`;
    case 'wrong_state':
      return md`${d.id} is ${STATE_WORDS[d.state]}; ${
        d.action === 'approve'
          ? 'there is nothing to approve'
          : d.action === 'retry'
            ? 'there is nothing to retry'
            : md`it can no longer be ${d.action === 'reject' ? 'rejected' : 'cancelled'}`
      }.`;
    case 'reject_not_allowed':
      return md`Only approvers can reject ${d.id}: ${describeApprovers(d.approvers)}.`;
    case 'cancel_not_allowed':
      return d.via === 'button'
        ? md`Only ${mention(d.requester)}, who asked, can cancel ${d.id} here. Approvers can use ${code(`/rollback cancel ${d.id}`)} or Reject.`
        : md`Only ${mention(d.requester)} (who asked) or an approver can cancel ${d.id}.`;
    case 'retry_not_allowed':
      return md`Only ${mention(d.requester)} or an approver can retry ${d.id}.`;
  }
}

export function renderAlertNotice(n: AlertNotice): Mrkdwn {
  switch (n.kind) {
    case 'transition':
      return n.alarm.state === 'OK'
        ? md`:white_check_mark: ${n.alarm.name} is back to OK: ${n.alarm.reason}`
        : n.alarm.state === 'ALARM'
          ? md`:rotating_light: ${n.alarm.name} is firing again: ${n.alarm.reason}`
          : md`:grey_question: ${n.alarm.name} has insufficient data: ${n.alarm.reason}`;
    case 'offer':
      return md`Alert for ${n.service}: ${n.alarmName}`;
    case 'auto_request_refused':
      return md`:no_entry: No rollback request was opened automatically: ${n.why}`;
  }
}

/** What the person who clicked (or typed a command) is told privately, if anything. */
export function renderClick(outcome: ClickOutcome): Mrkdwn | undefined {
  if (outcome.kind === 'denied') return md`:warning: ${renderDenial(outcome.denial)}`;
  return outcome.cancelled ? md`:wastebasket: ${outcome.cancelled} cancelled.` : undefined;
}

/** The private answer to `/rollback unpin`. */
export function unpinAnswer(outcome: UnpinOutcome): Mrkdwn {
  switch (outcome.kind) {
    case 'unpinned':
      return md`:unlock: ${outcome.pin.service} is unpinned (it was pinned at ${code(outcome.pin.version)} by ${outcome.pin.requestId}). Every open PR's ${code('model-pin')} check turns green; the thread of ${outcome.pin.requestId} says so.`;
    case 'not_pinned':
      return md`${outcome.service} is not pinned: nothing to unpin.`;
    case 'not_approver':
      return md`:warning: Only approvers of ${outcome.service} can unpin it: ${describeApprovers(outcome.approvers)}. Nothing was changed.`;
  }
}
