/**
 * Opens the request modal at once (a trigger is only valid for 3 seconds), then fills it in once the
 * safe targets are known.
 */
import type { webApi } from '@slack/bolt';
import type { ServiceConfig } from '../../config/botConfig.js';
import type { Reason } from '../../domain/command.js';
import { gatherEvidence } from '../../workflows/evidence.js';
import { getServiceStatus, safeTargets } from '../../workflows/serviceStatus.js';

/** How many of the form's targets carry their metrics. */
const EVIDENCE_OPTIONS = 20;

import { loadingModal, type ModalContext, requestModal } from '../blocks/requestModal.js';
import type { SlackDeps } from '../context.js';

export async function safeTargetsModal(
  deps: SlackDeps,
  service: ServiceConfig,
  ctx: ModalContext,
  prefill?: { version?: string; reason?: Reason; note?: string },
) {
  const status = await getServiceStatus(deps.status, service);
  // A static select holds 100 options at most: the newest 100 safe targets.
  const targets = safeTargets(status, 100);
  // The evidence of the newest targets only: the form is opened during an incident, and fast.
  const evidence = await gatherEvidence(
    deps.status,
    status,
    targets.slice(0, EVIDENCE_OPTIONS).map((t) => t.version),
  );
  return requestModal({
    evidence,
    services: deps.config.services,
    service,
    targets,
    ctx: { ...ctx, service: service.name },
    prefill,
    problem: status.unavailable.length ? `Could not read: ${status.unavailable.join('; ')}` : undefined,
  });
}

export async function openRequestModal(
  deps: SlackDeps,
  client: webApi.WebClient,
  triggerId: string,
  service: ServiceConfig,
  ctx: ModalContext,
  prefill?: { version?: string; reason?: Reason; note?: string },
): Promise<void> {
  const opened = await client.views.open({ trigger_id: triggerId, view: loadingModal() });
  const viewId = opened.view?.id;
  if (!viewId) return;
  const view = await safeTargetsModal(deps, service, ctx, prefill);
  await client.views.update({ view_id: viewId, view });
}
