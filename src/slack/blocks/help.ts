/** `/rollback help` and the ephemeral answer to a bad command. */
import { REASONS, USAGE } from '../../domain/command.js';
import { type Block, code, context, escapeMrkdwn, header, section } from './kit.js';

export function helpMessage(services: readonly string[]): { text: string; blocks: Block[] } {
  const lines = [
    `${code(USAGE.modal)}: open a form to request a rollback`,
    `${code(USAGE.status)}: what each environment serves against what main configures`,
    `${code(USAGE.versions)}: versions in the bucket, newest first, and which are safe targets`,
    `${code(USAGE.to)}: request a rollback; \`previous\` is the last known good`,
    `${code(USAGE.history)}: past requests`,
    `${code(USAGE.cancel)}: withdraw a pending request`,
  ];
  return {
    text: 'How to use /rollback',
    blocks: [
      header('/rollback'),
      section(lines.join('\n')),
      section(
        `*Services:* ${services.map(code).join(', ')}${services.length === 1 ? ' (the only one, so you can leave it out)' : ''}\n*Reasons:* ${REASONS.map(code).join(', ')} (default ${code('MANUAL_REQUEST')})`,
      ),
      context(
        'A version is `1.24.0` or an iteration `1.24.0-3f9c2ab`. A request needs approval by someone other than the requester before the bot opens the config PR.',
      ),
    ],
  };
}

export function usageError(error: string, usage: string): { text: string; blocks: Block[] } {
  return {
    text: `${escapeMrkdwn(error)} Usage: ${escapeMrkdwn(usage)}`,
    blocks: [
      // The complaint quotes what was typed: inert, so a typed <!channel> pings nobody.
      section(`:warning: ${escapeMrkdwn(error)}`),
      section(`*Usage*\n${usage.split('\n').map(code).join('\n')}`),
      context(`Type ${code('/rollback help')} for everything the bot can do.`),
    ],
  };
}
