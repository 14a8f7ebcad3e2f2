/**
 * The checks of a plan, one small function each, in the order people read them. Each reads the facts
 * worked out once (domain/plan.ts) and says whether the plan passes it, in a sentence for people.
 */
import type { Check, CheckId, PlanFacts } from './planTypes.js';
import { compareVersions } from './semver.js';
import { assessIteration } from './targets.js';

const check = (id: CheckId, ok: boolean, text: string): Check => ({ id, ok, text });

function hoursAgo(at: Date, now: Date): string {
  const h = (now.getTime() - at.getTime()) / 3_600_000;
  return h < 1 ? `${Math.max(1, Math.round(h * 60))} min ago` : `${Math.round(h * 10) / 10} h ago`;
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
  // A registry serves a version by its exact number: there is no prefix to fall into.
  if (inputs.catalog.registry) return undefined;
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
      `no rollback ${service.action === 'registry_alias' ? 'alias move' : 'PR'} for ${service.name} in the last ${service.cooldownHours} h`,
    );
  }
  const did = service.action === 'registry_alias' ? 'moved the alias back' : 'opened a rollback PR';
  const when = `${lastRollback.id} ${did} ${hoursAgo(lastRollback.at, now)}`;
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
export const CHECKS: readonly PlanCheck[] = [
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

export function activeRequestCheck(
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
