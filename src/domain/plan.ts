/**
 * A plan: everything a rollback request would do, decided before anyone approves it. The iteration CI
 * will deploy, the exact one-line diff, and every check with its result. Pure: the caller gathers the
 * bucket, the config file and the store's view, and this decides.
 */
import type { Target } from './command.js';
import type { VersionRead } from './configFile.js';
import type { Catalog, Iteration, ModelObject } from './iterations.js';
import { compareVersions } from './semver.js';
import { assessIteration, lastKnownGood, resolveLikeCi } from './targets.js';
import { setVersionAt } from './tomlEdit.js';

export type CheckId =
  | 'target_exists'
  | 'validated'
  | 'promoted'
  | 'not_shadowed'
  | 'lower_than_configured'
  | 'not_configured'
  | 'no_active_request'
  | 'cooldown'
  | 'config_file';

export interface Check {
  readonly id: CheckId;
  readonly ok: boolean;
  readonly text: string;
}

export interface Plan {
  readonly targetVersion: string;
  readonly targetIteration?: string;
  readonly configuredVersion?: string;
  readonly branch: string;
  readonly configPath: string;
  readonly blobSha: string;
  /** The file as planned; the PR applies the edit to exactly this text (or refuses). */
  readonly configText: string;
  readonly from: readonly { readonly environment: string; readonly modelVersion?: string }[];
  readonly diff?: { readonly lineNumber: number; readonly before: string; readonly after: string };
  /** For action = "registry_alias": the one write, instead of a diff. */
  readonly aliasMove?: {
    readonly model: string;
    readonly alias: string;
    readonly from?: string;
    readonly to: string;
  };
  readonly checks: readonly Check[];
  readonly ok: boolean;
  readonly forced: boolean;
  readonly madeAt: string;
}

export interface PlanInputs {
  readonly service: {
    readonly name: string;
    readonly versionKey: readonly string[];
    readonly configPath: string;
    readonly promotedEnvironments: readonly string[];
    readonly cooldownHours: number;
    /** Default config_pr: the plan changes the file's version line. */
    readonly action?: 'config_pr' | 'registry_alias';
    readonly mlflow?: { readonly model: string; readonly alias: string };
  };
  readonly catalog: Catalog;
  readonly configured: {
    readonly branch: string;
    readonly blobSha: string;
    readonly text: string;
    readonly version: VersionRead;
  };
  readonly target: Target;
  readonly served: readonly { readonly environment: string; readonly modelVersion?: string }[];
  readonly liveVersion?: string;
  readonly rolledBackFrom?: ReadonlySet<string>;
  readonly activeRequest?: { readonly id: string; readonly state: string };
  readonly lastRollback?: { readonly id: string; readonly at: Date };
  readonly force: boolean;
  readonly now: Date;
}

const check = (id: CheckId, ok: boolean, text: string): Check => ({ id, ok, text });

function hoursAgo(at: Date, now: Date): string {
  const h = (now.getTime() - at.getTime()) / 3_600_000;
  return h < 1 ? `${Math.max(1, Math.round(h * 60))} min ago` : `${Math.round(h * 10) / 10} h ago`;
}

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

/** What every check reads: the inputs, and the target as CI will resolve it, worked out once. */
interface PlanFacts {
  readonly inputs: PlanInputs;
  readonly chosen: ReturnType<typeof chooseTarget>;
  readonly version: string;
  /** What CI deploys for the version: may be another version's directory (the prefix trap). */
  readonly resolved?: ModelObject;
  /** The iteration judged: the one named, or the one CI resolves the version to, of that version. */
  readonly iteration?: Iteration;
  readonly configuredVersion?: string;
  readonly cooling: boolean;
  /** The version line's edit, when the plan changes the file. */
  readonly edit?: ReturnType<typeof setVersionAt>;
}

/** One check of a plan; undefined when it does not apply to these facts. */
type PlanCheck = (f: PlanFacts) => Check | undefined;

const targetExists: PlanCheck = ({ chosen, version, resolved, inputs }) => {
  const name = chosen.iteration ?? version;
  const exists = chosen.iteration
    ? inputs.catalog.iterations.get(chosen.iteration)?.model !== undefined
    : resolved !== undefined;
  const model = inputs.service.mlflow?.model;
  const found = model
    ? exists
      ? `version ${name} of ${model} is READY in the registry`
      : `${model} has no READY version ${name} in the registry`
    : exists
      ? `${name} is in the bucket`
      : `${name} has no model.zip in the bucket`;
  return check('target_exists', exists, chosen.why ?? found);
};

const validated: PlanCheck = ({ iteration }) => {
  if (!iteration) return undefined;
  const v = iteration.validation;
  return check(
    'validated',
    v === 'passed',
    v === 'passed'
      ? `${iteration.name} passed validation`
      : v === 'failed'
        ? `${iteration.name} failed validation: CI refuses to deploy it`
        : `${iteration.name} never passed validation: CI refuses to deploy it`,
  );
};

const promoted: PlanCheck = ({ iteration, inputs }) => {
  if (!iteration) return undefined;
  const envs = inputs.service.promotedEnvironments;
  const { reasons } = assessIteration(inputs.catalog, iteration, { promotedEnvironments: envs });
  const reached = envs.filter((e) => iteration.reached[e]);
  const ok = !reasons.some((r) => r.code === 'never_promoted');
  const alias = inputs.catalog.registry?.alias;
  if (alias) {
    return check(
      'promoted',
      ok,
      ok
        ? `${iteration.name} has been \`${alias}\` before (it reached production)`
        : `${iteration.name} has never been \`${alias}\`: it never reached production`,
    );
  }
  return check(
    'promoted',
    ok,
    reached.length
      ? `${iteration.name} reached ${reached.join(' and ')}`
      : `${iteration.name} never reached ${envs.join(' or ')}: the garbage collector may delete it`,
  );
};

const notShadowed: PlanCheck = ({ iteration, resolved, version, inputs }) => {
  if (!iteration) {
    return resolved
      ? check(
          'not_shadowed',
          false,
          `prefix trap: CI looks models up by the string prefix "${version}" and would deploy ${resolved.directory}, a different version`,
        )
      : undefined;
  }
  if (!resolved || resolved.directory === iteration.name) {
    return check('not_shadowed', true, `CI resolves ${version} to ${iteration.name}`);
  }
  return check(
    'not_shadowed',
    false,
    inputs.catalog.iterations.get(resolved.directory)?.version === version
      ? `CI resolves ${version} to the newer ${resolved.directory}, not ${iteration.name}`
      : `prefix trap: CI looks models up by the string prefix "${version}" and would deploy ${resolved.directory}, whose model.zip is newer`,
  );
};

const lowerThanConfigured: PlanCheck = ({ configuredVersion, chosen, version, inputs }) => {
  if (!configuredVersion || !chosen.version) return undefined;
  const ok = compareVersions(version, configuredVersion) <= 0;
  const on = inputs.configured.branch;
  const why =
    inputs.service.action === 'registry_alias'
      ? 'moving the alias forward is a release, not a rollback; release it normally'
      : 'a higher version makes CI train a new model; release it normally instead';
  return check(
    'lower_than_configured',
    ok,
    ok
      ? `${version} is not higher than ${configuredVersion} on ${on}`
      : `${version} is higher than ${configuredVersion} on ${on}: ${why}`,
  );
};

const notConfigured: PlanCheck = ({ configuredVersion, chosen, version, inputs }) => {
  if (!configuredVersion || !chosen.version) return undefined;
  const ok = compareVersions(version, configuredVersion) !== 0;
  const on = inputs.configured.branch;
  return check(
    'not_configured',
    ok,
    ok ? `${on} configures ${configuredVersion}` : `${on} already configures ${version}`,
  );
};

const noActiveRequest: PlanCheck = ({ inputs }) =>
  activeRequestCheck(inputs.service.name, inputs.activeRequest);

const cooldown: PlanCheck = ({ inputs, cooling }) => {
  const { service, lastRollback, force, now } = inputs;
  if (!cooling || !lastRollback) {
    return check(
      'cooldown',
      true,
      `no rollback PR for ${service.name} in the last ${service.cooldownHours} h`,
    );
  }
  const when = `${lastRollback.id} opened a rollback PR ${hoursAgo(lastRollback.at, now)}`;
  return force
    ? check('cooldown', true, `break-glass: cooldown lifted by --force (${when})`)
    : check(
        'cooldown',
        false,
        `${when} (cooldown ${service.cooldownHours} h): add --force and a note to break glass`,
      );
};

const configFile: PlanCheck = ({ inputs, edit }) => {
  const { configured, service } = inputs;
  if (service.action === 'registry_alias') {
    const where = `\`${service.mlflow?.alias}\` of ${service.mlflow?.model}`;
    return configured.version.ok
      ? check('config_file', true, `${where} points to ${configured.version.version}; only the alias moves`)
      : check('config_file', false, `${where}: ${configured.version.problem}`);
  }
  if (!configured.version.ok) {
    return check('config_file', false, `${service.configPath}: ${configured.version.problem}`);
  }
  const keyPath = service.versionKey.join('.');
  if (!edit) return check('config_file', true, `${service.configPath} parses and has \`${keyPath}\``);
  return edit.ok
    ? check('config_file', true, `${service.configPath} parses and only \`${keyPath}\` changes`)
    : check('config_file', false, `${service.configPath}: ${edit.problem}`);
};

/** Every check, in the order people read them. */
const CHECKS: readonly PlanCheck[] = [
  targetExists,
  validated,
  promoted,
  notShadowed,
  lowerThanConfigured,
  notConfigured,
  noActiveRequest,
  cooldown,
  configFile,
];

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

function activeRequestCheck(
  service: string,
  active?: { readonly id: string; readonly state: string },
): Check {
  return check(
    'no_active_request',
    !active,
    active
      ? `${active.id} is already active for ${service} (${active.state}): finish or cancel it first`
      : `no other active request for ${service}`,
  );
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
