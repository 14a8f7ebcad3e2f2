/**
 * After the last approval: check the plan still holds, open the config PR once, and tell the thread.
 * Failures leave the request retryable (`pr_failed` + Retry); a changed plan voids the approvals; main
 * already holding the target ends the request without a PR.
 *
 * One attempt per request at a time across replicas: each holds the lease `open-pr:<id>`. A replica that
 * dies mid-attempt leaves the request `approved`; the background round resumes it once the dead one's
 * heartbeat lapses (or the lease expires).
 */
import { findService, type ServiceConfig } from '../config/botConfig.js';
import { readVersionAt } from '../domain/configFile.js';
import { parseIterationName } from '../domain/iterations.js';
import { failedChecks } from '../domain/plan.js';
import { branchName, renderBody, renderTitle } from '../domain/prText.js';
import type { RollbackRequest } from '../domain/request.js';
import { resolveLikeCi } from '../domain/targets.js';
import { setVersionAt } from '../domain/tomlEdit.js';
import { AlreadyConfiguredError, type OpenedPr, PlanStaleError, type WorkflowDeps } from '../ports.js';
import { audit } from './audit.js';
import { postOnce } from './milestones.js';
import { makePlan } from './requestRollback.js';
import { loadCatalog } from './serviceStatus.js';

/**
 * How long one attempt may hold a request: four background-lease TTLs (2 minutes by default), well over
 * the slowest attempt (a few GitHub calls, each bounded). When the replica opening it dies, another
 * resumes it as soon as that one's heartbeat lapses (seconds); this bound only matters for a holder
 * without a heartbeat (an older version during a rolling update).
 */
const openLeaseMs = (deps: WorkflowDeps) => deps.config.replicas.leaseTtlSeconds * 4000;

// Concurrent calls in one process share an attempt; the lease is what holds across replicas.
const inFlight = new Map<string, Promise<void>>();

export function openPullRequest(
  deps: WorkflowDeps,
  requestId: string,
  options: { readonly resume?: boolean } = {},
): Promise<void> {
  const running = inFlight.get(requestId);
  if (running) return running;
  const attempt = underLease(deps, requestId, options.resume ?? false).finally(() =>
    inFlight.delete(requestId),
  );
  inFlight.set(requestId, attempt);
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

async function voidApprovals(
  deps: WorkflowDeps,
  request: RollbackRequest,
  service: ServiceConfig,
  why: string,
) {
  const target = { kind: 'version' as const, version: request.plan.targetVersion };
  const fresh = await makePlan(deps, { service, target, force: request.force }, request.id);
  const moved = await deps.store.transition(
    request.id,
    ['approved', 'pr_failed'],
    'pending',
    fresh.ok ? { plan: fresh.plan } : {},
  );
  if (!moved) return;
  await deps.store.clearApprovals(request.id);
  await audit(deps, {
    requestId: request.id,
    service: service.name,
    kind: 'approvals_void',
    detail: { why },
  });
  const problem = !fresh.ok
    ? fresh.why
    : fresh.plan.ok
      ? undefined
      : failedChecks(fresh.plan)
          .map((c) => c.text)
          .join('; ');
  await postOnce(deps, request, `approvals_void:${Date.now()}`, {
    kind: 'approvals_void',
    why,
    newPlanProblem: problem,
  });
  deps.cards.refresh(request.id);
}

async function resolvedNow(
  deps: WorkflowDeps,
  service: ServiceConfig,
  version: string,
): Promise<{ ok: true; iteration?: string } | { ok: false; why: string }> {
  deps.status.bucket.invalidate();
  try {
    const catalog = await loadCatalog(deps.status.bucket, service);
    return { ok: true, iteration: resolveLikeCi(catalog, version)?.directory };
  } catch (err) {
    return { ok: false, why: `the model bucket could not be read: ${(err as Error).message}` };
  }
}

async function attemptOpen(deps: WorkflowDeps, requestId: string, resume: boolean): Promise<void> {
  const request = await deps.store.getRequest(requestId);
  if (request?.state !== 'approved') return;
  const service = findService(deps.config, request.service);
  if (!service) return;
  const log = deps.log.child({ request: request.id, service: service.name });
  if (resume) log.info('resuming an approved request without its PR');

  // Approvals are bound to the plan: the target must still resolve to the same iteration. (The config
  // file is re-checked by the commit itself, which names the planned blob.)
  const recheck = await resolvedNow(deps, service, request.plan.targetVersion);
  if (recheck.ok && recheck.iteration !== request.plan.targetIteration) {
    return voidApprovals(
      deps,
      request,
      service,
      `CI now resolves ${request.plan.targetVersion} to ${recheck.iteration ?? 'nothing'}, not ${request.plan.targetIteration}`,
    );
  }

  try {
    if (!recheck.ok)
      throw new Error(`the target could not be re-checked before opening the PR: ${recheck.why}`);
    const permalink = await deps.cards.permalink(request).catch(() => undefined);
    const title = renderTitle(service.pr.titleTemplate, request);
    const opened = await deps.pulls.open({
      owner: service.repo.owner,
      repo: service.repo.name,
      base: request.plan.branch,
      branch: branchName(service.pr.branchPrefix, service.name, request.plan.targetVersion, request.id),
      path: service.configPath,
      plannedBlobSha: request.plan.blobSha,
      plannedText: request.plan.configText,
      edit: editFor(request, service),
      commitMessage: `${title}\n\nRollback request ${request.id}.`,
      title,
      body: renderBody(request, { permalink, keyPath: service.versionKey.join('.') }),
      // A previous attempt may have got as far as the PR (a crash, or a failure after it).
      lookFirst: resume || request.lastError !== undefined,
    });
    await recordOpened(deps, request, service, opened);
  } catch (err) {
    if (err instanceof PlanStaleError) return voidApprovals(deps, request, service, err.why);
    if (err instanceof AlreadyConfiguredError) return endWithoutChange(deps, request, err);
    const what = (err as Error).message;
    log.error('opening the pull request failed', { error: err });
    if (!(await deps.store.transition(request.id, ['approved'], 'pr_failed', { lastError: what }))) return;
    await audit(deps, {
      requestId: request.id,
      service: service.name,
      kind: 'pr_failed',
      detail: { error: what },
    });
    await postOnce(deps, request, `pr_failed:${Date.now()}`, { kind: 'pr_failed', error: what });
  } finally {
    deps.cards.refresh(request.id);
  }
}

/** The PR exists: store it (unless an early webhook did), tell the thread, then label it. */
async function recordOpened(
  deps: WorkflowDeps,
  request: RollbackRequest,
  service: ServiceConfig,
  opened: OpenedPr,
): Promise<void> {
  const pr = { number: opened.number, url: opened.url, branch: opened.branch, openedAt: deps.now() };
  await deps.store.setPrIfUnset(request.id, pr);
  await deps.store.transition(request.id, ['approved'], 'pr_open', { lastError: null });
  const fresh = await deps.store.getRequest(request.id);
  if (!fresh?.pr || fresh.pr.number !== opened.number) {
    deps.log.error('the request records another PR than the one just opened', {
      request: request.id,
      opened: opened.number,
      recorded: fresh?.pr?.number,
    });
    return;
  }
  await announcePr(deps, fresh, service, {
    calls: opened.apiCalls,
    reused: opened.reused,
    movedBase: opened.rebasedOnNewHead ? request.plan.branch : undefined,
  });
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
 * Says "PR opened" once, whoever learned of the PR first (the opener, or an early webhook), and records
 * what a PR means: the live model is rolled back from, and the time from request to PR.
 */
export async function announcePr(
  deps: WorkflowDeps,
  request: RollbackRequest,
  service: ServiceConfig,
  extras: { readonly calls?: number; readonly reused?: boolean; readonly movedBase?: string } = {},
): Promise<void> {
  const pr = request.pr;
  if (!pr) return;
  const live = request.plan.from.at(-1)?.modelVersion;
  if (live) {
    const version = parseIterationName(live, service.naming)?.version ?? live;
    await deps.store.addRolledBackFrom(service.name, live, version, request.id);
  }
  const first = await postOnce(deps, request, 'pr_opened', {
    kind: 'pr_opened',
    number: pr.number,
    url: pr.url,
    keyPath: service.versionKey.join('.'),
    version: request.plan.targetVersion,
    movedBase: extras.movedBase,
  });
  if (!first) return;
  deps.metrics.requestToPr((pr.openedAt.getTime() - request.createdAt.getTime()) / 1000);
  await audit(deps, {
    requestId: request.id,
    service: service.name,
    kind: 'pr_opened',
    detail: { number: pr.number, url: pr.url, githubCalls: extras.calls, reused: extras.reused },
  });
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
  const moved = await deps.store.transition(request.id, ['approved'], 'no_change', {
    completedAt: deps.now(),
    decisionNote: note,
    lastError: null,
  });
  if (!moved) return;
  await audit(deps, {
    requestId: request.id,
    service: request.service,
    kind: 'no_change',
    detail: { since },
  });
  await postOnce(deps, request, 'no_change', {
    kind: 'no_change',
    id: request.id,
    version: request.plan.targetVersion,
    branch: request.plan.branch,
    since,
  });
}
