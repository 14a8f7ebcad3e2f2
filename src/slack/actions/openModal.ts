/** "Request rollback to …" buttons (versions list, alert cards) and the modal's service picker. */
import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import { findService } from '../../config/botConfig.js';
import { gatherEvidence } from '../../workflows/evidence.js';
import { getServiceStatus, versionTable } from '../../workflows/serviceStatus.js';
import { code, type Mrkdwn, md } from '../blocks/mrkdwn.js';
import type { ModalContext } from '../blocks/requestModal.js';
import { versionsMessage } from '../blocks/versions.js';
import type { SlackDeps } from '../context.js';
import { readOpenModalValue, readRequestModalMetadata, readServiceName } from '../payloadValues.js';
import { openRequestModal, safeTargetsModal } from '../views/openRequestModal.js';
import { tellClicker } from './tell.js';

type Told = Parameters<typeof tellClicker>[0];
/** To the clicker alone: ephemeral on a message, a DM from the Home tab (no response URL there). */
const tell = (args: Told, text: Mrkdwn) => tellClicker(args, text);

const notAService = (name: string) =>
  md`:warning: ${name} is not a configured service. ${code('/rollback help')} lists them.`;

export function openModalClick(deps: SlackDeps) {
  return async (args: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    const { ack, action, body, client } = args;
    await ack();
    const read = readOpenModalValue(action.value);
    if (!read.ok) {
      await tell(
        args,
        md`:warning: This button no longer says what to roll back. Type ${code('/rollback')} to open the request form.`,
      );
      return;
    }
    const value = read.value;
    const service = findService(deps.config, value.service);
    if (!service) {
      await tell(args, notAService(value.service));
      return;
    }
    const ctx: ModalContext = {
      service: service.name,
      channel: body.channel?.id ?? service.channel,
      // From an alert: the request card goes in the alert's thread (the card's own, or the alert message's).
      threadTs:
        value.threadTs ?? (value.alarmKey ? (body.message?.thread_ts ?? body.message?.ts) : undefined),
      alarmKey: value.alarmKey,
    };
    try {
      await openRequestModal(deps, client, body.trigger_id, service, ctx, {
        version: value.version,
        reason: value.reason,
      });
    } catch (err) {
      deps.log.error('request modal failed', { error: err });
      // The error names what failed (Slack's answer, a network cause): outside text like any other.
      await tell(args, md`:x: Could not open the request form: ${(err as Error).message}`);
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
    const name = readServiceName(action.selected_option?.value);
    const service = name.ok ? findService(deps.config, name.value) : undefined;
    const view = body.view;
    if (!service || !view) return;
    const ctx = readRequestModalMetadata(view.private_metadata);
    if (!ctx.ok) return; // not our modal's state: nothing to update
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: await safeTargetsModal(deps, service, { ...ctx.value, service: service.name }),
    });
  };
}

/** "Show versions" under an alert: the versions list, to the person who asked. */
export function showVersionsClick(deps: SlackDeps) {
  return async (args: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    const { ack, action, respond } = args;
    await ack();
    const name = readServiceName(action.value);
    const service = name.ok ? findService(deps.config, name.value) : undefined;
    if (!service) {
      await tell(args, notAService(action.value ?? ''));
      return;
    }
    const status = await getServiceStatus(deps.status, service);
    const rows = versionTable(status, 10);
    const evidence = await gatherEvidence(
      deps.status,
      status,
      rows.map((r) => r.version),
    );
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      ...versionsMessage(status, rows, 10, evidence),
    });
  };
}
