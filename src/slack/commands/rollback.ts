/**
 * `/rollback`: acknowledged at once (parse errors and help in the ack itself), slow work after.
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { findService } from '../../config/botConfig.js';
import { type Command, parseCommand } from '../../domain/command.js';
import { ACTIVE_STATES } from '../../domain/request.js';
import { type SharedCalls, sharedCalls, takeTurn } from '../../support/sharedCalls.js';
import { capabilitiesOf } from '../../workflows/capabilities.js';
import { type Actor, cancel } from '../../workflows/decide.js';
import { gatherEvidence } from '../../workflows/evidence.js';
import { unpin } from '../../workflows/pin.js';
import { requestRollback } from '../../workflows/requestRollback.js';
import { getServiceStatus, versionTable } from '../../workflows/serviceStatus.js';
import { askOutcomeMessage } from '../blocks/askOutcome.js';
import { capabilitiesBlock, helpMessage, usageError } from '../blocks/help.js';
import { historyMessage } from '../blocks/history.js';
import { code, md } from '../blocks/mrkdwn.js';
import { renderClick, unpinAnswer } from '../blocks/notices.js';
import { statusMessage } from '../blocks/status.js';
import { versionsMessage } from '../blocks/versions.js';
import type { SlackDeps } from '../context.js';
import { openRequestModal } from '../views/openRequestModal.js';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function rollbackCommand(deps: SlackDeps) {
  // Identical commands running at the same time (a burst at the start of an incident) share one
  // computation and one rendering; each still gets its own answer.
  const replies = sharedCalls<string, Reply>();
  return async ({ command, ack, respond, client, context }: Args): Promise<void> => {
    // In a service's own channel, a command that names no service means that one.
    const here = deps.config.services.filter((s) => s.channel === command.channel_id);
    const parsed = parseCommand(command.text ?? '', deps.config.services, {
      channelService: here.length === 1 ? here[0]?.name : undefined,
    });
    if (!parsed.ok) {
      context.outcome = 'usage_error';
      await ack({ response_type: 'ephemeral', ...usageError(parsed.problem, parsed.usage) });
      return;
    }
    const cmd = parsed.command;
    if (cmd.kind === 'help') {
      const help = helpMessage(deps.config.services.map((s) => s.name));
      await ack({ response_type: 'ephemeral', ...help });
      // Then, after the ack: what this person may do, which needs Slack's word on who they are.
      const caps = await capabilitiesOf(deps.workflows, command.user_id);
      await respond({
        response_type: 'ephemeral',
        replace_original: true,
        ...help,
        blocks: [...help.blocks, capabilitiesBlock(caps)],
      });
      return;
    }
    await ack();
    // Acknowledgements first: anything already waiting (other people's commands and clicks) is read and
    // acknowledged before this one's slow part starts.
    await takeTurn();
    try {
      await run(cmd, deps, replies, {
        respond,
        client,
        user: { id: command.user_id, name: command.user_name },
        channel: command.channel_id,
        triggerId: command.trigger_id,
      });
    } catch (err) {
      // No child logger up front: building one per command cost loop time on every follow-up.
      deps.log.error('rollback command failed', {
        error: err,
        command: cmd.kind,
        user: command.user_id,
        channel: command.channel_id,
      });
      await respond({
        response_type: 'ephemeral',
        text: md`:x: Something went wrong running ${code(`/rollback ${command.text}`)}: ${(err as Error).message}. Nothing was changed; try again, and if it keeps failing check the bot's logs.`
          .text,
      });
    }
  };
}

interface Invocation {
  readonly respond: Args['respond'];
  readonly client: Args['client'];
  readonly user: Actor;
  readonly channel: string;
  readonly triggerId: string;
}

type Reply = Parameters<Args['respond']>[0];

async function run(
  cmd: Command,
  deps: SlackDeps,
  replies: SharedCalls<string, Reply>,
  at: Invocation,
): Promise<void> {
  const { respond } = at;
  switch (cmd.kind) {
    case 'status': {
      const service = findService(deps.config, cmd.service);
      if (!service) return;
      const reply = await replies.get(`status\u0000${service.name}`, async () => {
        const [status, rollingBack, pin] = await Promise.all([
          getServiceStatus(deps.status, service),
          deps.workflows.store.inStates(ACTIVE_STATES),
          deps.workflows.store.getPin(service.name),
        ]);
        const active = rollingBack.filter((r) => r.service === service.name);
        return {
          response_type: 'in_channel',
          ...statusMessage(status, active, deps.config.tracking.consecutiveReads, pin),
        };
      });
      // Every caller of a shared answer resumes at once: answer them one per turn of the loop.
      await takeTurn();
      await respond(reply);
      return;
    }
    case 'versions': {
      const service = findService(deps.config, cmd.service);
      if (!service) return;
      const reply = await replies.get(`versions\u0000${service.name}\u0000${cmd.count}`, async () => {
        const status = await getServiceStatus(deps.status, service);
        const rows = versionTable(status, cmd.count);
        // Metrics and links only for the rows shown (and the live model, to compare with).
        const evidence = await gatherEvidence(
          deps.status,
          status,
          rows.map((r) => r.version),
        );
        return {
          response_type: 'in_channel',
          ...versionsMessage(status, rows, cmd.count, evidence),
        };
      });
      await takeTurn();
      await respond(reply);
      return;
    }
    case 'to': {
      const service = findService(deps.config, cmd.service);
      if (!service) return;
      const outcome = await requestRollback(deps.workflows, {
        service,
        target: cmd.target,
        reason: cmd.reason,
        note: cmd.note,
        force: cmd.force,
        dryRun: cmd.dryRun,
        requester: at.user.id,
        requesterName: at.user.name,
        askedIn: at.channel,
      });
      await respond({ response_type: 'ephemeral', ...askOutcomeMessage(outcome, service.name) });
      return;
    }
    case 'history': {
      const requests = await deps.workflows.store.history(cmd.service, cmd.count);
      await respond({
        response_type: 'ephemeral',
        ...historyMessage(cmd.service, requests, deps.workflows.now()),
      });
      return;
    }
    case 'cancel': {
      const outcome = await cancel(deps.workflows, cmd.requestId, at.user, 'command');
      await respond({
        response_type: 'ephemeral',
        text: (renderClick(outcome) ?? md`:wastebasket: ${cmd.requestId} cancelled.`).text,
      });
      return;
    }
    case 'unpin': {
      const service = findService(deps.config, cmd.service);
      if (!service) return;
      const outcome = await unpin(deps.workflows, service, at.user, cmd.note);
      await respond({ response_type: 'ephemeral', text: unpinAnswer(outcome).text });
      return;
    }
    case 'modal': {
      const service = deps.config.services[0];
      if (!service) return;
      await openRequestModal(deps, at.client, at.triggerId, service, {
        service: service.name,
        channel: at.channel,
      });
      return;
    }
    case 'help':
      return;
  }
}
