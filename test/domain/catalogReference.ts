/**
 * The catalog questions answered the obvious way, as src/domain answered them before the catalog had
 * indexes (commit 7090b32): scans and filters over every model and iteration. Slow (versions × models), so
 * only for tests that prove the indexed answers are the same.
 */
import type { Catalog, Iteration, IterationNaming } from '../../src/domain/iterations.js';
import { type Served, type VersionRow, versionOfServed } from '../../src/domain/overview.js';
import { compareVersions } from '../../src/domain/semver.js';
import {
  type Assessment,
  resolveByScan,
  type TargetRules,
  type UnsafeReason,
} from '../../src/domain/targets.js';

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
