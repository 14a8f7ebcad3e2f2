/**
 * Turns a flat bucket listing into model iterations.
 *
 * Layout: `<prefix><iteration>/<file>` where the iteration name follows the service's naming pattern
 * (default `<semver>-<7 hex sha>`). Inside: `model.zip`, the validation markers `passed`/`failed`, and one
 * empty marker per environment the iteration was first deployed to.
 */
import { compareVersions } from './semver.js';

export interface BucketObject {
  readonly key: string;
  readonly lastModified: Date;
  readonly size: number;
}

export type Validation = 'passed' | 'failed' | 'unvalidated';

export interface Iteration {
  /** Bucket directory, e.g. `1.24.0-3f9c2ab`. */
  readonly name: string;
  readonly version: string;
  readonly sha: string;
  readonly model?: { readonly lastModified: Date; readonly size: number };
  readonly validation: Validation;
  readonly validatedAt?: Date;
  /** Environment name → when its marker appeared (first deploy there). */
  readonly reached: Readonly<Record<string, Date>>;
}

/** A `model.zip` as CI sees it: any directory, matching the naming pattern or not. */
export interface ModelObject {
  readonly directory: string;
  readonly lastModified: Date;
  readonly size: number;
}

export interface Catalog {
  /** Every iteration whose directory matches the naming pattern. */
  readonly iterations: ReadonlyMap<string, Iteration>;
  /** Every model.zip under the prefix, for CI's string-prefix lookup. */
  readonly models: readonly ModelObject[];
  /** Distinct versions, newest first. */
  readonly versions: readonly string[];
  readonly listedAt: Date;
}

export const DEFAULT_ITERATION_PATTERN = '^(?<version>\\d+\\.\\d+\\.\\d+)-(?<sha>[0-9a-f]{7})$';

export interface IterationNaming {
  readonly pattern: RegExp;
}

export function namingFrom(pattern: string = DEFAULT_ITERATION_PATTERN): IterationNaming {
  return { pattern: new RegExp(pattern) };
}

/** Splits an iteration name (or a healthcheck's model_version) into version and sha. */
export function parseIterationName(
  name: string,
  naming: IterationNaming,
): { version: string; sha: string } | undefined {
  const groups = naming.pattern.exec(name)?.groups;
  if (!groups?.version) return undefined;
  return { version: groups.version, sha: groups.sha ?? '' };
}

interface Draft {
  model?: { lastModified: Date; size: number };
  passed?: Date;
  failed?: Date;
  reached: Record<string, Date>;
}

export function buildCatalog(
  objects: Iterable<BucketObject>,
  options: { prefix: string; naming: IterationNaming; environments: readonly string[]; listedAt?: Date },
): Catalog {
  const drafts = new Map<string, Draft>();
  const models: ModelObject[] = [];
  const envs = new Set(options.environments);

  for (const object of objects) {
    if (!object.key.startsWith(options.prefix)) continue;
    const rel = object.key.slice(options.prefix.length);
    const slash = rel.indexOf('/');
    // Root-level files (raw data, benchmark sets) are not models.
    if (slash <= 0) continue;
    const directory = rel.slice(0, slash);
    const file = rel.slice(slash + 1);
    if (file === 'model.zip') {
      models.push({ directory, lastModified: object.lastModified, size: object.size });
    }
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
    iterations.set(name, {
      name,
      ...parsed,
      ...validationOf(draft),
      model: draft.model,
      reached: draft.reached,
    });
  }
  const versions = [...new Set([...iterations.values()].map((i) => i.version))].sort((a, b) =>
    compareVersions(b, a),
  );
  return { iterations, models, versions, listedAt: options.listedAt ?? new Date() };
}

/** When both markers exist (a re-run of validation), the later one is the verdict. */
function validationOf(draft: Draft): { validation: Validation; validatedAt?: Date } {
  if (draft.passed && (!draft.failed || draft.passed >= draft.failed)) {
    return { validation: 'passed', validatedAt: draft.passed };
  }
  if (draft.failed) return { validation: 'failed', validatedAt: draft.failed };
  return { validation: 'unvalidated' };
}

/** Iterations of one version, newest model first. */
export function iterationsOf(catalog: Catalog, version: string): Iteration[] {
  return [...catalog.iterations.values()]
    .filter((i) => i.version === version)
    .sort((a, b) => (b.model?.lastModified.getTime() ?? 0) - (a.model?.lastModified.getTime() ?? 0));
}
