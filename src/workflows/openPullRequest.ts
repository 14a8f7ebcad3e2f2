/**
 * After the last approval: rebuild the whole plan, open the config PR once, and tell the thread.
 * Failures leave the request retryable (`pr_failed` + Retry, until request_ttl_minutes); a changed plan
 * voids the approvals; a plan that fails a check ends the request; main already holding the target ends
 * it without a PR.
 *
 * One attempt per request at a time across replicas: each holds the lease `open-pr:<id>`. A replica that
 * dies mid-attempt leaves the request `approved`; the background round resumes it once the dead one's
 * heartbeat lapses (or the lease expires).
 */
import { findService, type ServiceConfig } from '../config/botConfig.js';
import { readVersionAt } from '../domain/configFile.js';
import { parseIterationName } from '../domain/iterations.js';
import { failedChecks, type Plan, rebind } from '../domain/plan.js';
import { expiresAt } from '../domain/policy.js';
import { branchName, renderBody, renderTitle } from '../domain/prText.js';
import type { RollbackRequest } from '../domain/request.js';
import { setVersionAt } from '../domain/tomlEdit.js';
import { AlreadyConfiguredError, type OpenedPr, PlanStaleError } from '../ports/github.js';
import type { WorkflowDeps } from './deps.js';
import { move } from './lifecycle.js';
import { postOnce } from './milestones.js';
import { aliasMoveSent, moveAlias } from './moveAlias.js';
import { makePlan } from './requestRollback.js';

/**
 * How long one attempt may hold a request: four background-lease TTLs (2 minutes by default), well over
 * the slowest attempt (a few GitHub calls, each bounded). When the replica opening it dies, another
 * resumes it as soon as that one's heartbeat lapses (seconds); this bound only matters for a holder
 * without a heartbeat (an older version during a rolling update).
 */
const openLeaseMs = (deps: WorkflowDeps) => deps.config.replicas.leaseTtlSeconds * 4000;

// Concurrent calls in one process share an attempt; the lease is what holds across replicas.
const attempts = new Map<string, Promise<void>>();

export function openPullRequest(
  deps: WorkflowDeps,
  requestId: string,
  options: { readonly resume?: boolean } = {},
): Promise<void> {
  const running = attempts.get(requestId);
  if (running) return running;
  const attempt = underLease(deps, requestId, options.resume ?? false).finally(() =>
    attempts.delete(requestId),
  );
  attempts.set(requestId, attempt);
  return attempt;
}

async function underLease(deps: WorkflowDeps, requestId: string, resume: boolean): Promise<void> {
  const lease = `open-pr:${requestId}`;
  if (!(await deps.store.acquireLease(lease, deps.replicaId, openLeaseMs(deps)))) return;
  try {
    await attemptOpen(deps, requestId, resume);
  } finally {
    await deps.store
      .releaseLease(lease, deps.replicaId)
      .catch((err) => deps.log.warn('releasing a PR lease failed', { request: requestId, error: err }));
  }
}

/** The edit applied to whatever text the base branch holds when the PR is made. */
export function editFor(request: RollbackRequest, service: ServiceConfig) {
  return (text: string): { ok: true; text: string } | { ok: false; problem: string } => {
    const current = readVersionAt(text, service.versionKey);
    if (!current.ok) return { ok: false, problem: `${service.configPath}: ${current.problem}` };
    if (current.version === request.plan.targetVersion) return { ok: true, text };
    if (current.version !== request.plan.configuredVersion) {
      return {
        ok: false,
        problem: `\`${service.versionKey.join('.')}\` on ${request.plan.branch} changed from ${request.plan.configuredVersion} to ${current.version} since the plan was made`,
      };
    }
    const edited = setVersionAt(text, service.versionKey, request.plan.targetVersion);
    return edited.ok ? { ok: true, text: edited.edit.text } : { ok: false, problem: edited.problem };
  };
}

/** The version the request rolls back to, re-planned from fresh facts (bucket, config file, store). */
function replan(deps: WorkflowDeps, request: RollbackRequest, service: ServiceConfig) {
  deps.status.bucket.invalidate();
  deps.status.registries?.invalidate();
  const target = { kind: 'version' as const, version: request.plan.targetVersion };
  return makePlan(deps, { service, target, force: request.force }, request.id);
}

/**
 * The plan changed under the approvals. A new plan that passes waits for approvals again (plan and
 * approvals swapped in one transaction); one that fails a check ends the request.
 */
async function voidApprovals(
  deps: WorkflowDeps,
  request: RollbackRequest,
  service: ServiceConfig,
  why: string,
  fresh: Plan,
): Promise<void> {
  if (!fresh.ok) return endOnFailedPlan(deps, request, fresh);
  // The evidence read with the first plan still describes the same target.
  const evidence = fresh.targetVersion === request.plan.targetVersion ? request.plan.evidence : undefined;
  await move(deps, request, 'plan_changed', {
    patch: { plan: { ...fresh, evidence } },
    detail: { why, service: service.name, approvals: request.approvals.map((a) => a.user) },
    notice: { kind: 'approvals_void', why },
  });
}

/** A check of the rebuilt plan fails: no PR, ever, for this request; the thread says which and why. */
async function endOnFailedPlan(deps: WorkflowDeps, request: RollbackRequest, fresh: Plan): Promise<void> {
  const failed = failedChecks(fresh).map((c) => c.text);
  await move(deps, request, 'plan_failed', {
    patch: { plan: fresh, completedAt: deps.now(), decisionNote: failed.join('; '), lastError: null },
    detail: { failed: failedChecks(fresh).map((c) => c.id), checks: failed },
    notice: {
      kind: 'plan_failed',
      id: request.id,
      service: request.service,
      version: request.plan.targetVersion,
      failed,
    },
  });
}

async function attemptOpen(deps: WorkflowDeps, requestId: string, resume: boolean): Promise<void> {
  const request = await deps.store.getRequest(requestId);
  if (request?.state !== 'approved') return;
  const service = findService(deps.config, request.service);
  if (!service) return;
  const log = deps.log.child({ request: request.id, service: service.name });
  if (resume) log.info('resuming an approved request without its PR');

  try {
    // Before every attempt (first, retry, resume) the whole plan is rebuilt: any failed check refuses,
    // and approvals are bound to what it deploys. The config file is re-checked once more by the commit
    // itself, which names the planned blob.
    const fresh = await replan(deps, request, service);
    if (!fresh.ok)
      throw new Error(`the plan could not be checked again before opening the PR: ${fresh.problem}`);
    const verdict = rebind(request.plan, fresh.plan);
    if (verdict.kind === 'failed') return await endOnFailedPlan(deps, request, fresh.plan);
    if (verdict.kind === 'changed')
      return await voidApprovals(deps, request, service, verdict.why, fresh.plan);
    if (service.action === 'registry_alias') {
      if (verdict.kind === 'same') return await moveAlias(deps, request, service);
      // The alias is on the target: this request's own move before a crash, or someone else's.
      if (await aliasMoveSent(deps, request))
        return await moveAlias(deps, request, service, { alreadySent: true });
      return await endWithoutChange(deps, request, new AlreadyConfiguredError());
    }

    const permalink = await deps.cards.permalink(request).catch(() => undefined);
    const title = renderTitle(service.pr.titleTemplate, request);
    const opened = await deps.pulls.open({
      owner: service.repo.owner,
      repo: service.repo.name,
      base: request.plan.branch,
      branch: branchOf(request, service),
      path: service.configPath,
      plannedBlobSha: request.plan.blobSha,
      plannedText: request.plan.configText,
      plannedDiff: request.plan.diff,
      edit: editFor(request, service),
      commitMessage: `${title}\n\nRollback request ${request.id}.`,
      title,
      body: renderBody(request, { permalink, keyPath: service.versionKey.join('.') }),
      // A previous attempt may have got as far as the PR (a crash, or a failure after it).
      lookFirst: resume || request.lastError !== undefined,
    });
    await recordOpened(deps, request, service, opened);
  } catch (err) {
    if (err instanceof PlanStaleError) {
      const fresh = await replan(deps, request, service).catch(() => undefined);
      if (fresh?.ok) return voidApprovals(deps, request, service, err.why, fresh.plan);
    }
    if (err instanceof AlreadyConfiguredError) return endWithoutChange(deps, request, err);
    await failAttempt(deps, request, (err as Error).message, log, err);
  } finally {
    deps.cards.refresh(request.id);
  }
}

/** The PR could not be opened: retryable (`pr_failed` + Retry) until request_ttl_minutes from now. */
async function failAttempt(
  deps: WorkflowDeps,
  request: RollbackRequest,
  what: string,
  log: WorkflowDeps['log'],
  err: unknown,
): Promise<void> {
  log.error('opening the pull request failed', { error: err });
  const service = findService(deps.config, request.service);
  const retryUntil = expiresAt(deps.now(), service?.requestTtlMinutes ?? 60);
  await move(deps, request, 'pr_failed', {
    patch: { lastError: what, expiresAt: retryUntil },
    detail: { error: what, retryUntil: retryUntil.toISOString() },
    notice: {
      kind: 'pr_failed',
      error: what,
      retryUntil: retryUntil.toISOString(),
      alias: service?.action === 'registry_alias',
    },
  });
}

/** The request's PR branch: stored when it was made; requests from before that keep their old name. */
export function branchOf(request: RollbackRequest, service: ServiceConfig): string {
  return (
    request.branch ??
    branchName(service.pr.branchPrefix, service.name, request.plan.targetVersion, request.id)
  );
}

/** The PR exists: store it (unless an early webhook did), tell the thread, then label it. */
async function recordOpened(
  deps: WorkflowDeps,
  request: RollbackRequest,
  service: ServiceConfig,
  opened: OpenedPr,
): Promise<void> {
  const pr = { number: opened.number, url: opened.url, branch: opened.branch, openedAt: deps.now() };
  const fresh = await adoptPr(deps, request, service, pr, {
    calls: opened.apiCalls,
    reused: opened.reused,
    movedBase: opened.rebasedOnNewHead ? request.plan.branch : undefined,
  });
  if (!fresh) return;
  try {
    await deps.pulls.label(service.repo.owner, service.repo.name, opened.number, service.pr.labels);
  } catch (err) {
    await postOnce(deps, fresh, 'labels_failed', {
      kind: 'labels_failed',
      number: opened.number,
      error: (err as Error).message,
    });
  }
}

/**
 * Records `pr` as the request's PR, whoever learned of it first (the opener, or an early webhook): the
 * first to move the request to `pr_open` says "PR opened" and records what a PR means (the live model
 * is rolled back from; the time from request to PR). The request as stored, or undefined when it
 * records another PR (logged).
 */
export async function adoptPr(
  deps: WorkflowDeps,
  request: RollbackRequest,
  service: ServiceConfig,
  pr: NonNullable<RollbackRequest['pr']>,
  extras: { readonly calls?: number; readonly reused?: boolean; readonly movedBase?: string } = {},
): Promise<RollbackRequest | undefined> {
  await deps.store.setPrIfUnset(request.id, pr);
  const fresh = await deps.store.getRequest(request.id);
  if (!fresh?.pr || fresh.pr.number !== pr.number) {
    deps.log.error('the request records another PR than this one', {
      request: request.id,
      pr: pr.number,
      recorded: fresh?.pr?.number,
    });
    return undefined;
  }
  const live = fresh.plan.from.at(-1)?.modelVersion;
  if (live) {
    const version = parseIterationName(live, service.naming)?.version ?? live;
    await deps.store.addRolledBackFrom(service.name, live, version, fresh.id);
  }
  const moved = await move(deps, fresh, 'pr_opened', {
    patch: { lastError: null },
    detail: { number: pr.number, url: pr.url, githubCalls: extras.calls, reused: extras.reused },
    notice: {
      kind: 'pr_opened',
      number: pr.number,
      url: pr.url,
      keyPath: service.versionKey.join('.'),
      version: fresh.plan.targetVersion,
      movedBase: extras.movedBase,
    },
  });
  if (moved) deps.metrics.requestToPr((pr.openedAt.getTime() - fresh.createdAt.getTime()) / 1000);
  return fresh;
}

/** Main already configures the target (someone rolled back by hand): end the request, no PR. */
async function endWithoutChange(
  deps: WorkflowDeps,
  request: RollbackRequest,
  err: AlreadyConfiguredError,
): Promise<void> {
  const since = err.since
    ? { sha: err.since.sha, at: err.since.at?.toISOString(), summary: err.since.summary }
    : undefined;
  const note = `${request.plan.branch} already configures ${request.plan.targetVersion}${since ? ` since ${since.sha.slice(0, 7)}` : ''}`;
  await move(deps, request, 'already_configured', {
    patch: { completedAt: deps.now(), decisionNote: note, lastError: null },
    detail: { since },
    notice: {
      kind: 'no_change',
      id: request.id,
      version: request.plan.targetVersion,
      branch: request.plan.branch,
      since,
    },
  });
}
