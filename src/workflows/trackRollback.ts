/**
 * Following a rollback after its PR opened: the PR's fate, then the healthchecks until every environment
 * serves the target. Rounds are the truth: each one reads every tracked PR whether or not webhooks are
 * configured, so a lost delivery delays an outcome by one round and never loses it. A webhook only makes
 * it happen sooner. Each thread post goes through the milestone outbox (posted once, reposted if lost).
 */

import { type EnvironmentConfig, findService, type ServiceConfig } from '../config/botConfig.js';
import { type GoldenCheck, type GoldenOutcome, judgeGolden } from '../domain/golden.js';
import { judgePull } from '../domain/prOwnership.js';
import {
  type EnvProgress,
  failedGolden,
  minutesBetween,
  observe,
  type Progress,
  withGolden,
} from '../domain/progress.js';
import type { RollbackRequest } from '../domain/request.js';
import type { PullState } from '../ports/github.js';
import type { Notice } from '../ports/notices.js';
import { ServiceBusyError } from '../ports/store.js';
import { audit } from './audit.js';
import type { WorkflowDeps } from './deps.js';
import { move } from './lifecycle.js';
import { markRolledBack } from './markRolledBack.js';
import { postOnce } from './milestones.js';
import { adoptPr, branchOf } from './openPullRequest.js';
import { pinAt } from './pin.js';

export interface TrackingRules {
  readonly consecutiveReads: number;
  readonly timeoutMinutes: number;
}

export async function onMerged(
  deps: WorkflowDeps,
  r: RollbackRequest,
  by: string | undefined,
  at: Date,
): Promise<void> {
  const progress: Progress = { envs: r.progress?.envs ?? {}, mergedAt: at.toISOString(), mergedBy: by };
  try {
    const moved = await move(deps, r, 'merged', {
      patch: { progress, prClosedAt: null },
      actor: by,
      detail: { pr: r.pr?.number },
      notice: { kind: 'merged', number: r.pr?.number, by },
    });
    // Pinned from the merge on, while verification runs (said once, whoever moved it).
    if (moved) await pinAt(deps, r, by);
    // The change landed: the iteration rolled back from is marked where everyone sees it (once).
    const fresh = moved ? await deps.store.getRequest(r.id) : undefined;
    if (fresh) await markRolledBack(deps, fresh);
  } catch (err) {
    if (!(err instanceof ServiceBusyError)) throw err;
    await ignoredWhileBusy(deps, r, 'merged', err, by);
  }
}

export function onClosedUnmerged(deps: WorkflowDeps, r: RollbackRequest, by?: string): Promise<void> {
  const notice: Notice = {
    kind: 'abandoned',
    id: r.id,
    number: r.pr?.number,
    service: r.service,
    version: r.plan.targetVersion,
  };
  return move(deps, r, 'closed_unmerged', {
    patch: { prClosedAt: deps.now() },
    actor: by,
    detail: { pr: r.pr?.number },
    notice,
  }).then(() => undefined);
}

export async function onReopened(deps: WorkflowDeps, r: RollbackRequest): Promise<void> {
  try {
    await move(deps, r, 'reopened', {
      patch: { prClosedAt: null },
      detail: { pr: r.pr?.number },
      notice: { kind: 'reopened', number: r.pr?.number },
    });
  } catch (err) {
    if (!(err instanceof ServiceBusyError)) throw err;
    await ignoredWhileBusy(deps, r, 'reopened', err);
  }
}

const ignoredKey = (event: 'reopened' | 'merged') => `ignored_while_busy:${event}`;

/**
 * An abandoned request's PR was reopened or merged while another rollback of the service is active:
 * the database refuses a second active request, so this one stays abandoned. Said once in its thread
 * and audited once; later rounds do not try again (pollPr checks the milestone).
 */
async function ignoredWhileBusy(
  deps: WorkflowDeps,
  r: RollbackRequest,
  event: 'reopened' | 'merged',
  err: ServiceBusyError,
  actor?: string,
): Promise<void> {
  const said = await postOnce(deps, r, ignoredKey(event), {
    kind: 'pr_event_ignored',
    event,
    id: r.id,
    number: r.pr?.number,
    service: r.service,
    activeId: err.activeId,
  });
  if (!said) return;
  await audit(deps, {
    requestId: r.id,
    service: r.service,
    kind: 'pr_event_ignored',
    actor,
    detail: { event, pr: r.pr?.number, active: err.activeId },
  });
}

/** Environments being watched now, with when watching began. */
function watched(
  r: RollbackRequest,
  service: ServiceConfig,
): Array<{ env: EnvironmentConfig; since: string }> {
  const prSince = r.pr?.openedAt.toISOString();
  const mergedAt = r.progress?.mergedAt;
  return service.environments.flatMap((env) => {
    const start = env.deployPhase === 'pull_request' ? prSince : r.state === 'merged' ? mergedAt : undefined;
    return start ? [{ env, since: start }] : [];
  });
}

/** One round of healthcheck reads for a request's watched environments. */
export async function verifyOnce(
  deps: WorkflowDeps,
  request: RollbackRequest,
  rules: TrackingRules,
): Promise<void> {
  const service = findService(deps.config, request.service);
  const target = request.plan.targetIteration;
  if (!service || !target || (request.state !== 'pr_open' && request.state !== 'merged')) return;
  // A merge noticed by a replica that died before marking: the claim lets exactly one round do it.
  if (request.state === 'merged' && service.markRolledBack) await markRolledBack(deps, request);
  const now = deps.now();
  const envs: Record<string, EnvProgress> = { ...(request.progress?.envs ?? {}) };
  const events: Array<{ env: EnvironmentConfig; outcome: 'verified' | 'failed'; state: EnvProgress }> = [];
  for (const { env, since: start } of watched(request, service)) {
    const current = envs[env.name] ?? { since: start, consecutive: 0 };
    if (current.verifiedAt || current.failedAt) continue;
    const read = await deps.status.healthchecks.read(env);
    let result = observe(
      current,
      { modelVersion: read.ok ? read.modelVersion : undefined },
      { target, ...rules, now },
    );
    // Serving the target K times says the deploy happened; the golden checks, run once now, say the
    // model answers as it should. Verified needs both.
    if (result.outcome === 'verified' && env.golden?.length) {
      result = withGolden(result.env, await runGolden(deps, env.golden), now);
    }
    envs[env.name] = result.env;
    if (result.outcome === 'verified' || result.outcome === 'failed') {
      events.push({ env, outcome: result.outcome, state: result.env });
    }
  }
  const progress: Progress = { ...(request.progress ?? {}), envs };
  await deps.store.update(request.id, { progress });
  const fresh = (await deps.store.getRequest(request.id)) ?? request;

  for (const e of events) {
    const golden = failedGolden(e.state);
    const notice: Notice =
      e.outcome === 'verified'
        ? {
            kind: 'env_verified',
            environment: e.env.name,
            target,
            fromPullRequest: e.env.deployPhase === 'pull_request',
            reads: rules.consecutiveReads,
            goldenPassed: e.state.golden?.length || undefined,
          }
        : golden.length > 0
          ? {
              kind: 'golden_failed',
              environment: e.env.name,
              target,
              failed: golden,
              total: e.state.golden?.length ?? golden.length,
            }
          : {
              kind: 'env_failed',
              environment: e.env.name,
              target,
              lastSeen: e.state.lastSeen,
              timeoutMinutes: rules.timeoutMinutes,
            };
    await postOnce(deps, fresh, `${e.outcome}:${e.env.name}`, notice);
  }
  await conclude(deps, fresh, service, target);
  deps.cards.refresh(request.id);
}

/** Sends an environment's golden checks (all at once) and judges each answer. */
async function runGolden(deps: WorkflowDeps, checks: readonly GoldenCheck[]): Promise<GoldenOutcome[]> {
  const client = deps.status.golden;
  return Promise.all(
    checks.map(async (check) =>
      judgeGolden(
        check,
        client
          ? await client.send(check)
          : { ok: false, error: 'the bot has no golden check client', latencyMs: 0 },
      ),
    ),
  );
}

/** Completes the request once every environment deployed from main is verified, or fails it. */
async function conclude(deps: WorkflowDeps, r: RollbackRequest, service: ServiceConfig, target: string) {
  if (r.state !== 'merged') return;
  const mergeEnvs = service.environments.filter((e) => e.deployPhase === 'merge');
  const envs = r.progress?.envs ?? {};
  const failed = mergeEnvs.find((e) => envs[e.name]?.failedAt);
  const now = deps.now();
  if (failed) {
    const env = envs[failed.name];
    const golden = failedGolden(env);
    await move(deps, r, 'verify_failed', {
      patch: { completedAt: now },
      detail: {
        environment: failed.name,
        ...(golden.length ? { goldenFailed: golden.map((g) => g.name) } : {}),
      },
      notice: {
        kind: 'not_verified',
        id: r.id,
        environment: failed.name,
        lastSeen: env?.lastSeen,
        minutes: minutesBetween(new Date(env?.since ?? now), now),
        ...(golden.length ? { target, golden } : {}),
      },
    });
    return;
  }
  if (!mergeEnvs.every((e) => envs[e.name]?.verifiedAt)) return;
  const moved = await move(deps, r, 'verified', {
    patch: { completedAt: now },
    detail: { target },
    notice: {
      kind: 'completed',
      environment: mergeEnvs.at(-1)?.name ?? 'production',
      target,
      minutes: minutesBetween(r.alarm?.at ?? r.createdAt, now),
      since: r.alarm ? 'alarm' : 'request',
    },
  });
  if (moved && r.pr) deps.metrics.prToVerified((now.getTime() - r.pr.openedAt.getTime()) / 1000);
}

/** Polls the PR when no webhook tells us about it. */
export async function pollPr(deps: WorkflowDeps, r: RollbackRequest): Promise<void> {
  const service = findService(deps.config, r.service);
  if (!service || !r.pr || (r.state !== 'pr_open' && r.state !== 'abandoned')) return;
  const pr = await deps.pulls.get(service.repo.owner, service.repo.name, r.pr.number);
  await applyPullState(deps, r, pr);
}

/** Moves the request to what GitHub says of its PR now (merged, closed, reopened). */
async function applyPullState(deps: WorkflowDeps, r: RollbackRequest, pr: PullState): Promise<void> {
  // What was already refused for an abandoned request (another one active) is not tried every round.
  const refused = (event: 'reopened' | 'merged') =>
    r.state === 'abandoned' ? deps.store.hasMilestone(r.id, ignoredKey(event)) : Promise.resolve(false);
  if (pr.merged) {
    if (!(await refused('merged'))) await onMerged(deps, r, pr.mergedBy, pr.mergedAt ?? deps.now());
  } else if (pr.state === 'closed' && r.state === 'pr_open') await onClosedUnmerged(deps, r);
  else if (pr.state === 'open' && r.state === 'abandoned' && !(await refused('reopened')))
    await onReopened(deps, r);
}

/**
 * One round for every rollback in flight; safe to call repeatedly, on any replica, after a restart. An
 * abandoned request's PR is polled for `timeoutMinutes` after it was closed (a reopening or a late merge
 * is noticed), then only webhooks speak for it: an old closed PR costs no GitHub call per round.
 */
export async function trackAll(
  deps: WorkflowDeps,
  rules: TrackingRules,
  options: { readonly schedule?: <T>(fn: () => Promise<T>) => Promise<T> } = {},
): Promise<void> {
  const schedule = options.schedule ?? ((fn) => fn());
  const closedSince = new Date(deps.now().getTime() - rules.timeoutMinutes * 60_000);
  for (const request of await deps.store.tracked(closedSince)) {
    try {
      // The PR is read every round: webhooks are an accelerator, never the only way to learn of a merge.
      if (request.state !== 'merged') await schedule(() => pollPr(deps, request));
      const fresh = await deps.store.getRequest(request.id);
      if (fresh) await verifyOnce(deps, fresh, rules);
    } catch (err) {
      deps.log.warn('tracking a rollback failed this round', { request: request.id, error: err });
    }
  }
}

export interface PullRequestEvent {
  /** `owner/name` of the repository the delivery is about (the PR's base). */
  readonly repo: string;
  readonly number: number;
  /** The PR's head branch: a delivery that beats the opener to storing the number is matched by it. */
  readonly branch?: string;
  /** What happened (`opened`, `synchronize`, `closed`, …): new commits are evaluated for the pin. */
  readonly action?: string;
}

/**
 * A pull_request delivery (webhook). It only says which PR changed: the request is found by the PR
 * number it stored, or by the exact branch stored with it; then GitHub itself is asked what the PR is
 * now, so a replayed, stale or out-of-order delivery changes nothing that is not true. A PR the opener
 * has not recorded yet (a fast merge, an auto-merge rule) is adopted only if it is the bot's own: from
 * the request's branch in the config repository, opened by the bot. Returns the request id, if ours.
 */
export async function onPullRequestEvent(
  deps: WorkflowDeps,
  e: PullRequestEvent,
): Promise<string | undefined> {
  const services = deps.config.services.filter(
    (s) => `${s.repo.owner}/${s.repo.name}`.toLowerCase() === e.repo.toLowerCase(),
  );
  let request: RollbackRequest | undefined;
  for (const s of services) request ??= await deps.store.findByPr(s.name, e.number);
  if (!request && e.branch) {
    for (const s of services) request ??= await deps.store.findByBranch(s.name, e.branch);
  }
  const service = request ? services.find((s) => s.name === request?.service) : undefined;
  if (!request || !service) return undefined;
  if (request.pr && request.pr.number !== e.number) return undefined;
  if (!request.pr && !['approved', 'pr_failed'].includes(request.state)) return undefined;

  const pr = await deps.pulls.get(service.repo.owner, service.repo.name, e.number);
  if (!request.pr) {
    const expected = {
      botLogin: await deps.pulls.botLogin(),
      repo: `${service.repo.owner}/${service.repo.name}`,
      branch: branchOf(request, service),
    };
    const verdict = judgePull(pr, expected);
    if (!verdict.ok) {
      deps.log.warn('a pull request under a request’s branch is not the bot’s own: ignored', {
        request: request.id,
        number: e.number,
        problem: verdict.problem,
      });
      await audit(deps, {
        requestId: request.id,
        service: service.name,
        kind: 'foreign_pr_ignored',
        detail: { number: e.number, problem: verdict.problem },
      });
      return undefined;
    }
    const adopted = { number: pr.number, url: pr.url, branch: expected.branch, openedAt: deps.now() };
    request = await adoptPr(deps, request, service, adopted);
    if (!request) return undefined;
  }
  if (request.pr?.number !== e.number) return undefined;
  await applyPullState(deps, request, pr);
  return request.id;
}
