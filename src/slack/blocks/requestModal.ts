/** The modal that builds a rollback request: service, a safe target, reason, note. */
import type { ServiceConfig } from '../../config/botConfig.js';
import { REASONS, type Reason } from '../../domain/command.js';
import type { VersionRow } from '../../domain/overview.js';
import type { Block } from './kit.js';
import { context, section } from './kit.js';

export const REQUEST_MODAL = 'rollback_request_modal';
export const REJECT_MODAL = 'rollback_reject_modal';
export const SERVICE_SELECT = 'rollback_modal_service';
export const OPEN_MODAL_ACTION = 'rollback_open_modal';

export interface ModalContext {
  readonly service: string;
  readonly channel: string;
  readonly threadTs?: string;
  readonly alarmKey?: string;
}

const option = (text: string, value: string) => ({
  text: { type: 'plain_text' as const, text: text.slice(0, 75) },
  value,
});

export function loadingModal(title = 'Request a rollback') {
  return {
    type: 'modal' as const,
    callback_id: REQUEST_MODAL,
    title: { type: 'plain_text' as const, text: title },
    close: { type: 'plain_text' as const, text: 'Close' },
    blocks: [section(':hourglass_flowing_sand: Reading the bucket, the config repo and the healthchecks…')],
  };
}

export function requestModal(input: {
  services: readonly ServiceConfig[];
  service: ServiceConfig;
  targets: readonly VersionRow[];
  ctx: ModalContext;
  prefill?: { version?: string; reason?: Reason; note?: string };
  problem?: string;
}) {
  const { services, service, targets, ctx, prefill } = input;
  const blocks: Block[] = [];
  if (services.length > 1) {
    blocks.push({
      type: 'section',
      block_id: 'service',
      text: { type: 'mrkdwn', text: '*Service*' },
      accessory: {
        type: 'static_select',
        action_id: SERVICE_SELECT,
        options: services.map((s) => option(s.name, s.name)),
        initial_option: option(service.name, service.name),
      },
    } as Block);
  } else {
    blocks.push(context(`Service: *${service.name}*`));
  }
  if (input.problem) blocks.push(section(`:warning: ${input.problem}`));
  const options = targets.map((r) =>
    option(
      `${r.version} → ${r.deploys?.name ?? r.version}${r.servedBy.length ? ` (serves ${r.servedBy.join(', ')})` : ''}`,
      r.version,
    ),
  );
  const initial = options.find((o) => o.value === prefill?.version) ?? options[0];
  if (options.length === 0) {
    blocks.push(
      section(
        ':no_entry: There is no safe rollback target for this service right now. `/rollback versions` says why for each version.',
      ),
    );
  } else {
    blocks.push(
      {
        type: 'input',
        block_id: 'target',
        label: { type: 'plain_text', text: 'Roll back to' },
        element: {
          type: 'static_select',
          action_id: 'value',
          options: options.slice(0, 100),
          ...(initial ? { initial_option: initial } : {}),
        },
        hint: {
          type: 'plain_text',
          text: 'Only safe targets: passed validation, reached staging or production, and what CI deploys.',
        },
      } as Block,
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'static_select',
          action_id: 'value',
          options: REASONS.map((r) => option(r, r)),
          initial_option: option(prefill?.reason ?? 'MANUAL_REQUEST', prefill?.reason ?? 'MANUAL_REQUEST'),
        },
      } as Block,
      {
        type: 'input',
        block_id: 'note',
        optional: true,
        label: { type: 'plain_text', text: 'Note' },
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          ...(prefill?.note ? { initial_value: prefill.note } : {}),
        },
      } as Block,
    );
  }
  return {
    type: 'modal' as const,
    callback_id: REQUEST_MODAL,
    private_metadata: JSON.stringify({ ...ctx, service: service.name }),
    title: { type: 'plain_text' as const, text: 'Request a rollback' },
    close: { type: 'plain_text' as const, text: 'Close' },
    ...(options.length ? { submit: { type: 'plain_text' as const, text: 'Request' } } : {}),
    blocks,
  };
}

export function rejectModal(requestId: string, channel: string) {
  return {
    type: 'modal' as const,
    callback_id: REJECT_MODAL,
    private_metadata: JSON.stringify({ requestId, channel }),
    title: { type: 'plain_text' as const, text: `Reject ${requestId}` },
    submit: { type: 'plain_text' as const, text: 'Reject' },
    close: { type: 'plain_text' as const, text: 'Back' },
    blocks: [
      {
        type: 'input',
        block_id: 'why',
        optional: true,
        label: { type: 'plain_text', text: 'Why (optional, shown on the card)' },
        element: { type: 'plain_text_input', action_id: 'value' },
      } as Block,
    ],
  };
}
