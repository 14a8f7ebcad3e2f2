/**
 * When a rollback lands (its PR merged), the iteration rolled back from gets a small JSON object in its
 * bucket directory (`mark_rolled_back`): who, why, when, and the thread. Everyone who reads the bucket
 * sees it, and so does the bot's catalog, so "never again last known good" survives a new database.
 *
 * Written once: a claim in the store (a milestone) decides which replica, round or webhook writes; a
 * crash after the claim loses the mark (the database still records the rollback), never doubles it. A
 * failure is said in the thread and audited; the rollback goes on.
 */
import { findService } from '../config/botConfig.js';
import { parseIterationName } from '../domain/iterations.js';
import type { RollbackRequest } from '../domain/request.js';
import { type RolledBackObject, slackThreadLink } from '../domain/rolledBack.js';
import { audit } from './audit.js';
import type { WorkflowDeps } from './deps.js';
import { postOnce } from './milestones.js';

const CLAIM = 'rolled_back_mark';

/** Never throws: a mark that cannot be made must not stop the rollback's tracking. */
export async function markRolledBack(deps: WorkflowDeps, r: RollbackRequest): Promise<void> {
  try {
    await mark(deps, r);
  } catch (err) {
    deps.log.warn('marking the version rolled back from failed', { request: r.id, error: err });
  }
}

async function mark(deps: WorkflowDeps, r: RollbackRequest): Promise<void> {
  const service = findService(deps.config, r.service);
  if (!service?.markRolledBack || service.source === 'mlflow' || r.state !== 'merged') return;
  // The live iteration when the plan was made: what the rollback moved away from.
  const from = r.plan.from.at(-1)?.modelVersion;
  // It came from a healthcheck: only a name of the service's pattern, one directory deep, is a key part.
  if (!from || from.includes('/') || !parseIterationName(from, service.naming)) return;
  if (!(await deps.store.claimMilestone(r.id, CLAIM, undefined, deps.replicaId))) return;
  const object = service.rolledBackObject ?? 'rolled_back';
  const key = `${service.prefix}${from}/${object}`;
  const approvers = r.approvals.map((a) => a.name ?? a.user).join(', ');
  const content: RolledBackObject = {
    request: r.id,
    reason: `${r.reason}${r.note ? `: ${r.note}` : ''}`.slice(0, 2000),
    by: `requested by ${r.requesterName ?? r.requester}; approved by ${approvers || 'nobody'}${
      r.progress?.mergedBy ? `; merged by ${r.progress.mergedBy}` : ''
    }`,
    at: r.progress?.mergedAt ?? deps.now().toISOString(),
    thread: slackThreadLink(r.channel, r.threadTs ?? r.cardTs),
    service: service.name,
    iteration: from,
    to: r.plan.targetIteration ?? r.plan.targetVersion,
  };
  const where = { bucket: service.bucket, key };
  try {
    await deps.status.bucket.put(service.bucket, key, `${JSON.stringify(content, null, 2)}\n`, {
      region: service.awsRegion,
      roleArn: service.awsRoleArn,
    });
    await audit(deps, {
      requestId: r.id,
      service: service.name,
      kind: 'rolled_back_marked',
      detail: { ...where, iteration: from },
    });
    await postOnce(deps, r, `${CLAIM}:done`, { kind: 'rolled_back_marked', iteration: from, ...where });
  } catch (err) {
    const error = (err as Error).message ?? String(err);
    deps.log.warn('the version rolled back from could not be marked in the bucket', {
      request: r.id,
      ...where,
      error: err,
    });
    await audit(deps, {
      requestId: r.id,
      service: service.name,
      kind: 'rolled_back_mark_failed',
      detail: { ...where, error },
    });
    await postOnce(deps, r, `${CLAIM}:failed`, {
      kind: 'rolled_back_mark_failed',
      iteration: from,
      ...where,
      error,
    });
  } finally {
    await deps.store.markMilestonePosted(r.id, CLAIM).catch(() => undefined);
  }
}
