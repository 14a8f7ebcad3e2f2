/**
 * After the last approval: check the plan still holds, open the config PR once, and tell the thread.
 * Failures leave the request retryable (`pr_failed` + Retry); a changed plan voids the approvals.
 */
import { findService, type ServiceConfig } from '../config/botConfig.js';
import { readVersionAt } from '../domain/configFile.js';
import { parseIterationName } from '../domain/iterations.js';
import { failedChecks } from '../domain/plan.js';
import { branchName, renderBody, renderTitle } from '../domain/prText.js';
import type { RollbackRequest } from '../domain/request.js';
import { resolveLikeCi } from '../domain/targets.js';
import { setVersionAt } from '../domain/tomlEdit.js';
import { audit } from './audit.js';
import { PlanStaleError, type WorkflowDeps } from './ports.js';
import { makePlan } from './requestRollback.js';
import { loadCatalog } from './serviceStatus.js';

// One attempt per request at a time in this process; the store's states guard across restarts.
const inFlight = new Map<string, Promise<void>>();

export function openPullRequest(deps: WorkflowDeps, requestId: string): Promise<void> {
  const running = inFlight.get(requestId);
  if (running) return running;
  const attempt = attemptOpen(deps, requestId).finally(() => inFlight.delete(requestId));
  inFlight.set(requestId, attempt);
  return attempt;
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
  await deps.cards.notify(request, { kind: 'approvals_void', why, newPlanProblem: problem });
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

async function attemptOpen(deps: WorkflowDeps, requestId: string): Promise<void> {
  const request = await deps.store.getRequest(requestId);
  if (request?.state !== 'approved') return;
  const service = findService(deps.config, request.service);
  if (!service) return;
  const log = deps.log.child({ request: request.id, service: service.name });

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
    const opened = await deps.pulls.open({
      owner: service.repo.owner,
      repo: service.repo.name,
      base: request.plan.branch,
      branch: branchName(service.pr.branchPrefix, service.name, request.plan.targetVersion, request.id),
      path: service.configPath,
      plannedBlobSha: request.plan.blobSha,
      plannedText: request.plan.configText,
      edit: editFor(request, service),
      commitMessage: `${renderTitle(service.pr.titleTemplate, request)}\n\nRollback request ${request.id}.`,
      title: renderTitle(service.pr.titleTemplate, request),
      body: renderBody(request, { permalink, keyPath: service.versionKey.join('.') }),
      labels: service.pr.labels,
    });
    const pr = { number: opened.number, url: opened.url, branch: opened.branch, openedAt: deps.now() };
    if (!(await deps.store.transition(request.id, ['approved'], 'pr_open', { pr, lastError: null }))) return;
    const live = request.plan.from.at(-1)?.modelVersion;
    if (live) {
      const version = parseIterationName(live, service.naming)?.version ?? live;
      await deps.store.addRolledBackFrom(service.name, live, version, request.id);
    }
    await audit(deps, {
      requestId: request.id,
      service: service.name,
      kind: 'pr_opened',
      detail: { number: opened.number, url: opened.url, githubCalls: opened.apiCalls, reused: opened.reused },
    });
    if (await deps.store.claimMilestone(request.id, 'pr_opened')) {
      await deps.cards.notify(request, {
        kind: 'pr_opened',
        number: opened.number,
        url: opened.url,
        keyPath: service.versionKey.join('.'),
        version: request.plan.targetVersion,
        movedBase: opened.rebasedOnNewHead ? request.plan.branch : undefined,
      });
    }
  } catch (err) {
    if (err instanceof PlanStaleError) return voidApprovals(deps, request, service, err.why);
    const what = (err as Error).message;
    log.error('opening the pull request failed', { error: err });
    if (!(await deps.store.transition(request.id, ['approved'], 'pr_failed', { lastError: what }))) return;
    await audit(deps, {
      requestId: request.id,
      service: service.name,
      kind: 'pr_failed',
      detail: { error: what },
    });
    await deps.cards.notify(request, { kind: 'pr_failed', error: what });
  } finally {
    deps.cards.refresh(request.id);
  }
}
