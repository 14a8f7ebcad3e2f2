/** `/rollback help` and the ephemeral answer to a bad command. */
import { REASONS, USAGE } from '../../domain/command.js';
import { context, header, message, type SlackMessage, section } from './kit.js';
import { code, joinMd, md } from './mrkdwn.js';

export function helpMessage(services: readonly string[]): SlackMessage {
  const lines = [
    md`${code(USAGE.modal)}: open a form to request a rollback`,
    md`${code(USAGE.status)}: what each environment serves against what main configures`,
    md`${code(USAGE.versions)}: versions in the bucket, newest first, and which are safe targets`,
    md`${code(USAGE.to)}: request a rollback; ${code('previous')} is the last known good`,
    md`${code(USAGE.history)}: past requests`,
    md`${code(USAGE.cancel)}: withdraw a pending request`,
    md`${code(USAGE.unpin)}: approvers end the pin a rollback set (the note is required)`,
  ];
  return message(md`How to use /rollback`, [
    header('/rollback'),
    section(joinMd(lines, '\n')),
    section(
      md`*Services:* ${joinMd(services.map(code), ', ')}${services.length === 1 ? ' (the only one, so you can leave it out)' : ''}\n*Reasons:* ${joinMd(REASONS.map(code), ', ')} (default ${code('MANUAL_REQUEST')})`,
    ),
    context(
      md`A version is ${code('1.24.0')} or an iteration ${code('1.24.0-3f9c2ab')}. A request needs approval by someone other than the requester before the bot opens the config PR.`,
    ),
  ]);
}

export function usageError(error: string, usage: string): SlackMessage {
  // The complaint quotes what was typed: inert, so a typed <!channel> pings nobody.
  return message(md`${error} Usage: ${usage}`, [
    section(md`:warning: ${error}`),
    section(md`*Usage*\n${joinMd(usage.split('\n').map(code), '\n')}`),
    context(md`Type ${code('/rollback help')} for everything the bot can do.`),
  ]);
}
