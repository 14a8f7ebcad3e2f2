/**
 * What is live against what is configured: the live model, plain-language drift notes, and the rows of
 * the versions table. Pure: callers pass what the healthchecks, the repo and the bucket said.
 */
import type { Catalog, Iteration, IterationNaming } from './iterations.js';
import { parseIterationName } from './iterations.js';
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
}

export function versionRows(
  catalog: Catalog,
  served: readonly Served[],
  configuredVersion: string | undefined,
  rules: TargetRules,
  naming: IterationNaming,
): VersionRow[] {
  return catalog.versions.map((version) => {
    const assessment = assessVersion(catalog, version, rules);
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
