/**
 * What is live against what is configured: the live model, plain-language drift notes, and the rows of
 * the versions table. Pure: callers pass what the healthchecks, the repo and the bucket said.
 */
import type { Catalog, Iteration, IterationNaming } from './iterations.js';
import { parseIterationName, rolledBackIteration } from './iterations.js';
import type { RolledBackMark } from './rolledBack.js';
import { type Assessment, assessVersion, type TargetRules } from './targets.js';

export interface Served {
  readonly environment: string;
  readonly deployPhase: 'pull_request' | 'merge';
  /** What the healthcheck reports (`1.25.3-3a4b5c6`); undefined when it could not be read. */
  readonly modelVersion?: string;
  readonly healthy?: boolean;
}

export interface LiveModel {
  readonly version: string;
  readonly iteration?: string;
  readonly source: 'healthcheck' | 'configured';
  readonly environment?: string;
}

/** The last environment's healthcheck, or what the base branch configures when it cannot be read. */
export function liveModel(
  served: readonly Served[],
  configuredVersion: string | undefined,
  naming: IterationNaming,
): LiveModel | undefined {
  const last = served.at(-1);
  if (last?.modelVersion) {
    const parsed = parseIterationName(last.modelVersion, naming);
    if (parsed) {
      return {
        version: parsed.version,
        iteration: last.modelVersion,
        source: 'healthcheck',
        environment: last.environment,
      };
    }
  }
  return configuredVersion ? { version: configuredVersion, source: 'configured' } : undefined;
}

export function versionOfServed(modelVersion: string, naming: IterationNaming): string {
  return parseIterationName(modelVersion, naming)?.version ?? modelVersion;
}

export function driftNotes(
  served: readonly Served[],
  configured: { readonly branch: string; readonly version?: string; readonly resolvesTo?: string },
  naming: IterationNaming,
): string[] {
  const notes: string[] = [];
  for (const env of served) {
    if (!env.modelVersion) continue;
    if (env.healthy === false) notes.push(`${env.environment} reports healthy: false`);
    if (configured.version === undefined) continue;
    const version = versionOfServed(env.modelVersion, naming);
    if (version !== configured.version) {
      notes.push(
        env.deployPhase === 'pull_request'
          ? `${env.environment} serves ${env.modelVersion} while ${configured.branch} configures ${configured.version} (${env.environment} is deployed from pull requests)`
          : `${env.environment} serves ${env.modelVersion} but ${configured.branch} configures ${configured.version}`,
      );
    } else if (
      configured.resolvesTo &&
      configured.resolvesTo !== env.modelVersion &&
      env.deployPhase === 'merge'
    ) {
      notes.push(
        `${env.environment} serves ${env.modelVersion} but CI would now deploy ${configured.resolvesTo} for ${configured.version}`,
      );
    }
  }
  return notes;
}

export interface VersionRow {
  readonly version: string;
  readonly assessment: Assessment;
  /** The iteration CI deploys for this version, when it is one of this version's own. */
  readonly deploys?: Iteration;
  readonly iterationCount: number;
  readonly servedBy: readonly string[];
  readonly configured: boolean;
  /** The mark of a rollback from this version (its iteration's marker, or its registry tags). */
  readonly rolledBack?: RolledBackMark;
}

/**
 * One row per version, newest first: O(versions × log n), each assessment being a lookup in the catalog's
 * indexes, and each environment's version worked out once rather than once per version.
 */
export function versionRows(
  catalog: Catalog,
  served: readonly Served[],
  configuredVersion: string | undefined,
  rules: TargetRules,
  naming: IterationNaming,
  /** Only the newest `limit` versions (a message shows at most 50; a big bucket has thousands). */
  limit = Number.POSITIVE_INFINITY,
): VersionRow[] {
  const row = versionRowOf(catalog, served, configuredVersion, rules, naming);
  return catalog.versions.slice(0, limit).map(row);
}

/** The row of one version, for callers that stop early (e.g. after enough safe targets). */
export function versionRowOf(
  catalog: Catalog,
  served: readonly Served[],
  configuredVersion: string | undefined,
  rules: TargetRules,
  naming: IterationNaming,
): (version: string) => VersionRow {
  const servedBy = new Map<string, string[]>();
  for (const s of served) {
    if (!s.modelVersion) continue;
    const version = versionOfServed(s.modelVersion, naming);
    const environments = servedBy.get(version);
    if (environments) environments.push(s.environment);
    else servedBy.set(version, [s.environment]);
  }
  return (version) => {
    const assessment = assessVersion(catalog, version, rules);
    const deploys = assessment.iteration?.version === version ? assessment.iteration : undefined;
    return {
      version,
      assessment,
      deploys,
      iterationCount: catalog.iterationsByVersion.get(version)?.length ?? 0,
      servedBy: servedBy.get(version) ?? [],
      configured: configuredVersion === version,
      rolledBack: rolledBackIteration(catalog, version)?.rolledBack,
    };
  };
}
