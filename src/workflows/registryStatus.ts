/**
 * A registry-backed service's two sources, read like the bucket and the config file of an S3 service:
 * the versions of its registered model as a catalog, and its alias as what is "configured" (for
 * action = "registry_alias", the alias is what serving loads). Read only: nothing is recorded here,
 * so `status` and the CLI never write (the background round records what the alias points to).
 */
import type { ServiceConfig } from '../config/botConfig.js';
import type { Catalog } from '../domain/iterations.js';
import { markedRolledBack, type RegistryVersion, registryCatalog } from '../domain/registry.js';
import type { ConfiguredState } from '../ports/github.js';
import type { StatusDeps } from '../ports/models.js';
import type { ModelRegistry } from '../ports/registry.js';

export type Read<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

export interface RegistryRead {
  readonly catalog: Read<Catalog>;
  /** The alias's version (null: not set). */
  readonly alias: Read<RegistryVersion | null>;
  /** Versions whose tags say the bot rolled back from them (survives a new database). */
  readonly markedRolledBack: ReadonlySet<string>;
}

export function registryOf(deps: StatusDeps, service: ServiceConfig): ModelRegistry | undefined {
  return service.mlflow && deps.registries ? deps.registries.of(service) : undefined;
}

export async function readRegistry(
  deps: StatusDeps,
  service: ServiceConfig,
  now: Date,
): Promise<RegistryRead> {
  const m = service.mlflow;
  const registry = registryOf(deps, service);
  if (!m || !registry) {
    const problem = 'no MLflow client: set MLFLOW_TRACKING_URI or [services.<name>.mlflow] tracking_uri';
    return { catalog: { ok: false, problem }, alias: { ok: false, problem }, markedRolledBack: new Set() };
  }
  const [search, alias, history] = await Promise.all([
    registry.searchVersions(m.model),
    registry.getAliasVersion(m.model, m.alias),
    deps.aliasHistory
      ? deps.aliasHistory(service.name, m.alias).catch(() => new Map<string, Date>())
      : new Map<string, Date>(),
  ]);
  let catalog: Read<Catalog>;
  if (!search.ok) catalog = search;
  else if (search.value.length === 0) {
    // MLflow answers an empty search for a model that does not exist: ask, to say which it is.
    const model = await registry.getModel(m.model);
    catalog = model.ok ? { ok: false, problem: `${m.model} has no versions yet` } : model;
  } else {
    const aliasVersion = alias.ok ? alias.value?.version : undefined;
    catalog = { ok: true, value: builtOnce(search.value, service, aliasVersion, history, now) };
  }
  return {
    catalog,
    alias: alias.ok ? alias : { ok: false, problem: alias.problem },
    markedRolledBack: search.ok ? markedRolledBack(search.value) : new Set(),
  };
}

/**
 * Catalogs already built, per kept listing (the registries adapter keeps a listing for
 * catalog_cache_seconds and hands out the same array): a repeated command reuses the catalog unless the
 * alias or its recorded history changed.
 */
const built = new WeakMap<readonly RegistryVersion[], Map<string, Catalog>>();

function builtOnce(
  versions: readonly RegistryVersion[],
  service: ServiceConfig,
  aliasVersion: string | undefined,
  history: ReadonlyMap<string, Date>,
  now: Date,
): Catalog {
  const m = service.mlflow;
  if (!m) throw new Error('not an MLflow service');
  const key = [
    service.name,
    aliasVersion ?? '',
    ...[...history].map(([v, at]) => `${v}@${at.getTime()}`).sort(),
  ].join('\u0000');
  let perListing = built.get(versions);
  if (!perListing) {
    perListing = new Map();
    built.set(versions, perListing);
  }
  let catalog = perListing.get(key);
  if (!catalog) {
    catalog = registryCatalog(versions, {
      alias: m.alias,
      validatedTag: m.validatedTag,
      reached: history,
      aliasVersion,
      listedAt: now,
    });
    perListing.set(key, catalog);
  }
  return catalog;
}

/** The alias as a registry_alias service's "configured" state: what serving is told to load. */
export function aliasAsConfigured(
  service: ServiceConfig,
  alias: RegistryRead['alias'],
): Read<ConfiguredState> {
  const m = service.mlflow;
  if (!m) return { ok: false, problem: 'not an MLflow service' };
  if (!alias.ok) return alias;
  const version = alias.value
    ? { ok: true as const, version: alias.value.version }
    : { ok: false as const, problem: `the alias \`${m.alias}\` is not set on ${m.model}` };
  return {
    ok: true,
    value: {
      branch: `alias ${m.alias}`,
      blobSha: alias.value?.version ?? '',
      text: '',
      version,
      htmlUrl: registryPage(service) ?? '',
    },
  };
}

/** The registered model's page in the MLflow UI, when the tracking URI is known. */
export function registryPage(service: ServiceConfig): string | undefined {
  const m = service.mlflow;
  if (!m?.trackingUri) return undefined;
  return `${m.trackingUri.replace(/\/+$/, '')}/#/models/${encodeURIComponent(m.model)}`;
}
