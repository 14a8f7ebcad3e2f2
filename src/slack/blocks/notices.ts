/** The words and markup for what workflows report: thread notices, refusals, alert replies. */
import type { Approvers } from '../../domain/policy.js';
import type { RequestState } from '../../domain/request.js';
import type { AlertNotice, ClickOutcome, Denial, Notice } from '../../workflows/notices.js';
import { code, escapeMrkdwn as esc, slackDate } from './kit.js';

/** Who can approve, as Slack mentions, for the answer to someone who cannot. */
export function describeApprovers(approvers: Approvers, requester?: string): string {
  const people = [
    ...approvers.users.filter((u) => u !== requester).map((u) => `<@${u}>`),
    ...approvers.usergroups.map((g) => `<!subteam^${g}>`),
  ];
  return people.length > 0 ? people.join(', ') : 'nobody (ask an admin to add approvers to the bot config)';
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

/** The thread text of a notice, and whether the channel should see it too (final outcomes). */
export function renderNotice(n: Notice): { text: string; broadcast: boolean } {
  const say = (text: string, broadcast = false) => ({ text, broadcast });
  switch (n.kind) {
    case 'expired':
      return say(
        n.cardPosted === false
          ? `:hourglass: Rollback request ${n.id} for ${n.service} (to ${n.version}) expired before its card could be posted (the bot was restarting). Nothing was changed. Ask again with \`/rollback to ${n.version} ${n.service}\` if it is still needed.`
          : n.afterFailure
            ? `:hourglass: ${n.id} expired: its PR could not be opened and nobody retried in time. Nothing was merged. Ask again with \`/rollback to ${n.version} ${n.service}\` if it is still needed (the plan is checked afresh).`
            : `:hourglass: ${n.id} expired without enough approvals. Nothing was changed. Ask again with \`/rollback to ${n.version} ${n.service}\` if it is still needed.`,
        n.cardPosted === false || n.afterFailure === true,
      );
    case 'rejected':
      return say(
        `:no_entry: <@${n.by}> rejected ${n.id}${n.why ? `: ${esc(n.why)}` : ''}. Nothing was changed.`,
      );
    case 'cancelled':
      return say(`:wastebasket: <@${n.by}> cancelled ${n.id}. Nothing was changed.`);
    case 'approvals_void':
      return say(
        `:warning: Approvals were reset: ${esc(n.why)}. The card shows the new plan; approve it again if it is still right.`,
      );
    case 'plan_failed':
      return say(
        `:no_entry: ${n.id} ends without a PR: its plan was checked again before the PR and now fails: ${n.failed.map(esc).join('; ')}. Nothing was changed. Pick a safe target with \`/rollback versions ${n.service}\`, then ask again with \`/rollback to <version> ${n.service}\`.`,
        true,
      );
    case 'pr_opened':
      return say(
        `:twisted_rightwards_arrows: PR opened: <${n.url}|#${n.number}> changes \`${n.keyPath}\` to \`${n.version}\`${
          n.movedBase
            ? ` (${n.movedBase} had moved; the version line was unchanged, so it builds on the new head)`
            : ''
        }.`,
      );
    case 'pr_failed':
      return say(
        `:x: Opening the PR failed: ${esc(n.error)}. Nothing was merged; the approvals still stand. Press *Retry* on the card${
          n.retryUntil ? ` before ${slackDate(new Date(n.retryUntil))}` : ''
        } to try again (the plan is checked afresh and anything already created is reused), or *Cancel* to drop the request.`,
      );
    case 'labels_failed':
      return say(
        `:warning: PR #${n.number} is open, but its labels could not be added: ${esc(n.error)}. Add them by hand if your house rules need them.`,
      );
    case 'no_change':
      return say(
        `:information_source: ${n.branch} already configures ${n.version}${
          n.since
            ? ` since ${n.since.sha.slice(0, 7)}${n.since.at ? ` (${slackDate(new Date(n.since.at))})` : ''}${n.since.summary ? `, "${esc(n.since.summary)}"` : ''}`
            : ''
        }; nothing to do. ${n.id} ends without a PR.`,
        true,
      );
    case 'merged':
      return say(
        `:twisted_rightwards_arrows: ${pr(n.number)} merged${n.by ? ` by ${esc(n.by)}` : ''}. Watching the environments deployed from main.`,
      );
    case 'abandoned':
      return say(
        `:no_entry_sign: ${pr(n.number)} was closed without merging, so ${n.id} is abandoned: nothing was deployed from main. Reopen the PR to resume, or ask again with \`/rollback to ${n.version} ${n.service}\`.`,
        true,
      );
    case 'reopened':
      return say(`:arrows_counterclockwise: ${pr(n.number)} was reopened; following it again.`);
    case 'pr_event_ignored':
      return say(
        `:warning: ${pr(n.number)} was ${n.event === 'merged' ? 'merged' : 'reopened'}, but ${n.activeId ?? 'another request'} is the active rollback of ${n.service}: ${n.id} stays abandoned and is not followed.${
          n.event === 'merged' ? ' Check what the config file on main says now.' : ''
        }`,
        n.event === 'merged',
      );
    case 'env_verified':
      return say(
        n.fromPullRequest
          ? `:white_check_mark: Served on ${n.environment}: \`${n.target}\` (${n.reads} consecutive healthcheck reads), from the PR branch.`
          : `:white_check_mark: ${n.environment} verified: serves \`${n.target}\`.`,
      );
    case 'env_failed':
      return say(
        // lastSeen is what a healthcheck answered: outside text, shown only through code().
        `:rotating_light: ${n.environment} ${n.lastSeen ? `still serves ${code(n.lastSeen)}` : 'could not be read'} after ${n.timeoutMinutes} min, not ${code(n.target)}. Check the deploy pipeline for ${n.environment}; the bot stops waiting for it.`,
      );
    case 'not_verified':
      return say(
        `:rotating_light: Rollback ${n.id} NOT verified: ${n.environment} still serves ${code(n.lastSeen ?? 'unknown')} after ${n.minutes} min. The PR is merged; check the ${n.environment} deploy.`,
        true,
      );
    case 'completed':
      return say(
        `:tada: Rollback complete: ${n.environment} serves ${n.target}, ${n.minutes} min after the ${n.since}.`,
        true,
      );
  }
}

/** The private answer to a click or command that was not acted on. */
export function renderDenial(d: Denial): string {
  switch (d.kind) {
    case 'gone':
      return `Request ${d.id} no longer exists.`;
    case 'unknown_request':
      return `There is no request ${d.id}. \`/rollback history\` lists recent ones.`;
    case 'expired':
      return d.afterFailure
        ? `${d.id} has expired: its PR could not be opened and the time to retry is over. Nothing was merged. Ask again if it is still needed; the plan will be checked afresh.`
        : `${d.id} has expired; nothing was approved. Ask again if it is still needed.`;
    case 'plan_fails':
      return `${d.id} cannot be approved: its plan fails its checks (${d.failed.map(esc).join('; ')}). Cancel it and ask again for a safe target (\`/rollback versions\`).`;
    case 'already_approved':
      return `You already approved ${d.id}; it counts once.`;
    case 'already_decided':
      return `${d.id} already has its approvals (approved by ${d.approvedBy.map((u) => `<@${u}>`).join(', ')}${
        d.pr ? `, PR <${d.pr.url}|#${d.pr.number}>` : ''
      }); it is ${STATE_WORDS[d.state]}. Your click was not counted.`;
    case 'own_request':
      return `You asked for ${d.id}, so your approval cannot count: two people must agree. Approvers: ${describeApprovers(d.approvers, d.user)}.`;
    case 'not_approver':
      return `You are not an approver for ${d.service}. Who can approve: ${describeApprovers(d.approvers, d.requester)}.`;
    case 'wrong_state':
      return `${d.id} is ${STATE_WORDS[d.state]}; ${
        d.action === 'approve'
          ? 'there is nothing to approve'
          : d.action === 'retry'
            ? 'there is nothing to retry'
            : `it can no longer be ${d.action === 'reject' ? 'rejected' : 'cancelled'}`
      }.`;
    case 'reject_not_allowed':
      return `Only approvers can reject ${d.id}: ${describeApprovers(d.approvers)}.`;
    case 'cancel_not_allowed':
      return d.via === 'button'
        ? `Only <@${d.requester}>, who asked, can cancel ${d.id} here. Approvers can use \`/rollback cancel ${d.id}\` or Reject.`
        : `Only <@${d.requester}> (who asked) or an approver can cancel ${d.id}.`;
    case 'retry_not_allowed':
      return `Only <@${d.requester}> or an approver can retry ${d.id}.`;
  }
}

export function renderAlertNotice(n: AlertNotice): string {
  switch (n.kind) {
    case 'transition':
      return n.alarm.state === 'OK'
        ? `:white_check_mark: ${esc(n.alarm.name)} is back to OK: ${esc(n.alarm.reason)}`
        : n.alarm.state === 'ALARM'
          ? `:rotating_light: ${esc(n.alarm.name)} is firing again: ${esc(n.alarm.reason)}`
          : `:grey_question: ${esc(n.alarm.name)} has insufficient data: ${esc(n.alarm.reason)}`;
    case 'offer':
      return `Alert for ${n.service}: ${esc(n.alarmName)}`;
    case 'auto_request_refused':
      return `:no_entry: No rollback request was opened automatically: ${esc(n.why)}`;
  }
}

/** What the person who clicked (or typed a command) is told privately, if anything. */
export function renderClick(outcome: ClickOutcome): string | undefined {
  if (outcome.kind === 'denied') return `:warning: ${renderDenial(outcome.denial)}`;
  return outcome.cancelled ? `:wastebasket: ${outcome.cancelled} cancelled.` : undefined;
}
