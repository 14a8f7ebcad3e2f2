/**
 * The pin: a rollback whose PR merged (or whose alias moved) holds the service at its target until an
 * approver unpins it, and a later rollback re-pins it at its own target. While pinned, every open PR
 * of the config repository that sets another version gets a failing `model-pin` check on GitHub; the
 * rest pass (a required check must pass when nothing is pinned too).
 *
 * Checks are evaluated on pin and unpin, on pull_request webhooks (opened, synchronize, reopened), and
 * in every tracking round (the lease holder's: once across replicas), so webhooks stay optional. An
 * evaluation is idempotent: the same conclusion twice is harmless, and it is not written again when
 * the PR's head commit already shows the bot's own check with it.
 */
import { findService, type ServiceConfig } from '../config/botConfig.js';
import {
  checkSummary,
  isPinned,
  judgePullForPin,
  type Pin,
  type PinVerdict,
  statusDescription,
} from '../domain/pin.js';
import type { Approvers } from '../domain/policy.js';
import { isApprover } from '../domain/policy.js';
import { ACTIVE_STATES, type RollbackRequest } from '../domain/request.js';
import type { OpenPull } from '../ports/github.js';
import { audit } from './audit.js';
import type { WorkflowDeps } from './deps.js';
import { postOnce } from './milestones.js';

/**
 * Pins the request's service at its target, from this moment (verification still running). Safe to
 * call again: the same request's pin is written, said and audited once.
 */
export async function pinAt(deps: WorkflowDeps, r: RollbackRequest, by: string | undefined): Promise<void> {
  const pinnedAt = deps.now();
  const threadLink = await deps.cards.permalink(r).catch(() => undefined);
  const pin: Pin = {
    service: r.service,
    version: r.plan.targetVersion,
    requestId: r.id,
    reason: r.note ? `${r.reason}: ${r.note}` : r.reason,
    pinnedAt,
    pinnedBy: by,
    threadLink,
  };
  const previous = await deps.store.getPin(r.service);
  if (!(await deps.store.setPin(pin))) return;
  await audit(deps, {
    requestId: r.id,
    service: r.service,
    kind: 'pinned',
    actor: by,
    detail: {
      version: pin.version,
      reason: pin.reason,
      replaces: isPinned(previous) ? { request: previous.requestId, version: previous.version } : undefined,
    },
  });
  await postOnce(deps, r, 'pinned', {
    kind: 'pinned',
    service: r.service,
    version: pin.version,
    id: r.id,
    reason: pin.reason,
    since: pinnedAt.toISOString(),
  });
  deps.cards.refresh(r.id);
  if (isPinned(previous) && previous.requestId !== r.id) deps.cards.refresh(previous.requestId);
  const service = findService(deps.config, r.service);
  if (service) await evaluateService(deps, service).catch((err) => warnChecks(deps, service, err));
}

export type UnpinOutcome =
  | { readonly kind: 'unpinned'; readonly pin: Pin }
  | { readonly kind: 'not_pinned'; readonly service: string }
  | { readonly kind: 'not_approver'; readonly service: string; readonly approvers: Approvers };

/**
 * `/rollback unpin <service> <note>`: approvers only (a user group is read afresh, as for the click that
 * completes an approval), audited, said in the pinning request's thread; every open PR's check turns
 * green.
 */
export async function unpin(
  deps: WorkflowDeps,
  service: ServiceConfig,
  actor: { readonly id: string; readonly name?: string },
  note: string,
): Promise<UnpinOutcome> {
  const listed = service.approvers.users.includes(actor.id);
  const members = listed
    ? new Set<string>()
    : await deps.directory.membersOf(service.approvers.usergroups, { fresh: true });
  if (!isApprover(actor.id, service.approvers, members)) {
    await audit(deps, {
      service: service.name,
      kind: 'unpin_refused',
      actor: actor.id,
      actorName: actor.name,
      detail: { why: 'not_approver', note },
    });
    return { kind: 'not_approver', service: service.name, approvers: service.approvers };
  }
  const ended = await deps.store.unpin(service.name, actor.id, note, deps.now());
  if (!ended) return { kind: 'not_pinned', service: service.name };
  await audit(deps, {
    requestId: ended.requestId,
    service: service.name,
    kind: 'unpinned',
    actor: actor.id,
    actorName: actor.name,
    detail: { version: ended.version, note },
  });
  const request = await deps.store.getRequest(ended.requestId);
  if (request) {
    await postOnce(deps, request, `unpinned:${ended.pinnedAt.toISOString()}`, {
      kind: 'unpinned',
      service: service.name,
      version: ended.version,
      by: actor.id,
      note,
    });
    deps.cards.refresh(request.id);
  }
  await evaluateService(deps, service).catch((err) => warnChecks(deps, service, err));
  return { kind: 'unpinned', pin: ended };
}

const warnChecks = (deps: WorkflowDeps, service: ServiceConfig, err: unknown) =>
  deps.log.warn('the model-pin checks could not be set; the next round tries again', {
    service: service.name,
    error: err,
  });

/** What this process knows is on GitHub already: `repo#sha` → the pin and verdict it shows. */
const known = new WeakMap<WorkflowDeps, Map<string, string>>();
const knownOf = (deps: WorkflowDeps) => {
  const map = known.get(deps) ?? new Map<string, string>();
  known.set(deps, map);
  return map;
};
const pinKey = (pin: Pin | undefined) =>
  isPinned(pin) ? `${pin.version}@${pin.requestId}@${pin.pinnedAt.toISOString()}` : 'none';

/**
 * Evaluates one open PR: what it does to the version line against the pin. Returns the verdict, and
 * whether it was written (skipped when the head commit shows the bot's check with that conclusion).
 */
export async function evaluatePull(
  deps: WorkflowDeps,
  service: ServiceConfig,
  pull: OpenPull,
  pin?: Pin,
): Promise<{ verdict: PinVerdict; written: boolean }> {
  const { owner, name } = service.repo;
  const cacheKey = `${owner}/${name}#${pull.headSha}`;
  const verdict = await judge(deps, service, pull, pin);
  const seen = knownOf(deps);
  const shown = `${pinKey(pin)}|${verdict.conclusion}|${verdict.title}`;
  // A failing commit status is read again every time: anyone with write access could have set a
  // green one of the same name since (a check run is the app's alone, so it is trusted once known).
  const recheck = deps.checks.kind === 'commit_status' && verdict.conclusion === 'failure';
  if (!recheck && seen.get(cacheKey) === shown) return { verdict, written: false };
  const current = await deps.checks.current(owner, name, pull.headSha);
  // A check already showing this conclusion is left alone (another replica, an earlier round).
  if (current === verdict.conclusion) {
    seen.set(cacheKey, shown);
    return { verdict, written: false };
  }
  await deps.checks.write(owner, name, pull.headSha, {
    conclusion: verdict.conclusion,
    title: verdict.title,
    summary: checkSummary(pin, verdict, service.name),
    description: statusDescription(verdict),
    detailsUrl:
      isPinned(pin) && pin.threadLink && /^https?:\/\//.test(pin.threadLink) ? pin.threadLink : undefined,
  });
  seen.set(cacheKey, shown);
  return { verdict, written: true };
}

async function judge(
  deps: WorkflowDeps,
  service: ServiceConfig,
  pull: OpenPull,
  pin: Pin | undefined,
): Promise<PinVerdict> {
  // The bot's own rollback PR (one it opened or adopted for an active request) sets the target that
  // will be pinned next: it passes.
  const own = await deps.store.findByPr(service.name, pull.number);
  if (own && (ACTIVE_STATES as readonly string[]).includes(own.state) && own.pr?.number === pull.number) {
    return {
      conclusion: 'success',
      title: `The rollback PR of ${own.id}`,
      why: `This is the rollback of ${own.id}, approved in Slack; it pins ${service.name} at ${own.plan.targetVersion} once merged.`,
    };
  }
  if (!isPinned(pin)) return judgePullForPin(pin, { touched: false }, service.versionKey);
  const { owner, name } = service.repo;
  const change = await deps.checks.readPullConfig(owner, name, pull, service);
  return judgePullForPin(pin, change, service.versionKey);
}

/** Every open PR of the service's config repository (a round, a pin, an unpin). */
export async function evaluateService(deps: WorkflowDeps, service: ServiceConfig): Promise<number> {
  if (service.action !== 'config_pr') return 0;
  const pin = await deps.store.getPin(service.name);
  const pulls = await deps.checks.openPulls(service.repo.owner, service.repo.name);
  let written = 0;
  for (const pull of pulls) {
    try {
      if ((await evaluatePull(deps, service, pull, pin)).written) written++;
    } catch (err) {
      deps.log.warn('evaluating a pull request for the model-pin check failed', {
        service: service.name,
        number: pull.number,
        error: err,
      });
    }
  }
  return written;
}

/** The tracking round's part: every config_pr service, one list call each when nothing changed. */
export async function evaluateAllPins(
  deps: WorkflowDeps,
  schedule: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn(),
): Promise<void> {
  // One evaluation per repository: services sharing a repository share its PRs (the first one's pin).
  for (const service of deps.config.services) {
    if (service.action !== 'config_pr') continue;
    await schedule(() => evaluateService(deps, service)).catch((err) => warnChecks(deps, service, err));
  }
}

/**
 * A pull_request webhook (opened, synchronize, reopened): the PR is read from GitHub (the delivery only
 * says which one) and evaluated for every service whose config lives in that repository.
 */
export async function onPullRequestChanged(
  deps: WorkflowDeps,
  e: { readonly repo: string; readonly number: number },
): Promise<boolean> {
  const services = deps.config.services.filter(
    (s) =>
      s.action === 'config_pr' && `${s.repo.owner}/${s.repo.name}`.toLowerCase() === e.repo.toLowerCase(),
  );
  let evaluated = false;
  for (const service of services) {
    const pull = await deps.checks.openPull(service.repo.owner, service.repo.name, e.number);
    if (!pull) continue;
    await evaluatePull(deps, service, pull, await deps.store.getPin(service.name));
    evaluated = true;
  }
  return evaluated;
}

/**
 * registry_alias: the alias of a pinned service moved away from the pin (a release, a hand move). Said
 * once per version in the pinning request's thread, and audited; `status` shows it while it lasts.
 */
export async function noticeAliasMoved(
  deps: WorkflowDeps,
  service: ServiceConfig,
  alias: string,
  version: string,
): Promise<void> {
  const pin = await deps.store.getPin(service.name);
  if (!isPinned(pin) || pin.version === version) return;
  // The bot's own move of a new rollback (it re-pins at once): not a move away from the pin.
  const active = await deps.store.findActive(service.name);
  if (active && active.plan.targetVersion === version) return;
  const request = await deps.store.getRequest(pin.requestId);
  if (!request) return;
  const said = await postOnce(deps, request, `pin_alias_moved:${version}:${pin.pinnedAt.toISOString()}`, {
    kind: 'pin_alias_moved',
    service: service.name,
    alias,
    from: pin.version,
    to: version,
    id: pin.requestId,
  });
  if (said) {
    await audit(deps, {
      requestId: pin.requestId,
      service: service.name,
      kind: 'pin_alias_moved',
      detail: { alias, pinned: pin.version, now: version },
    });
  }
}
