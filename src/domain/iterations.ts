/**
 * Turns a flat bucket listing into model iterations.
 *
 * Layout: `<prefix><iteration>/<file>` where the iteration name follows the service's naming pattern
 * (default `<semver>-<7 hex sha>`). Inside: `model.zip`, the validation markers `passed`/`failed`, one
 * empty marker per environment the iteration was first deployed to, and `rolled_back` (the service's
 * rolled_back_object) once the bot rolled back from it.
 */
import { type PrefixIndex, prefixIndexSteps, runSteps } from './prefixIndex.js';
import type { RolledBackMark } from './rolledBack.js';
import { sortNewestFirst } from './semver.js';

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
  /** Set when the iteration carries the mark of a rollback from it (never last known good again). */
  readonly rolledBack?: RolledBackMark;
}

/** A `model.zip` as CI sees it: any directory, matching the naming pattern or not. */
export interface ModelObject {
  readonly directory: string;
  readonly lastModified: Date;
  readonly size: number;
}

/**
 * One bucket listing, read once and then asked many questions (status, versions, plans, modals). The
 * indexes below are built with it so that each question costs O(log n) rather than a scan; they describe
 * exactly `iterations` and `models`, so a changed catalog must be built again with buildCatalog.
 */
export interface Catalog {
  /** Every iteration whose directory matches the naming pattern. */
  readonly iterations: ReadonlyMap<string, Iteration>;
  /** Every model.zip under the prefix, for CI's string-prefix lookup. */
  readonly models: readonly ModelObject[];
  /** Distinct versions, newest first. */
  readonly versions: readonly string[];
  readonly listedAt: Date;
  /** Iterations of each version, newest model first (what iterationsOf returns). */
  readonly iterationsByVersion: ReadonlyMap<string, readonly Iteration[]>;
  /** `models` indexed for CI's rule (see prefixIndex.ts and resolveLikeCi). */
  readonly modelIndex: PrefixIndex<ModelObject>;
  /**
   * Set when the catalog is a model registry's (domain/registry.ts): versions are served by their exact
   * number, and "promoted" means having been this alias's version.
   */
  readonly registry?: {
    readonly alias: string;
    /** Each version's training run, for its metrics. */
    readonly runIds: ReadonlyMap<string, string>;
  };
}

/** The marker the bot writes into an iteration it rolled back from (`mark_rolled_back`). */
export const DEFAULT_ROLLED_BACK_OBJECT = 'rolled_back';

export const DEFAULT_ITERATION_PATTERN = '^(?<version>\\d+\\.\\d+\\.\\d+)-(?<sha>[0-9a-f]{7})$';

export interface IterationNaming {
  readonly pattern: RegExp;
}

export function namingFrom(pattern: string = DEFAULT_ITERATION_PATTERN): IterationNaming {
  return { pattern: new RegExp(pattern) };
}

/**
 * The longest name read as an iteration (real ones are 15 to 40 characters). The naming pattern comes
 * from the config and runs on outside text (bucket keys, healthchecks, commands): past this it never runs.
 */
export const MAX_ITERATION_NAME_CHARS = 64;

/** Splits an iteration name (or a healthcheck's model_version) into version and sha. */
export function parseIterationName(
  name: string,
  naming: IterationNaming,
): { version: string; sha: string } | undefined {
  if (name.length > MAX_ITERATION_NAME_CHARS) return undefined;
  const groups = naming.pattern.exec(name)?.groups;
  if (!groups?.version) return undefined;
  return { version: groups.version, sha: groups.sha ?? '' };
}

// Every field is set from the start, so all drafts share one shape whatever order the files come in.
interface Draft {
  version: string;
  sha: string;
  model: { lastModified: Date; size: number } | undefined;
  passed: Date | undefined;
  failed: Date | undefined;
  rolledBack: Date | undefined;
  reached: Record<string, Date>;
}

export interface CatalogOptions {
  readonly prefix: string;
  readonly naming: IterationNaming;
  readonly environments: readonly string[];
  /** The rolled-back marker's file name (default `rolled_back`). */
  readonly rolledBackObject?: string;
  readonly listedAt?: Date;
}

export function buildCatalog(objects: Iterable<BucketObject>, options: CatalogOptions): Catalog {
  const builder = catalogBuilder(options);
  builder.add(objects);
  return builder.finish();
}

/**
 * The catalog built in steps: `add` takes the listing in any number of slices (in listing order), and
 * `finish` builds the indexes. A caller on an event loop can yield between slices, so a bucket of
 * thousands of iterations never holds it for long; the result is the same as `buildCatalog`.
 */
export function catalogBuilder(options: CatalogOptions): {
  add(objects: Iterable<BucketObject>): void;
  finish(): Catalog;
  /** `finish` in steps (each a few sorts or passes at most), for a caller that yields in between. */
  finishSteps(): Generator<void, Catalog>;
} {
  const { prefix } = options;
  // Every directory seen, in first-seen order: its draft, or null when the name is not an iteration.
  const drafts = new Map<string, Draft | null>();
  const models: ModelObject[] = [];
  const envs = new Set(options.environments);
  const rolledBackObject = options.rolledBackObject ?? DEFAULT_ROLLED_BACK_OBJECT;
  // S3 lists keys in order, so one directory's files come one after another: the last directory's key
  // prefix (`<prefix><directory>/`) finds its draft without another lookup.
  let last: { keyPrefix: string; directory: string; draft: Draft | null } | undefined;

  const add = (objects: Iterable<BucketObject>): void => {
    for (const object of objects) {
      const { key } = object;
      if (!last || !key.startsWith(last.keyPrefix)) {
        if (!key.startsWith(prefix)) continue;
        const slash = key.indexOf('/', prefix.length);
        // Root-level files (raw data, benchmark sets) are not models.
        if (slash <= prefix.length) continue;
        const directory = key.slice(prefix.length, slash);
        let draft = drafts.get(directory);
        if (draft === undefined) {
          // Each directory's name is matched against the pattern once, not once per file.
          const parsed = parseIterationName(directory, options.naming);
          draft = parsed
            ? {
                version: parsed.version,
                sha: parsed.sha,
                model: undefined,
                passed: undefined,
                failed: undefined,
                rolledBack: undefined,
                reached: {},
              }
            : null;
          drafts.set(directory, draft);
        }
        last = { keyPrefix: key.slice(0, slash + 1), directory, draft };
      }
      const { directory, draft } = last;
      const file = key.slice(last.keyPrefix.length);
      if (file === 'model.zip') {
        models.push({ directory, lastModified: object.lastModified, size: object.size });
      }
      if (draft === null) continue;
      if (file === 'model.zip') draft.model = { lastModified: object.lastModified, size: object.size };
      else if (file === 'passed') draft.passed = object.lastModified;
      else if (file === 'failed') draft.failed = object.lastModified;
      else if (file === rolledBackObject) draft.rolledBack = object.lastModified;
      else if (envs.has(file)) draft.reached[file] = object.lastModified;
    }
  };

  function* finishSteps(): Generator<void, Catalog> {
    const iterations = new Map<string, Iteration>();
    const byVersion = new Map<string, Iteration[]>();
    for (const [name, draft] of drafts) {
      if (draft === null) continue;
      const iteration: Iteration = {
        name,
        version: draft.version,
        sha: draft.sha,
        ...validationOf(draft),
        model: draft.model,
        reached: draft.reached,
        ...(draft.rolledBack ? { rolledBack: { at: draft.rolledBack } } : {}),
      };
      iterations.set(name, iteration);
      const own = byVersion.get(iteration.version);
      if (own) own.push(iteration);
      else byVersion.set(iteration.version, [iteration]);
    }
    yield;
    for (const own of byVersion.values()) own.sort(newestModelFirst);
    const versions = sortNewestFirst(byVersion.keys());
    yield;
    const modelIndex = yield* prefixIndexSteps(models);
    return {
      iterations,
      models,
      versions,
      listedAt: options.listedAt ?? new Date(),
      iterationsByVersion: byVersion,
      modelIndex,
    };
  }

  return { add, finish: () => runSteps(finishSteps()), finishSteps };
}

/** Newest model first; iterations without a model last, in listing order (the sort is stable). */
const newestModelFirst = (a: Iteration, b: Iteration): number =>
  (b.model?.lastModified.getTime() ?? 0) - (a.model?.lastModified.getTime() ?? 0);

/** When both markers exist (a re-run of validation), the later one is the verdict. */
function validationOf(draft: Draft): { validation: Validation; validatedAt?: Date } {
  if (draft.passed && (!draft.failed || draft.passed >= draft.failed)) {
    return { validation: 'passed', validatedAt: draft.passed };
  }
  if (draft.failed) return { validation: 'failed', validatedAt: draft.failed };
  return { validation: 'unvalidated' };
}

/** The iteration of `version` marked rolled back from, if any (a version is skipped whole, as in the database). */
export function rolledBackIteration(catalog: Catalog, version: string): Iteration | undefined {
  return catalog.iterationsByVersion.get(version)?.find((i) => i.rolledBack);
}

/** Iterations of one version, newest model first. */
export function iterationsOf(catalog: Catalog, version: string): Iteration[] {
  return [...(catalog.iterationsByVersion.get(version) ?? [])];
}
