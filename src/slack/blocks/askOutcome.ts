/** What the requester sees after asking: refusal with its reasons, a dry-run plan, or where the card is. */
import type { AskOutcome } from '../../workflows/requestRollback.js';
import { context, header, message, type SlackMessage, section } from './kit.js';
import { channel, code, md } from './mrkdwn.js';
import { fromText, planBlocks, toText } from './plan.js';

export function askOutcomeMessage(outcome: AskOutcome, service: string): SlackMessage {
  switch (outcome.kind) {
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
