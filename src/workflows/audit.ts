import type { WorkflowDeps } from './deps.js';

/**
 * One audit entry: stored (the request's history on the card, and `rollback-bot history --json`), and
 * logged as one JSON line at level "audit", which no LOG_LEVEL filters out.
 */
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
  deps.log.audit(`audit: ${entry.kind.replace(/_/g, ' ')}`, {
    event: entry.kind,
    request: entry.requestId,
    service: entry.service,
    actor: entry.actor,
    actorName: entry.actorName,
    ...entry.detail,
  });
}
