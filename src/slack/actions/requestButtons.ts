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

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

async function say(respond: Args['respond'], text: Mrkdwn | undefined): Promise<void> {
  if (text) await respond({ response_type: 'ephemeral', replace_original: false, text: text.text });
}

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
  return async ({ ack, action, body, context, respond }: Args): Promise<void> => {
    await ack();
    const id = readRequestId(action.value);
    try {
      const outcome = id.ok ? await run(id.value, actorOf(body.user)) : noSuchRequest(action.value, unknown);
      if (outcome.kind === 'denied') context.outcome = 'denied';
      await say(respond, renderClick(outcome));
    } catch (err) {
      deps.log.error(`${name} click failed`, { request: action.value, user: body.user.id, error: err });
      await say(respond, md`:x: ${name} failed: ${(err as Error).message}. Nothing else changed; try again.`);
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
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const id = readRequestId(action.value);
    if (!id.ok) {
      await say(respond, renderClick(noSuchRequest(action.value)));
      return;
    }
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: rejectModal(id.value, body.channel?.id ?? ''),
      });
    } catch (err) {
      deps.log.error('reject modal failed', { error: err });
      await say(respond, md`:x: Could not open the reject form: ${(err as Error).message}`);
    }
  };
}
