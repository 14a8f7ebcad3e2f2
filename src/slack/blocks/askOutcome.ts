/** What the requester sees after asking: refusal with its reasons, a dry-run plan, or where the card is. */
import type { ServiceConfig } from '../../config/botConfig.js';
import type { AskRefusal } from '../../workflows/authority.js';
import type { AskOutcome } from '../../workflows/requestRollback.js';
import { context, header, message, type SlackMessage, section } from './kit.js';
import { channel, code, date, joinMd, type Mrkdwn, md } from './mrkdwn.js';
import { describeApprovers } from './notices.js';
import { fromText, planBlocks, toText } from './plan.js';

export function askOutcomeMessage(outcome: AskOutcome, service: string): SlackMessage {
  switch (outcome.kind) {
    case 'not_allowed': {
      const text = refusalText(outcome.service, outcome.refusal);
      return message(text, [section(md`:no_entry: ${text}`)]);
    }
    case 'unavailable':
      return message(md`Could not make a plan: ${outcome.why}`, [
        section(md`:warning: No request was made: ${outcome.why}`),
      ]);
    case 'refused':
      return message(md`Refused: ${outcome.why.join('; ')}`, [
        section(md`:no_entry: *Refused.* ${outcome.why.join(' ')}`),
        section(md`*From*\n${fromText(outcome.plan)}\n*To*\n${toText(outcome.plan)}`),
        ...planBlocks(outcome.plan),
        context(md`Nothing was written. ${code(`/rollback versions ${service}`)} lists safe targets.`),
      ]);
    case 'dry_run':
      return message(
        md`Dry run: ${outcome.plan.ok ? 'this request would be accepted' : 'this request would be refused'}`,
        [
          header(`Dry run: ${service} → ${outcome.plan.targetVersion}`),
          section(md`*From*\n${fromText(outcome.plan)}\n*To*\n${toText(outcome.plan)}`),
          ...planBlocks(outcome.plan),
          context(
            md`${outcome.plan.ok ? ':white_check_mark: Would be accepted.' : ':no_entry: Would be refused.'} Nothing was written to GitHub or Slack; an audit record was kept. Drop ${code('--dry-run')} to ask for real.`,
          ),
        ],
      );
    case 'card_failed':
      return message(md`The request card could not be posted in ${channel(outcome.channel)}`, [
        section(
          md`:warning: No request was made: the request card could not be posted in ${channel(outcome.channel)}: ${outcome.error}. Invite the bot to the channel (${code('/invite @rollback-bot')}) and ask again.`,
        ),
      ]);
    case 'created': {
      const r = outcome.request;
      const minutes = Math.round((r.expiresAt.getTime() - r.createdAt.getTime()) / 60_000);
      return message(md`Request ${r.id} posted in ${channel(r.channel)}`, [
        section(
          md`:inbox_tray: Request *${r.id}* is posted in ${channel(r.channel)} and needs ${r.approvalsRequired} approval${r.approvalsRequired === 1 ? '' : 's'} from someone other than you. It expires in ${minutes} min.`,
        ),
      ]);
    }
  }
}

/** Why this person may not ask, and what to do instead (README: "Who may do what"). */
export function refusalText(service: ServiceConfig, refusal: AskRefusal): Mrkdwn {
  const name = service.name;
  switch (refusal.code) {
    case 'wrong_channel':
      return md`Rollbacks of ${name} are requested in ${joinMd(refusal.channels.map(channel), ', ')}: ask there. Read-only commands (${code(`/rollback status ${name}`)}, ${code(`/rollback versions ${name}`)}) work anywhere.`;
    case 'guest':
      return md`Guests cannot ask for a rollback of ${name}. Ask a member of ${channel(service.channel)}, or an admin to list your user id under \`[services.${name}.requesters]\`.`;
    case 'external':
      return md`People from other workspaces (Slack Connect) cannot ask for a rollback of ${name} unless listed by user id under \`[services.${name}.requesters]\`. Ask a member of this workspace in ${channel(service.channel)}.`;
    case 'not_requester':
      return md`Rollbacks of ${name} are requested by ${describeApprovers(service.requesters ?? { users: [], usergroups: [] })}: ask one of them.`;
    case 'not_break_glass':
      return md`${code('--force')} lifts the cooldown of ${name}, and only ${describeApprovers(service.breakGlass)} may use it: ask one of them, or ask without ${code('--force')} once the cooldown is over.`;
    case 'rate_limited':
      return md`You asked for ${refusal.count} rollbacks with a card in the last ${refusal.windowMinutes} min, the most allowed. Try again after ${date(refusal.retryAt, '{time}')}; or ask a colleague, or use the request already open.`;
    case 'unverified':
      return md`Slack could not say who you are (${refusal.detail}), so nothing was requested. Try again in a moment.`;
  }
}
