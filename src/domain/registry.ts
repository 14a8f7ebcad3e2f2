/**
 * A model registry (MLflow) read as a catalog: each READY version is an "iteration" named by its version
 * number, served by exact number (no prefix lookup), validated by a tag, and "promoted" when it has been
 * the serving alias's version before. MLflow keeps no history of an alias, so that history is what the
 * bot recorded (its database) and what the versions' own tags say (`rollback_bot.<alias>_since`), which
 * a team may backfill by hand. Pure: the caller reads the registry and the store.
 */
import type { Catalog, Iteration, ModelObject } from './iterations.js';
import { prefixIndexSteps, runSteps } from './prefixIndex.js';
import type { RolledBackMark } from './rolledBack.js';

/** One model version as the registry describes it (MLflow's ModelVersion, the fields the bot reads). */
export interface RegistryVersion {
  /** MLflow's version number, as the string its API carries (`"7"`). */
  readonly version: string;
  /** `READY`, `PENDING_REGISTRATION` or `FAILED_REGISTRATION`; only READY versions can be served. */
  readonly status: string;
  readonly createdAt: Date;
  readonly runId?: string;
  readonly source?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Registry version numbers: MLflow counts from 1 and never reuses one. */
export const REGISTRY_VERSION_PATTERN = '^(?<version>[1-9][0-9]{0,9})$';
const REGISTRY_VERSION = new RegExp(REGISTRY_VERSION_PATTERN);
/** A registry resolves versions exactly (resolveLikeCi), so its catalog needs no prefix index. */
const NO_PREFIX_INDEX = runSteps(prefixIndexSteps<ModelObject>([]));

/** Tags the bot writes on versions (and reads back, so its history survives a new database). */
export const sinceTag = (alias: string) => `rollback_bot.${alias}_since`;
export const untilTag = (alias: string) => `rollback_bot.${alias}_until`;
export const ROLLED_BACK_TAG = 'rollback_bot.rolled_back';

/** `key=value`: the tag a version carries once it passed validation. */
export interface TagRule {
  readonly key: string;
  readonly value: string;
}

export function parseTagRule(text: string): TagRule | undefined {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) return undefined;
  return { key: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim() };
}

export interface RegistryCatalogOptions {
  readonly alias: string;
  readonly validatedTag: TagRule;
  /** Versions the bot recorded as the alias's, with when it first saw or made that. */
  readonly reached: ReadonlyMap<string, Date>;
  /** The alias's version now (it is in production, so it has reached it). */
  readonly aliasVersion?: string;
  readonly listedAt?: Date;
}

/** When the version became the alias's, by the bot's record, the version's own tag, or being it now. */
function reachedAt(v: RegistryVersion, options: RegistryCatalogOptions): Date | undefined {
  const recorded = options.reached.get(v.version);
  if (recorded) return recorded;
  const tagged = v.tags[sinceTag(options.alias)];
  if (tagged) {
    const at = new Date(tagged);
    if (!Number.isNaN(at.getTime())) return at;
  }
  return v.version === options.aliasVersion ? (options.listedAt ?? new Date()) : undefined;
}

export function registryCatalog(
  versions: readonly RegistryVersion[],
  options: RegistryCatalogOptions,
): Catalog {
  const iterations = new Map<string, Iteration>();
  const byVersion = new Map<string, Iteration[]>();
  const models: ModelObject[] = [];
  const runIds = new Map<string, string>();
  const { key, value } = options.validatedTag;
  for (const v of versions) {
    if (v.status !== 'READY' || !REGISTRY_VERSION.test(v.version)) continue;
    const tag = v.tags[key];
    const at = reachedAt(v, options);
    const iteration: Iteration = {
      name: v.version,
      version: v.version,
      sha: '',
      model: { lastModified: v.createdAt, size: 0 },
      validation: tag === undefined ? 'unvalidated' : tag === value ? 'passed' : 'failed',
      reached: at ? { [options.alias]: at } : {},
      ...(v.tags[ROLLED_BACK_TAG] !== undefined ? { rolledBack: markOf(v, options.alias) } : {}),
    };
    iterations.set(v.version, iteration);
    byVersion.set(v.version, [iteration]);
    models.push({ directory: v.version, lastModified: v.createdAt, size: 0 });
    if (v.runId) runIds.set(v.version, v.runId);
  }
  return {
    iterations,
    models,
    // Whole numbers (the pattern above): a numeric sort, without parsing each as a version.
    versions: [...byVersion.keys()].sort((a, b) => Number(b) - Number(a)),
    listedAt: options.listedAt ?? new Date(),
    iterationsByVersion: byVersion,
    modelIndex: NO_PREFIX_INDEX,
    registry: { alias: options.alias, runIds },
  };
}

/** The rolled-back mark of a version, from the tags the bot wrote on it (moveAlias.ts). */
function markOf(v: RegistryVersion, alias: string): RolledBackMark {
  const until = v.tags[untilTag(alias)];
  const at = until && !Number.isNaN(Date.parse(until)) ? new Date(until) : undefined;
  const request = v.tags[ROLLED_BACK_TAG];
  return {
    at,
    request: request && /^R-[0-9A-Z]{4,8}$/.test(request) ? request : undefined,
    reason: v.tags[`${ROLLED_BACK_TAG}.reason`]?.slice(0, 300),
    by: v.tags[`${ROLLED_BACK_TAG}.by`]?.slice(0, 300),
  };
}

/** Versions marked as rolled back from by their own tags (whoever's database recorded it). */
export function markedRolledBack(versions: readonly RegistryVersion[]): Set<string> {
  return new Set(versions.filter((v) => v.tags[ROLLED_BACK_TAG] !== undefined).map((v) => v.version));
}
