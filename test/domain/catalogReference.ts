/**
 * The bucket read and the catalog questions answered the obvious way, as src/domain did before the catalog
 * had indexes (commit 7090b32): key by key, then scans and filters over every model and iteration. Slow
 * (versions × models), so only for tests that prove the indexed answers are the same.
 */
import {
  type BucketObject,
  type Catalog,
  type Iteration,
  type IterationNaming,
  type ModelObject,
  parseIterationName,
} from '../../src/domain/iterations.js';
import { type Served, type VersionRow, versionOfServed } from '../../src/domain/overview.js';
import { compareVersions } from '../../src/domain/semver.js';
import {
  type Assessment,
  resolveByScan,
  type TargetRules,
  type UnsafeReason,
} from '../../src/domain/targets.js';

/** The bucket read key by key, matching every key's directory against the naming pattern. */
export function referenceListing(
  objects: Iterable<BucketObject>,
  options: { prefix: string; naming: IterationNaming; environments: readonly string[] },
): Pick<Catalog, 'iterations' | 'models'> {
  type Draft = { model?: Iteration['model']; passed?: Date; failed?: Date; reached: Record<string, Date> };
  const drafts = new Map<string, Draft>();
  const models: ModelObject[] = [];
  const envs = new Set(options.environments);
  for (const object of objects) {
    if (!object.key.startsWith(options.prefix)) continue;
    const rel = object.key.slice(options.prefix.length);
    const slash = rel.indexOf('/');
    if (slash <= 0) continue;
    const directory = rel.slice(0, slash);
    const file = rel.slice(slash + 1);
    if (file === 'model.zip')
      models.push({ directory, lastModified: object.lastModified, size: object.size });
    if (!parseIterationName(directory, options.naming)) continue;
    let draft = drafts.get(directory);
    if (!draft) {
      draft = { reached: {} };
      drafts.set(directory, draft);
    }
    if (file === 'model.zip') draft.model = { lastModified: object.lastModified, size: object.size };
    else if (file === 'passed') draft.passed = object.lastModified;
    else if (file === 'failed') draft.failed = object.lastModified;
    else if (envs.has(file)) draft.reached[file] = object.lastModified;
  }
  const iterations = new Map<string, Iteration>();
  for (const [name, draft] of drafts) {
    const parsed = parseIterationName(name, options.naming);
    if (!parsed) continue;
    const { passed, failed } = draft;
    const verdict: Pick<Iteration, 'validation' | 'validatedAt'> =
      passed && (!failed || passed >= failed)
        ? { validation: 'passed', validatedAt: passed }
        : failed
          ? { validation: 'failed', validatedAt: failed }
          : { validation: 'unvalidated' };
    iterations.set(name, { name, ...parsed, ...verdict, model: draft.model, reached: draft.reached });
  }
  return { iterations, models };
}

export function referenceVersions(catalog: Catalog): string[] {
  return [...new Set([...catalog.iterations.values()].map((i) => i.version))].sort((a, b) =>
    compareVersions(b, a),
  );
}

export function referenceIterationsOf(catalog: Catalog, version: string): Iteration[] {
  return [...catalog.iterations.values()]
    .filter((i) => i.version === version)
    .sort((a, b) => (b.model?.lastModified.getTime() ?? 0) - (a.model?.lastModified.getTime() ?? 0));
}

export function referenceAssessIteration(
  catalog: Catalog,
  iteration: Iteration,
  rules: TargetRules,
): Assessment {
  const reasons: UnsafeReason[] = [];
  const resolved = resolveByScan(catalog, iteration.version);
  if (!iteration.model) reasons.push({ code: 'no_model' });
  if (iteration.validation === 'failed') reasons.push({ code: 'failed_validation' });
  if (iteration.validation === 'unvalidated') reasons.push({ code: 'not_validated' });
  if (!rules.promotedEnvironments.some((env) => iteration.reached[env])) {
    reasons.push({ code: 'never_promoted', environments: rules.promotedEnvironments });
  }
  if (resolved && resolved.directory !== iteration.name) {
    const other = catalog.iterations.get(resolved.directory);
    reasons.push(
      other && other.version === iteration.version
        ? { code: 'superseded', by: resolved.directory }
        : { code: 'prefix_trap', by: resolved.directory },
    );
  }
  if (rules.liveVersion !== undefined) {
    const order = compareVersions(iteration.version, rules.liveVersion);
    if (order === 0) reasons.push({ code: 'is_live' });
    else if (order > 0) reasons.push({ code: 'newer_than_live', live: rules.liveVersion });
  }
  return { version: iteration.version, iteration, resolved, safe: reasons.length === 0, reasons };
}

export function referenceAssessVersion(catalog: Catalog, version: string, rules: TargetRules): Assessment {
  const resolved = resolveByScan(catalog, version);
  if (!resolved) return { version, safe: false, reasons: [{ code: 'not_found' }] };
  const iteration = catalog.iterations.get(resolved.directory);
  if (!iteration || iteration.version !== version) {
    return {
      version,
      iteration,
      resolved,
      safe: false,
      reasons: [{ code: 'prefix_trap', by: resolved.directory }],
    };
  }
  return referenceAssessIteration(catalog, iteration, rules);
}

export function referenceLastKnownGood(
  catalog: Catalog,
  rules: TargetRules & { readonly rolledBackFrom?: ReadonlySet<string> },
): Assessment | undefined {
  const excluded = rules.rolledBackFrom ?? new Set<string>();
  for (const version of referenceVersions(catalog)) {
    if (rules.liveVersion !== undefined && compareVersions(version, rules.liveVersion) >= 0) continue;
    if (excluded.has(version)) continue;
    const assessment = referenceAssessVersion(catalog, version, rules);
    if (!assessment.safe || !assessment.iteration || excluded.has(assessment.iteration.name)) continue;
    return assessment;
  }
  return undefined;
}

export function referenceVersionRows(
  catalog: Catalog,
  served: readonly Served[],
  configuredVersion: string | undefined,
  rules: TargetRules,
  naming: IterationNaming,
): VersionRow[] {
  return referenceVersions(catalog).map((version) => {
    const assessment = referenceAssessVersion(catalog, version, rules);
    const own = [...catalog.iterations.values()].filter((i) => i.version === version);
    const deploys = assessment.iteration?.version === version ? assessment.iteration : undefined;
    return {
      version,
      assessment,
      deploys,
      iterationCount: own.length,
      servedBy: served
        .filter((s) => s.modelVersion && versionOfServed(s.modelVersion, naming) === version)
        .map((s) => s.environment),
      configured: configuredVersion === version,
    };
  });
}
