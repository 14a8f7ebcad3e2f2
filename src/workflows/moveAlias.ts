/**
 * The rollback action of a registry_alias service: one POST moving the alias to the target, after the
 * plan was rebuilt and bound (openPullRequest.ts does that, under the request's lease, for both
 * actions). The move comes first and the tags after it, so a refused move changes nothing; the version
 * rolled back from is tagged (never deleted), and the history the registry does not keep is recorded.
 *
 * A crash between the move and the state change leaves the alias on the target: the resumed attempt
 * then sees "already configured" and, finding this request's own `alias_move` record, goes on as moved
 * instead of ending "nothing to do".
 */
import type { ServiceConfig } from '../config/botConfig.js';
import { ROLLED_BACK_TAG, sinceTag, untilTag } from '../domain/registry.js';
import type { RollbackRequest } from '../domain/request.js';
import { audit } from './audit.js';
import type { WorkflowDeps } from './deps.js';
import { move } from './lifecycle.js';
import { pinAt } from './pin.js';

const STARTED = 'alias_move';

/** True when this request already sent its alias move (a resumed attempt after a crash). */
export async function aliasMoveSent(deps: WorkflowDeps, request: RollbackRequest): Promise<boolean> {
  const events = await deps.store.events(request.id);
  return events.some((e) => e.kind === STARTED);
}

export async function moveAlias(
  deps: WorkflowDeps,
  request: RollbackRequest,
  service: ServiceConfig,
  options: { readonly alreadySent?: boolean } = {},
): Promise<void> {
  const m = service.mlflow;
  const registry = m ? deps.status.registries?.of(service) : undefined;
  if (!m || !registry) throw new Error('no MLflow client for this service (MLFLOW_TRACKING_URI)');
  const to = request.plan.targetVersion;
  const from = request.plan.aliasMove?.from;
  if (!options.alreadySent) {
    // Recorded before the write: whoever resumes this request knows the move may have happened.
    await audit(deps, {
      requestId: request.id,
      service: service.name,
      kind: STARTED,
      detail: { model: m.model, alias: m.alias, from, to },
    });
    const moved = await registry.setAlias(m.model, m.alias, to);
    if (!moved.ok) throw new Error(`moving ${m.alias} to ${to} failed: ${moved.problem}`);
  }
  const now = deps.now();
  await deps.store.recordAliasVersion(service.name, m.alias, to, now, request.id);
  if (from) await deps.store.addRolledBackFrom(service.name, from, from, request.id);
  const tagProblem = await writeTags(deps, request, service, { from, to, at: now.toISOString() });
  const moved = await move(deps, request, 'alias_moved', {
    patch: { lastError: null, progress: { envs: {}, mergedAt: now.toISOString(), mergedBy: 'rollback-bot' } },
    detail: { model: m.model, alias: m.alias, from, to, resumed: options.alreadySent ?? false, tagProblem },
    notice: { kind: 'alias_moved', model: m.model, alias: m.alias, from, to, tagProblem },
  });
  if (moved) await pinAt(deps, request, 'rollback-bot');
}

/**
 * The marks other people see in MLflow: since/until on the two versions, and on the one rolled back
 * from who did it and why. A failure here is reported, not retried into a second move.
 */
async function writeTags(
  deps: WorkflowDeps,
  request: RollbackRequest,
  service: ServiceConfig,
  move: { readonly from?: string; readonly to: string; readonly at: string },
): Promise<string | undefined> {
  const m = service.mlflow;
  const registry = m ? deps.status.registries?.of(service) : undefined;
  if (!m || !registry) return 'no MLflow client';
  const approvers = request.approvals.map((a) => a.name ?? a.user).join(', ');
  const writes: [string, string, string][] = [[move.to, sinceTag(m.alias), move.at]];
  if (move.from) {
    writes.push(
      [move.from, untilTag(m.alias), move.at],
      [move.from, ROLLED_BACK_TAG, request.id],
      [move.from, `${ROLLED_BACK_TAG}.reason`, `${request.reason}: ${request.note}`.slice(0, 5000)],
      [
        move.from,
        `${ROLLED_BACK_TAG}.by`,
        `requested by ${request.requesterName ?? request.requester}; approved by ${approvers}`,
      ],
    );
  }
  for (const [version, key, value] of writes) {
    const tagged = await registry.setVersionTag(m.model, version, key, value);
    if (!tagged.ok) return tagged.problem;
  }
  return undefined;
}
