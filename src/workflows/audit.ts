import type { WorkflowDeps } from './ports.js';

/** One audit entry: stored with the request (its history, shown on the card) and logged as one JSON line. */
export async function audit(
  deps: Pick<WorkflowDeps, 'store' | 'log'>,
  entry: {
    readonly service: string;
    readonly requestId?: string;
    readonly kind: string;
    readonly actor?: string;
    readonly actorName?: string;
    readonly detail?: Record<string, unknown>;
  },
): Promise<void> {
  await deps.store.recordEvent(entry);
  deps.log.info(`audit: ${entry.kind.replace(/_/g, ' ')}`, {
    event: entry.kind,
    request: entry.requestId,
    service: entry.service,
    actor: entry.actor,
    actorName: entry.actorName,
    ...entry.detail,
  });
}
