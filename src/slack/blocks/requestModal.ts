/** The modal that builds a rollback request: service, a safe target, reason, note. */
import type { ServiceConfig } from '../../config/botConfig.js';
import { REASONS, type Reason } from '../../domain/command.js';
import type { VersionRow } from '../../domain/overview.js';
import type { EvidenceSet } from '../../workflows/evidence.js';
import { evidenceSummary } from './evidence.js';
import { type Block, context, mrkdwn, plain, section } from './kit.js';
import { code, md } from './mrkdwn.js';

export const REQUEST_MODAL = 'rollback_request_modal';
export const REJECT_MODAL = 'rollback_reject_modal';
export const UNPIN_MODAL = 'rollback_unpin_modal';
export const SERVICE_SELECT = 'rollback_modal_service';
export const OPEN_MODAL_ACTION = 'rollback_open_modal';

export interface ModalContext {
  readonly service: string;
  readonly channel: string;
  readonly threadTs?: string;
  readonly alarmKey?: string;
}

const option = (text: string, value: string, description?: string) => ({
  text: plain(text, 75),
  value,
  ...(description ? { description: plain(description, 75) } : {}),
});

export function loadingModal(title = 'Request a rollback') {
  return {
    type: 'modal' as const,
    callback_id: REQUEST_MODAL,
    title: plain(title, 24),
    close: plain('Close', 24),
    blocks: [section(md`:hourglass_flowing_sand: Reading the bucket, the config repo and the healthchecks…`)],
  };
}

export function requestModal(input: {
  services: readonly ServiceConfig[];
  service: ServiceConfig;
  targets: readonly VersionRow[];
  ctx: ModalContext;
  prefill?: { version?: string; reason?: Reason; note?: string };
  problem?: string;
  /** Metrics of the newest targets, shown under each option. */
  evidence?: EvidenceSet;
}) {
  const { services, service, targets, ctx, prefill } = input;
  const blocks: Block[] = [];
  if (services.length > 1) {
    blocks.push({
      type: 'section',
      block_id: 'service',
      text: mrkdwn(md`*Service*`),
      accessory: {
        type: 'static_select',
        action_id: SERVICE_SELECT,
        options: services.map((s) => option(s.name, s.name)),
        initial_option: option(service.name, service.name),
      },
    } as Block);
  } else {
    blocks.push(context(md`Service: *${service.name}*`));
  }
  // What could not be read quotes GitHub, S3 and the config file: outside text, escaped like the rest.
  if (input.problem) blocks.push(section(md`:warning: ${input.problem}`));
  const registry = service.mlflow !== undefined;
  const options = targets.map((r) =>
    option(
      `${registry ? `version ${r.version}` : `${r.version} → ${r.deploys?.name ?? r.version}`}${r.servedBy.length ? ` (serves ${r.servedBy.join(', ')})` : ''}`,
      r.version,
      evidenceSummary(input.evidence, r.version),
    ),
  );
  const initial = options.find((o) => o.value === prefill?.version) ?? options[0];
  if (options.length === 0) {
    blocks.push(
      section(
        md`:no_entry: There is no safe rollback target for this service right now. ${code('/rollback versions')} says why for each version.`,
      ),
    );
  } else {
    blocks.push(
      {
        type: 'input',
        block_id: 'target',
        label: plain('Roll back to', 2000),
        element: {
          type: 'static_select',
          action_id: 'value',
          options: options.slice(0, 100),
          ...(initial ? { initial_option: initial } : {}),
        },
        hint: plain(
          'Only safe targets: passed validation, reached staging or production, and what CI deploys.',
          2000,
        ),
      } as Block,
      {
        type: 'input',
        block_id: 'reason',
        label: plain('Reason', 2000),
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
        label: plain('Note', 2000),
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
    title: plain('Request a rollback', 24),
    close: plain('Close', 24),
    ...(options.length ? { submit: plain('Request', 24) } : {}),
    blocks,
  };
}

export function rejectModal(requestId: string, channel: string) {
  return {
    type: 'modal' as const,
    callback_id: REJECT_MODAL,
    private_metadata: JSON.stringify({ requestId, channel }),
    title: plain(`Reject ${requestId}`, 24),
    submit: plain('Reject', 24),
    close: plain('Back', 24),
    blocks: [
      {
        type: 'input',
        block_id: 'why',
        optional: true,
        label: plain('Why (optional, shown on the card)', 2000),
        element: { type: 'plain_text_input', action_id: 'value' },
      } as Block,
    ],
  };
}

/** Unpinning from the Home tab: the note `/rollback unpin <service> <note>` would carry. */
export function unpinModal(service: string, version: string) {
  return {
    type: 'modal' as const,
    callback_id: UNPIN_MODAL,
    private_metadata: JSON.stringify({ service }),
    title: plain(`Unpin ${service}`, 24),
    submit: plain('Unpin', 24),
    close: plain('Back', 24),
    blocks: [
      section(
        md`${service} is pinned at ${code(version)}. Unpinning turns every open PR's ${code('model-pin')} check green; say why (it is audited and said in the rollback's thread).`,
      ),
      {
        type: 'input',
        block_id: 'note',
        label: plain('Why unpin', 2000),
        element: { type: 'plain_text_input', action_id: 'value', max_length: 500 },
      } as Block,
    ],
  };
}
