/**
 * Following a rollback after its PR opened: the PR's fate (webhook or polling), then the healthchecks
 * until every environment serves the target. Each milestone is claimed in the store before it is
 * posted, so a restart or a repeated webhook never posts it twice.
 */
import { type EnvironmentConfig, findService, type ServiceConfig } from '../config/botConfig.js';
import { type EnvProgress, minutesBetween, observe, type Progress } from '../domain/progress.js';
import type { RollbackRequest } from '../domain/request.js';
import type { WorkflowDeps } from './ports.js';

export interface TrackingRules {
  readonly consecutiveReads: number;
  readonly timeoutMinutes: number;
}

const since = (r: RollbackRequest) => r.alarm?.at ?? r.createdAt;
const after = (r: RollbackRequest, now: Date) =>
  `${minutesBetween(since(r), now)} min after the ${r.alarm ? 'alarm' : 'request'}`;

async function once(
  deps: WorkflowDeps,
  r: RollbackRequest,
  key: string,
  post: () => Promise<void>,
): Promise<void> {
  if (await deps.store.claimMilestone(r.id, key)) await post();
}

export async function onMerged(
  deps: WorkflowDeps,
  r: RollbackRequest,
  by: string | undefined,
  at: Date,
): Promise<void> {
  const progress: Progress = { envs: r.progress?.envs ?? {}, mergedAt: at.toISOString(), mergedBy: by };
  if (!(await deps.store.transition(r.id, ['pr_open', 'abandoned'], 'merged', { progress }))) return;
  await deps.store.recordEvent({
    requestId: r.id,
    service: r.service,
    kind: 'merged',
    actor: by,
    detail: { pr: r.pr?.number },
  });
  deps.log.info('audit: rollback PR merged', { event: 'merged', request: r.id, by });
  await once(deps, r, 'merged', () =>
    deps.cards.reply(
      r,
      `:twisted_rightwards_arrows: PR #${r.pr?.number} merged${by ? ` by ${by}` : ''}. Watching the environments deployed from main.`,
    ),
  );
  deps.cards.refresh(r.id);
}

export async function onClosedUnmerged(deps: WorkflowDeps, r: RollbackRequest, by?: string): Promise<void> {
  if (!(await deps.store.transition(r.id, ['pr_open'], 'abandoned'))) return;
  await deps.store.recordEvent({
    requestId: r.id,
    service: r.service,
    kind: 'abandoned',
    actor: by,
    detail: { pr: r.pr?.number },
  });
  deps.log.info('audit: rollback PR closed without merge', { event: 'abandoned', request: r.id, by });
  await once(deps, r, 'abandoned', () =>
    deps.cards.reply(
      r,
      `:no_entry_sign: PR #${r.pr?.number} was closed without merging, so ${r.id} is abandoned: nothing was deployed from main. Reopen the PR to resume, or ask again with \`/rollback to ${r.plan.targetVersion} ${r.service}\`.`,
      { broadcast: true },
    ),
  );
  deps.cards.refresh(r.id);
}

export async function onReopened(deps: WorkflowDeps, r: RollbackRequest): Promise<void> {
  if (!(await deps.store.transition(r.id, ['abandoned'], 'pr_open'))) return;
  await deps.store.recordEvent({
    requestId: r.id,
    service: r.service,
    kind: 'reopened',
    detail: { pr: r.pr?.number },
  });
  await deps.cards.reply(
    r,
    `:arrows_counterclockwise: PR #${r.pr?.number} was reopened; following it again.`,
  );
  deps.cards.refresh(r.id);
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
  const now = deps.now();
  const envs: Record<string, EnvProgress> = { ...(request.progress?.envs ?? {}) };
  const events: Array<{ env: EnvironmentConfig; outcome: 'verified' | 'failed'; state: EnvProgress }> = [];
  for (const { env, since: start } of watched(request, service)) {
    const current = envs[env.name] ?? { since: start, consecutive: 0 };
    if (current.verifiedAt || current.failedAt) continue;
    const read = await deps.status.healthchecks.read(env);
    const result = observe(
      current,
      { modelVersion: read.ok ? read.modelVersion : undefined },
      { target, ...rules, now },
    );
    envs[env.name] = result.env;
    if (result.outcome === 'verified' || result.outcome === 'failed') {
      events.push({ env, outcome: result.outcome, state: result.env });
    }
  }
  const progress: Progress = { ...(request.progress ?? {}), envs };
  await deps.store.update(request.id, { progress });
  const fresh = (await deps.store.getRequest(request.id)) ?? request;

  for (const e of events) {
    if (e.outcome === 'verified') {
      await once(deps, fresh, `verified:${e.env.name}`, () =>
        deps.cards.reply(
          fresh,
          e.env.deployPhase === 'pull_request'
            ? `:white_check_mark: Served on ${e.env.name}: \`${target}\` (${rules.consecutiveReads} consecutive healthcheck reads), from the PR branch.`
            : `:white_check_mark: ${e.env.name} verified: serves \`${target}\`.`,
        ),
      );
    } else {
      const seen = e.state.lastSeen ? `still serves \`${e.state.lastSeen}\`` : 'could not be read';
      await once(deps, fresh, `failed:${e.env.name}`, () =>
        deps.cards.reply(
          fresh,
          `:rotating_light: ${e.env.name} ${seen} after ${rules.timeoutMinutes} min, not \`${target}\`. Check the deploy pipeline for ${e.env.name}; the bot stops waiting for it.`,
        ),
      );
    }
  }
  await conclude(deps, fresh, service, target);
  deps.cards.refresh(request.id);
}

/** Completes the request once every environment deployed from main is verified, or fails it. */
async function conclude(deps: WorkflowDeps, r: RollbackRequest, service: ServiceConfig, target: string) {
  if (r.state !== 'merged') return;
  const mergeEnvs = service.environments.filter((e) => e.deployPhase === 'merge');
  const envs = r.progress?.envs ?? {};
  const failed = mergeEnvs.find((e) => envs[e.name]?.failedAt);
  const now = deps.now();
  if (failed) {
    if (!(await deps.store.transition(r.id, ['merged'], 'verify_failed', { completedAt: now }))) return;
    await deps.store.recordEvent({
      requestId: r.id,
      service: r.service,
      kind: 'verify_failed',
      detail: { environment: failed.name },
    });
    deps.log.info('audit: rollback not verified', {
      event: 'verify_failed',
      request: r.id,
      environment: failed.name,
    });
    await once(deps, r, 'outcome', () =>
      deps.cards.reply(
        r,
        `:rotating_light: Rollback ${r.id} NOT verified: ${failed.name} still serves \`${envs[failed.name]?.lastSeen ?? 'unknown'}\` after ${minutesBetween(new Date(envs[failed.name]?.since ?? now), now)} min. The PR is merged; check the ${failed.name} deploy.`,
        { broadcast: true },
      ),
    );
    return;
  }
  if (!mergeEnvs.every((e) => envs[e.name]?.verifiedAt)) return;
  if (!(await deps.store.transition(r.id, ['merged'], 'completed', { completedAt: now }))) return;
  await deps.store.recordEvent({ requestId: r.id, service: r.service, kind: 'verified', detail: { target } });
  deps.log.info('audit: rollback verified', { event: 'verified', request: r.id, target });
  const last = mergeEnvs.at(-1)?.name ?? 'production';
  await once(deps, r, 'outcome', () =>
    deps.cards.reply(r, `:tada: Rollback complete: ${last} serves ${target}, ${after(r, now)}.`, {
      broadcast: true,
    }),
  );
}

/** Polls the PR when no webhook tells us about it. */
export async function pollPr(deps: WorkflowDeps, r: RollbackRequest): Promise<void> {
  const service = findService(deps.config, r.service);
  if (!service || !r.pr || (r.state !== 'pr_open' && r.state !== 'abandoned')) return;
  const pr = await deps.pulls.get(service.repo.owner, service.repo.name, r.pr.number);
  if (pr.merged) await onMerged(deps, r, pr.mergedBy, pr.mergedAt ?? deps.now());
  else if (pr.state === 'closed' && r.state === 'pr_open') await onClosedUnmerged(deps, r);
  else if (pr.state === 'open' && r.state === 'abandoned') await onReopened(deps, r);
}

/** One round for every rollback in flight; safe to call repeatedly and after a restart. */
export async function trackAll(
  deps: WorkflowDeps,
  rules: TrackingRules,
  options: {
    readonly pollPullRequests: boolean;
    readonly schedule?: <T>(fn: () => Promise<T>) => Promise<T>;
  },
): Promise<void> {
  const schedule = options.schedule ?? ((fn) => fn());
  for (const request of await deps.store.inStates(['pr_open', 'merged', 'abandoned'])) {
    try {
      if (options.pollPullRequests && request.state !== 'merged') await schedule(() => pollPr(deps, request));
      const fresh = await deps.store.getRequest(request.id);
      if (fresh) await verifyOnce(deps, fresh, rules);
    } catch (err) {
      deps.log.warn('tracking round failed', { request: request.id, error: err });
    }
  }
}
