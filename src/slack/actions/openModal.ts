/** "Request rollback to …" buttons (versions list, alert cards) and the modal's service picker. */
import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import { findService } from '../../config/botConfig.js';
import { REASONS, type Reason } from '../../domain/command.js';
import { getServiceStatus, versionTable } from '../../workflows/serviceStatus.js';
import { escapeMrkdwn } from '../blocks/kit.js';
import type { ModalContext } from '../blocks/requestModal.js';
import { versionsMessage } from '../blocks/versions.js';
import type { SlackDeps } from '../context.js';
import { openRequestModal, safeTargetsModal } from '../views/openRequestModal.js';

export interface OpenModalValue {
  readonly service: string;
  readonly version?: string;
  readonly reason?: Reason;
  readonly threadTs?: string;
  readonly alarmKey?: string;
}

export function openModalClick(deps: SlackDeps) {
  return async ({
    ack,
    action,
    body,
    client,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    await ack();
    let value: OpenModalValue | undefined;
    try {
      const parsed: unknown = JSON.parse(action.value ?? '');
      if (parsed && typeof parsed === 'object' && typeof (parsed as OpenModalValue).service === 'string')
        value = parsed as OpenModalValue;
    } catch {
      // answered below
    }
    if (!value) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: ':warning: This button no longer says what to roll back. Type `/rollback` to open the request form.',
      });
      return;
    }
    const service = findService(deps.config, value.service);
    if (!service) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `:warning: ${escapeMrkdwn(value.service)} is not a configured service. \`/rollback help\` lists them.`,
      });
      return;
    }
    const reason =
      value.reason && (REASONS as readonly string[]).includes(value.reason) ? value.reason : undefined;
    const ctx: ModalContext = {
      service: service.name,
      channel: body.channel?.id ?? service.channel,
      // From an alert: the request card goes in the alert's thread (the card's own, or the alert message's).
      threadTs:
        value.threadTs ?? (value.alarmKey ? (body.message?.thread_ts ?? body.message?.ts) : undefined),
      alarmKey: value.alarmKey,
    };
    try {
      await openRequestModal(deps, client, body.trigger_id, service, ctx, { version: value.version, reason });
    } catch (err) {
      deps.log.error('request modal failed', { error: err });
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `:x: Could not open the request form: ${(err as Error).message}`,
      });
    }
  };
}

export function serviceSelected(deps: SlackDeps) {
  return async ({
    ack,
    action,
    body,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs) => {
    await ack();
    const service = findService(deps.config, action.selected_option.value);
    const view = body.view;
    if (!service || !view) return;
    let ctx: ModalContext;
    try {
      ctx = JSON.parse(view.private_metadata) as ModalContext;
    } catch {
      return; // not our modal's state: nothing to update
    }
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: await safeTargetsModal(deps, service, { ...ctx, service: service.name }),
    });
  };
}

/** "Show versions" under an alert: the versions list, to the person who asked. */
export function showVersionsClick(deps: SlackDeps) {
  return async ({
    ack,
    action,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    await ack();
    const service = findService(deps.config, action.value ?? '');
    if (!service) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `:warning: ${escapeMrkdwn(action.value ?? '')} is not a configured service. \`/rollback help\` lists them.`,
      });
      return;
    }
    const status = await getServiceStatus(deps.status, service);
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      ...versionsMessage(status, versionTable(status, 10), 10),
    });
  };
}
