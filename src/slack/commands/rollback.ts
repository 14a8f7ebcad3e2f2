/**
 * `/rollback`: acknowledged at once (parse errors and help in the ack itself), slow work after.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { findService } from '../../config/botConfig.js';
import { type Command, parseCommand } from '../../domain/command.js';
import { getServiceStatus, versionTable } from '../../workflows/serviceStatus.js';
import { helpMessage, usageError } from '../blocks/help.js';
import { statusMessage } from '../blocks/status.js';
import { versionsMessage } from '../blocks/versions.js';
import type { SlackDeps } from '../context.js';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function rollbackCommand(deps: SlackDeps) {
  return async ({ command, ack, respond }: Args): Promise<void> => {
    const parsed = parseCommand(command.text ?? '', deps.config.services);
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', ...usageError(parsed.error, parsed.usage) });
      return;
    }
    const cmd = parsed.command;
    if (cmd.kind === 'help') {
      await ack({ response_type: 'ephemeral', ...helpMessage(deps.config.services.map((s) => s.name)) });
      return;
    }
    await ack();
    const log = deps.log.child({ command: cmd.kind, user: command.user_id, channel: command.channel_id });
    try {
      await run(cmd, deps, respond);
    } catch (err) {
      log.error('rollback command failed', { error: err });
      await respond({
        response_type: 'ephemeral',
        text: `:x: Something went wrong running \`/rollback ${command.text}\`: ${(err as Error).message}. Nothing was changed; try again, and if it keeps failing check the bot's logs.`,
      });
    }
  };
}

async function run(cmd: Command, deps: SlackDeps, respond: Args['respond']): Promise<void> {
  switch (cmd.kind) {
    case 'status': {
      const service = findService(deps.config, cmd.service);
      if (!service) return;
      const status = await getServiceStatus(deps.status, service);
      await respond({ response_type: 'in_channel', ...statusMessage(status) });
      return;
    }
    case 'versions': {
      const service = findService(deps.config, cmd.service);
      if (!service) return;
      const status = await getServiceStatus(deps.status, service);
      await respond({
        response_type: 'in_channel',
        ...versionsMessage(status, versionTable(status), cmd.count),
      });
      return;
    }
    default:
      await respond({
        response_type: 'ephemeral',
        text: `\`${cmd.kind === 'modal' ? '/rollback' : `/rollback ${cmd.kind}`}\` is not available in this version of the bot yet. Type \`/rollback help\` for what is.`,
      });
  }
}
