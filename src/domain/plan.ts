/**
 * A plan: everything a rollback request would do, decided before anyone approves it. The iteration CI
 * will deploy, the exact one-line diff, and every check with its result. Pure: the caller gathers the
 * bucket, the config file and the store's view, and this decides.
 */
import { activeRequestCheck, CHECKS } from './planChecks.js';
import type { Check, Plan, PlanFacts, PlanInputs } from './planTypes.js';
import { lastKnownGood, resolveLikeCi } from './targets.js';
import { setVersionAt } from './tomlEdit.js';

export type { Check, CheckId, Plan, PlanInputs } from './planTypes.js';

/** What `previous` or a named version/iteration means, as a version and the iteration asked for. */
function chooseTarget(inputs: PlanInputs): { version?: string; iteration?: string; why?: string } {
  const { target, catalog } = inputs;
  if (target.kind === 'previous') {
    const lkg = lastKnownGood(catalog, {
      promotedEnvironments: inputs.service.promotedEnvironments,
      liveVersion:
        inputs.liveVersion ?? (inputs.configured.version.ok ? inputs.configured.version.version : undefined),
      rolledBackFrom: inputs.rolledBackFrom,
    });
    return lkg?.iteration
      ? { version: lkg.version, iteration: lkg.iteration.name }
      : { why: 'no safe target older than the live model: pick a version from `/rollback versions`' };
  }
  if (target.kind === 'iteration') return { version: target.version, iteration: target.iteration };
  return { version: target.version };
}

function factsOf(inputs: PlanInputs): PlanFacts {
  const { catalog, configured } = inputs;
  const chosen = chooseTarget(inputs);
  const version = chosen.version ?? '';
  const resolved = chosen.version ? resolveLikeCi(catalog, version) : undefined;
  const named = chosen.iteration ? catalog.iterations.get(chosen.iteration) : undefined;
  // Only an iteration of the asked version is judged; CI resolving to another version is the prefix trap.
  const resolvedOwn = resolved ? catalog.iterations.get(resolved.directory) : undefined;
  const configuredVersion = configured.version.ok ? configured.version.version : undefined;
  const last = inputs.lastRollback;
  const changes =
    inputs.service.action !== 'registry_alias' &&
    configured.version.ok &&
    chosen.version !== undefined &&
    configuredVersion !== version;
  return {
    inputs,
    chosen,
    version,
    resolved,
    iteration: named ?? (resolvedOwn?.version === version ? resolvedOwn : undefined),
    configuredVersion,
    cooling:
      last !== undefined &&
      inputs.now.getTime() - last.at.getTime() < inputs.service.cooldownHours * 3_600_000,
    edit: changes ? setVersionAt(configured.text, inputs.service.versionKey, version) : undefined,
  };
}

export function buildPlan(inputs: PlanInputs): Plan {
  const facts = factsOf(inputs);
  const checks = CHECKS.flatMap((c) => c(facts) ?? []);
  const { edit } = facts;
  return {
    targetVersion: facts.version,
    targetIteration: facts.iteration?.name ?? facts.resolved?.directory,
    configuredVersion: facts.configuredVersion,
    branch: inputs.configured.branch,
    configPath: inputs.service.configPath,
    blobSha: inputs.configured.blobSha,
    configText: inputs.configured.text,
    from: inputs.served.map((s) => ({ environment: s.environment, modelVersion: s.modelVersion })),
    diff: edit?.ok
      ? { lineNumber: edit.edit.lineNumber, before: edit.edit.before, after: edit.edit.after }
      : undefined,
    aliasMove:
      inputs.service.action === 'registry_alias' && inputs.service.mlflow && facts.version
        ? {
            model: inputs.service.mlflow.model,
            alias: inputs.service.mlflow.alias,
            from: facts.configuredVersion,
            to: facts.version,
          }
        : undefined,
    checks,
    ok: checks.every((c) => c.ok),
    forced: inputs.force && facts.cooling,
    madeAt: inputs.now.toISOString(),
  };
}

export const failedChecks = (plan: Plan): Check[] => plan.checks.filter((c) => !c.ok);

/**
 * The plan as refused because `active` holds the service: what a request sees when it lost the race
 * between the plan's check and the database's one-active-request constraint.
 */
export function refuseForActive(
  plan: Plan,
  active: { readonly id: string; readonly state: string },
  service: string,
): Plan {
  const checks = plan.checks.map((c) =>
    c.id === 'no_active_request' ? activeRequestCheck(service, active) : c,
  );
  return { ...plan, checks, ok: false };
}

/**
 * What a plan rebuilt right before a write means for the approvals given to `approved`. Approvals bind
 * the iteration CI will deploy and the version line they change; anything else (what environments serve
 * now, an unrelated edit of the file) leaves them standing. Any failed check refuses the write, except
 * that the base branch configuring the target already means there is nothing left to do.
 */
export type Rebinding =
  | { readonly kind: 'same' }
  | { readonly kind: 'changed'; readonly why: string }
  | { readonly kind: 'failed'; readonly failed: readonly Check[] }
  | { readonly kind: 'already_configured' };

export function rebind(approved: Plan, now: Plan): Rebinding {
  const failed = failedChecks(now);
  if (failed.length === 1 && failed[0]?.id === 'not_configured') return { kind: 'already_configured' };
  if (failed.length > 0) return { kind: 'failed', failed };
  if (now.targetIteration !== approved.targetIteration) {
    return {
      kind: 'changed',
      why: `CI now resolves ${now.targetVersion} to ${now.targetIteration ?? 'nothing'}, not ${approved.targetIteration}`,
    };
  }
  if (now.configuredVersion !== approved.configuredVersion) {
    return {
      kind: 'changed',
      why: `${now.branch} now configures ${now.configuredVersion ?? 'nothing readable'}, not ${approved.configuredVersion}`,
    };
  }
  return { kind: 'same' };
}
