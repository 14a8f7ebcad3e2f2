/** `/rollback help` and the ephemeral answer to a bad command. */
import { REASONS, USAGE } from '../../domain/command.js';
import type { Capabilities } from '../../workflows/capabilities.js';
import { type Block, context, header, message, type SlackMessage, section } from './kit.js';
import { channel, code, joinMd, md } from './mrkdwn.js';
import { describeApprovers } from './notices.js';

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

const REQUEST_REFUSAL: Record<string, string> = {
  guest: 'guests cannot request (unless listed by user id)',
  external: 'people from other workspaces cannot request (unless listed by user id)',
  not_requester: 'only the listed requesters may',
};

/** What this person may do for each service, and why not where not. */
export function capabilitiesBlock(caps: readonly Capabilities[] | { problem: string }): Block {
  if ('problem' in caps) return section(md`:warning: What you may do could not be read: ${caps.problem}.`);
  const lines = caps.map((c) => {
    const request = c.requestRefusal
      ? md`:no_entry: request: ${REQUEST_REFUSAL[c.requestRefusal] ?? c.requestRefusal}`
      : md`:white_check_mark: request in ${joinMd(c.channels.map(channel), ', ')}`;
    const approve = c.approve
      ? md`:white_check_mark: approve and unpin`
      : md`:no_entry: approve: only ${describeApprovers(c.service.approvers)}`;
    const glass = c.breakGlass
      ? md`:white_check_mark: break glass (${code('--force')})`
      : md`:no_entry: break glass`;
    return md`*${c.service.name}*: ${request} · ${approve} · ${glass}`;
  });
  return section(md`*What you may do*\n${joinMd(lines, '\n')}`);
}

export function usageError(error: string, usage: string): SlackMessage {
  // The complaint quotes what was typed: inert, so a typed <!channel> pings nobody.
  return message(md`${error} Usage: ${usage}`, [
    section(md`:warning: ${error}`),
    section(md`*Usage*\n${joinMd(usage.split('\n').map(code), '\n')}`),
    context(md`Type ${code('/rollback help')} for everything the bot can do.`),
  ]);
}
