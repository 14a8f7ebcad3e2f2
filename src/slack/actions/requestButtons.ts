/**
 * Card buttons. Each click is acknowledged at once; the workflow decides whether this person may do
 * this now, and a refusal is told to them alone.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { type Actor, approve, cancel, retry } from '../../workflows/decide.js';
import type { ClickOutcome } from '../../workflows/notices.js';
import { escapeMrkdwn } from '../blocks/kit.js';
import { renderClick } from '../blocks/notices.js';
import { rejectModal } from '../blocks/requestModal.js';
import type { SlackDeps } from '../context.js';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

async function tell(respond: Args['respond'], outcome: ClickOutcome): Promise<void> {
  const message = renderClick(outcome);
  if (message) await respond({ response_type: 'ephemeral', replace_original: false, text: message });
}

/** Who clicked, with the name Slack sends along (kept in the audit trail). */
export const actorOf = (user: { id: string; username?: string; name?: string }): Actor => ({
  id: user.id,
  name: user.username ?? user.name,
});

function click(deps: SlackDeps, name: string, run: (id: string, actor: Actor) => Promise<ClickOutcome>) {
  return async ({ ack, action, body, context, respond }: Args): Promise<void> => {
    await ack();
    try {
      const outcome = await run(action.value ?? '', actorOf(body.user));
      if (outcome.kind === 'denied') context.outcome = 'denied';
      await tell(respond, outcome);
    } catch (err) {
      deps.log.error(`${name} click failed`, { request: action.value, user: body.user.id, error: err });
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `:x: ${name} failed: ${escapeMrkdwn((err as Error).message)}. Nothing else changed; try again.`,
      });
    }
  };
}

export const approveClick = (deps: SlackDeps) =>
  click(deps, 'Approve', (id, actor) => approve(deps.workflows, id, actor));
export const cancelClick = (deps: SlackDeps) =>
  click(deps, 'Cancel', (id, actor) => cancel(deps.workflows, id, actor, 'button'));
export const retryClick = (deps: SlackDeps) =>
  click(deps, 'Retry', (id, actor) => retry(deps.workflows, id, actor));

/** Reject asks why first (optional), in a small modal. */
export function rejectClick(deps: SlackDeps) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: rejectModal(action.value ?? '', body.channel?.id ?? ''),
      });
    } catch (err) {
      deps.log.error('reject modal failed', { error: err });
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `:x: Could not open the reject form: ${escapeMrkdwn((err as Error).message)}`,
      });
    }
  };
}
