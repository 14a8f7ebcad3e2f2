/**
 * Card buttons. Each click is acknowledged at once; the workflow decides whether this person may do
 * this now, and a refusal is told to them alone.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ClickOutcome } from '../../ports/notices.js';
import { type Actor, approve, cancel, retry } from '../../workflows/decide.js';
import { type Mrkdwn, md } from '../blocks/mrkdwn.js';
import { renderClick } from '../blocks/notices.js';
import { rejectModal } from '../blocks/requestModal.js';
import type { SlackDeps } from '../context.js';
import { readRequestId } from '../payloadValues.js';
import { tellClicker } from './tell.js';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** To the clicker alone: ephemeral on a card, a DM from the Home tab (no response URL there). */
const say = (args: Args, text: Mrkdwn | undefined): Promise<void> => tellClicker(args, text);

/** Who clicked, with the name Slack sends along (kept in the audit trail). */
export const actorOf = (user: { id: string; username?: string; name?: string }): Actor => ({
  id: user.id,
  name: user.username ?? user.name,
});

/**
 * A value that cannot be one of our request ids names no request: answered as the workflow answers an
 * id it does not know, without asking the database.
 */
const noSuchRequest = (
  value: string | undefined,
  kind: 'gone' | 'unknown_request' = 'gone',
): ClickOutcome => ({ kind: 'denied', denial: { kind, id: (value ?? '').slice(0, 200) } });

function click(
  deps: SlackDeps,
  name: string,
  run: (id: string, actor: Actor) => Promise<ClickOutcome>,
  unknown: 'gone' | 'unknown_request' = 'gone',
) {
  return async (args: Args): Promise<void> => {
    const { ack, action, body, context } = args;
    await ack();
    const id = readRequestId(action.value);
    try {
      const outcome = id.ok ? await run(id.value, actorOf(body.user)) : noSuchRequest(action.value, unknown);
      if (outcome.kind === 'denied') context.outcome = 'denied';
      await say(args, renderClick(outcome));
    } catch (err) {
      deps.log.error(`${name} click failed`, { request: action.value, user: body.user.id, error: err });
      await say(args, md`:x: ${name} failed: ${(err as Error).message}. Nothing else changed; try again.`);
    }
  };
}

export const approveClick = (deps: SlackDeps) =>
  click(deps, 'Approve', (id, actor) => approve(deps.workflows, id, actor));
export const cancelClick = (deps: SlackDeps) =>
  // Cancel shares its answers with `/rollback cancel`, which says "there is no request" for an unknown id.
  click(deps, 'Cancel', (id, actor) => cancel(deps.workflows, id, actor, 'button'), 'unknown_request');
export const retryClick = (deps: SlackDeps) =>
  click(deps, 'Retry', (id, actor) => retry(deps.workflows, id, actor));

/** Reject asks why first (optional), in a small modal. */
export function rejectClick(deps: SlackDeps) {
  return async (args: Args): Promise<void> => {
    const { ack, action, body, client } = args;
    await ack();
    const id = readRequestId(action.value);
    if (!id.ok) {
      await say(args, renderClick(noSuchRequest(action.value)));
      return;
    }
    try {
      // From the Home tab there is no channel: answers to the form go to the card's.
      const channel = body.channel?.id ?? (await deps.workflows.store.getRequest(id.value))?.channel ?? '';
      await client.views.open({ trigger_id: body.trigger_id, view: rejectModal(id.value, channel) });
    } catch (err) {
      deps.log.error('reject modal failed', { error: err });
      await say(args, md`:x: Could not open the reject form: ${(err as Error).message}`);
    }
  };
}
