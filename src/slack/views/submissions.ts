/** Modal submissions: a rollback request from the form, and a rejection with its reason. */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { findService } from '../../config/botConfig.js';
import { REASONS, type Reason } from '../../domain/command.js';
import { reject } from '../../workflows/decide.js';
import { unpin } from '../../workflows/pin.js';
import { requestRollback } from '../../workflows/requestRollback.js';
import { actorOf } from '../actions/requestButtons.js';
import { askOutcomeMessage } from '../blocks/askOutcome.js';
import { md } from '../blocks/mrkdwn.js';
import { renderClick, unpinAnswer } from '../blocks/notices.js';
import type { SlackDeps } from '../context.js';
import {
  readRejectModalMetadata,
  readRequestModalMetadata,
  readUnpinModalMetadata,
} from '../payloadValues.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * Only our own modals are submitted here, but an old or tampered form (its private_metadata is read by
 * payloadValues.ts) must get an answer in the form, not an exception. Slack shows these errors as
 * plain text under the field, so they hold no outside text and need no markup.
 */
const STALE_FORM = 'This form is out of date: close it and type `/rollback` again.';

export function requestSubmitted(deps: SlackDeps) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const values = view.state.values;
    const version = values.target?.value?.selected_option?.value;
    const reasonValue = values.reason?.value?.selected_option?.value ?? 'MANUAL_REQUEST';
    const note = values.note?.value?.value ?? '';
    const read = readRequestModalMetadata(view.private_metadata);
    const ctx = read.ok ? read.value : undefined;
    const service = ctx ? findService(deps.config, ctx.service) : undefined;
    if (!ctx || !service) {
      await ack({ response_action: 'errors', errors: { target: STALE_FORM } });
      return;
    }
    if (!version) {
      await ack({ response_action: 'errors', errors: { target: 'Pick a version to roll back to.' } });
      return;
    }
    await ack();
    const user = body.user.id;
    const reason = (
      (REASONS as readonly string[]).includes(reasonValue) ? reasonValue : 'MANUAL_REQUEST'
    ) as Reason;
    try {
      const alarm = ctx.alarmKey ? await deps.alarmFor?.(ctx.alarmKey) : undefined;
      const outcome = await requestRollback(deps.workflows, {
        service,
        target: { kind: 'version', version },
        reason,
        note,
        force: false,
        dryRun: false,
        requester: user,
        requesterName: actorOf(body.user).name,
        channel: ctx.threadTs ? ctx.channel : undefined,
        threadTs: ctx.threadTs,
        askedIn: ctx.channel,
        alarm,
      });
      await client.chat.postEphemeral({
        channel: ctx.channel,
        user,
        ...askOutcomeMessage(outcome, service.name),
      });
    } catch (err) {
      deps.log.error('request from modal failed', { error: err });
      await client.chat.postEphemeral({
        channel: ctx.channel,
        user,
        text: md`:x: The request could not be made: ${(err as Error).message}. Nothing was written; try again.`
          .text,
      });
    }
  };
}

/** The Home tab's Unpin form: the same act as `/rollback unpin <service> <note>`, answered by DM. */
export function unpinSubmitted(deps: SlackDeps) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const read = readUnpinModalMetadata(view.private_metadata);
    const service = read.ok ? findService(deps.config, read.value.service) : undefined;
    if (!service) {
      await ack({ response_action: 'errors', errors: { note: STALE_FORM } });
      return;
    }
    const note = (view.state.values.note?.value?.value ?? '').trim();
    if (!note) {
      await ack({
        response_action: 'errors',
        errors: { note: 'Say why: the note is audited and said in the thread.' },
      });
      return;
    }
    await ack();
    const text = await unpin(deps.workflows, service, actorOf(body.user), note).then(
      (outcome) => unpinAnswer(outcome),
      (err: Error) => md`:x: Unpin failed: ${err.message}. Nothing changed; try again.`,
    );
    await client.chat.postMessage({ channel: body.user.id, text: text.text });
  };
}

export function rejectSubmitted(deps: SlackDeps) {
  return async ({ ack, view, body, client }: Args): Promise<void> => {
    const read = readRejectModalMetadata(view.private_metadata);
    if (!read.ok) {
      await ack({ response_action: 'errors', errors: { why: STALE_FORM } });
      return;
    }
    await ack();
    const ctx = read.value;
    const why = view.state.values.why?.value?.value ?? '';
    const text = await reject(deps.workflows, ctx.requestId, actorOf(body.user), why).then(
      (outcome) => renderClick(outcome) ?? md`:no_entry: You rejected ${ctx.requestId}.`,
      (err: Error) => md`:x: Reject failed: ${err.message}. Nothing changed; try again.`,
    );
    await client.chat.postEphemeral({ channel: ctx.channel, user: body.user.id, text: text.text });
  };
}
