/**
 * Which iteration CI would deploy for a version, and whether it is a safe rollback target.
 *
 * CI resolves `version = "X"` by listing keys under the plain string prefix `X` and taking the newest
 * model.zip. The bot must use exactly that rule, including its trap: `1.1.1` also matches `1.1.10-…`.
 */
import { type Catalog, type Iteration, type ModelObject, rolledBackIteration } from './iterations.js';
import { newestUnderPrefix } from './prefixIndex.js';
import { compareVersions } from './semver.js';

export type UnsafeReason =
  | { readonly code: 'not_found'; readonly registry?: boolean }
  | { readonly code: 'no_model' }
  | { readonly code: 'failed_validation' }
  | { readonly code: 'not_validated' }
  | {
      readonly code: 'never_promoted';
      readonly environments: readonly string[];
      /** Set for a registry: the alias it has never been. */
      readonly alias?: string;
    }
  | { readonly code: 'superseded'; readonly by: string }
  | { readonly code: 'prefix_trap'; readonly by: string }
  | { readonly code: 'is_live' }
  | { readonly code: 'newer_than_live'; readonly live: string };

export interface Assessment {
  readonly version: string;
  /** The iteration asked about (for a version: the one CI resolves it to, if any). */
  readonly iteration?: Iteration;
  /** What CI would deploy for this version: may be another version's directory (prefix trap). */
  readonly resolved?: ModelObject;
  readonly safe: boolean;
  readonly reasons: readonly UnsafeReason[];
}

export interface TargetRules {
  /** Environments whose marker protects an iteration from garbage collection (deployed from main). */
  readonly promotedEnvironments: readonly string[];
  /** Version of the live model; targets must be strictly older. Unknown: no such check. */
  readonly liveVersion?: string;
}

/**
 * CI's rule: newest model.zip whose directory starts with the version string (on equal LastModified, the
 * greater directory name). Answered from the catalog's prefix index in O(log n); same result as
 * resolveByScan.
 */
export function resolveLikeCi(catalog: Catalog, version: string): ModelObject | undefined {
  // A registry serves a version by its number: "7" never means "70".
  if (catalog.registry) {
    const model = catalog.iterations.get(version)?.model;
    return model ? { directory: version, ...model } : undefined;
  }
  return newestUnderPrefix(catalog.modelIndex, version);
}

/** CI's rule as the obvious scan of every model: the reference resolveLikeCi is tested against. */
export function resolveByScan(catalog: Catalog, version: string): ModelObject | undefined {
  let best: ModelObject | undefined;
  for (const model of catalog.models) {
    if (!model.directory.startsWith(version)) continue;
    if (
      !best ||
      model.lastModified > best.lastModified ||
      (model.lastModified.getTime() === best.lastModified.getTime() && model.directory > best.directory)
    ) {
      best = model;
    }
  }
  return best;
}

/** Assesses a version the way a rollback would use it: through CI's resolution. */
export function assessVersion(catalog: Catalog, version: string, rules: TargetRules): Assessment {
  const resolved = resolveLikeCi(catalog, version);
  if (!resolved) {
    return {
      version,
      safe: false,
      reasons: [catalog.registry ? { code: 'not_found', registry: true } : { code: 'not_found' }],
    };
  }
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
  return assessIteration(catalog, iteration, rules);
}

/** Assesses one named iteration; it is only deployable if CI resolves its version to it. */
export function assessIteration(catalog: Catalog, iteration: Iteration, rules: TargetRules): Assessment {
  const reasons: UnsafeReason[] = [];
  const resolved = resolveLikeCi(catalog, iteration.version);
  if (!iteration.model) reasons.push({ code: 'no_model' });
  if (iteration.validation === 'failed') reasons.push({ code: 'failed_validation' });
  if (iteration.validation === 'unvalidated') reasons.push({ code: 'not_validated' });
  if (!rules.promotedEnvironments.some((env) => iteration.reached[env])) {
    const environments = rules.promotedEnvironments;
    const alias = catalog.registry?.alias;
    reasons.push(
      alias ? { code: 'never_promoted', environments, alias } : { code: 'never_promoted', environments },
    );
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

/**
 * The newest safe target strictly older than the live version, skipping anything the bot has already
 * rolled back from (a version that was bad once is not "good" again by default).
 */
export function lastKnownGood(
  catalog: Catalog,
  rules: TargetRules & { readonly rolledBackFrom?: ReadonlySet<string> },
): Assessment | undefined {
  const excluded = rules.rolledBackFrom ?? new Set<string>();
  const { versions } = catalog;
  const live = rules.liveVersion;
  // Versions are sorted newest first, so those not older than live are a leading run: skip it at once.
  const older =
    live === undefined
      ? 0
      : firstPassing(versions.length, (i) => compareVersions(versions[i] as string, live) < 0);
  for (let i = older; i < versions.length; i++) {
    const version = versions[i] as string;
    // The database's record, or the mark the rollback left on the iteration (a new database still sees it).
    if (excluded.has(version) || rolledBackIteration(catalog, version)) continue;
    const assessment = assessVersion(catalog, version, rules);
    if (!assessment.safe || !assessment.iteration || excluded.has(assessment.iteration.name)) continue;
    return assessment;
  }
  return undefined;
}

/** The first index in [0, length) where `test` holds, for a test that fails on a prefix of the range. */
function firstPassing(length: number, test: (index: number) => boolean): number {
  let [low, high] = [0, length];
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (test(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** One sentence per reason, for chat and terminal alike. */
export function describeReason(reason: UnsafeReason): string {
  switch (reason.code) {
    case 'not_found':
      return reason.registry
        ? 'no READY version of this number in the registry'
        : 'no model.zip in the bucket for this version';
    case 'no_model':
      return 'this iteration has no model.zip';
    case 'failed_validation':
      return 'failed validation (CI refuses to deploy it)';
    case 'not_validated':
      return 'never passed validation (no `passed` marker; CI refuses to deploy it)';
    case 'never_promoted':
      if (reason.alias) return `has never been \`${reason.alias}\` (it never reached production)`;
      return `never reached ${reason.environments.join(' or ')} (the garbage collector may delete it)`;
    case 'superseded':
      return `CI would deploy the newer iteration ${reason.by} of the same version`;
    case 'prefix_trap':
      return `prefix trap: CI looks models up by string prefix and would deploy ${reason.by}, whose model.zip is newer`;
    case 'is_live':
      return 'this version is live now';
    case 'newer_than_live':
      return `newer than the live ${reason.live}: rolling forward is a normal release`;
  }
}
