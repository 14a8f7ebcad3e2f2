/** What the requester sees after asking: refusal with its reasons, a dry-run plan, or where the card is. */
import type { AskOutcome } from '../../workflows/requestRollback.js';
import { type Block, code, context, escapeMrkdwn as esc, header, section } from './kit.js';
import { fromText, planBlocks, toText } from './plan.js';

export function askOutcomeMessage(outcome: AskOutcome, service: string): { text: string; blocks: Block[] } {
  switch (outcome.kind) {
    case 'unavailable':
      return {
        text: `Could not make a plan: ${esc(outcome.why)}`,
        blocks: [section(`:warning: No request was made: ${esc(outcome.why)}`)],
      };
    case 'refused':
      return {
        text: `Refused: ${esc(outcome.why.join('; '))}`,
        blocks: [
          section(`:no_entry: *Refused.* ${esc(outcome.why.join(' '))}`),
          section(`*From*\n${fromText(outcome.plan)}\n*To*\n${toText(outcome.plan)}`),
          ...planBlocks(outcome.plan),
          context(`Nothing was written. ${code(`/rollback versions ${service}`)} lists safe targets.`),
        ],
      };
    case 'dry_run':
      return {
        text: `Dry run: ${outcome.plan.ok ? 'this request would be accepted' : 'this request would be refused'}`,
        blocks: [
          header(`Dry run: ${service} → ${outcome.plan.targetVersion}`),
          section(`*From*\n${fromText(outcome.plan)}\n*To*\n${toText(outcome.plan)}`),
          ...planBlocks(outcome.plan),
          context(
            `${outcome.plan.ok ? ':white_check_mark: Would be accepted.' : ':no_entry: Would be refused.'} Nothing was written to GitHub or Slack; an audit record was kept. Drop ${code('--dry-run')} to ask for real.`,
          ),
        ],
      };
    case 'card_failed':
      return {
        text: `The request card could not be posted in <#${outcome.channel}>`,
        blocks: [
          section(
            `:warning: No request was made: the request card could not be posted in <#${outcome.channel}>: ${esc(outcome.error)}. Invite the bot to the channel (\`/invite @rollback-bot\`) and ask again.`,
          ),
        ],
      };
    case 'created':
      return {
        text: `Request ${outcome.request.id} posted in <#${outcome.request.channel}>`,
        blocks: [
          section(
            `:inbox_tray: Request *${outcome.request.id}* is posted in <#${outcome.request.channel}> and needs ${outcome.request.approvalsRequired} approval${outcome.request.approvalsRequired === 1 ? '' : 's'} from someone other than you. It expires in ${Math.round((outcome.request.expiresAt.getTime() - outcome.request.createdAt.getTime()) / 60_000)} min.`,
          ),
        ],
      };
  }
}
