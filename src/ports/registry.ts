/**
 * A model registry as workflows need it (issue 16): the versions of a registered model, which version
 * an alias (e.g. `champion`) points at, moving that alias to a target version, tagging a version, and
 * the metrics of the run that trained a version. Implemented over MLflow's REST API in adapters/.
 *
 * Every call answers a result, never throws: a failure carries `problem`, one line for people naming
 * the true cause (timeout, refused, the permission MLflow wants…), and `kind` for code. Text coming
 * from the registry (names, tags, sources) is returned raw: whoever displays it escapes it.
 */
import type { RegistryVersion as VersionFacts } from '../domain/registry.js';

export type RegistryFailureKind =
  | 'timeout'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'tls'
  /** An HTTP status the other kinds do not explain (5xx, an unexpected 4xx). */
  | 'http'
  /** Authenticated, but without the permission (403). */
  | 'denied'
  /** The credentials were missing or refused (401). */
  | 'unauthenticated'
  | 'not_found'
  /** The registry refused the request's values (400), or the request cannot be expressed. */
  | 'invalid'
  /** An answer that is not the registry's JSON (a proxy's page, a truncated or oversized body). */
  | 'unreadable';

export type RegistryResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string; readonly kind: RegistryFailureKind };

export type RegistryVersionStatus = 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION';

export interface RegisteredModel {
  readonly name: string;
  /** Alias → version, e.g. `{ champion: '12' }`. */
  readonly aliases: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What the domain reads of a version (domain/registry.ts), as MLflow describes it. */
export interface RegistryVersion extends VersionFacts {
  readonly status: RegistryVersionStatus;
  readonly updatedAt: Date;
  readonly description?: string;
  /**
   * Aliases on this version. Filled by `getAliasVersion` only: MLflow's search leaves them out, so a
   * version from `searchVersions` always has none here (read the model's `aliases` instead).
   */
  readonly aliases: readonly string[];
}

export interface ModelRegistry {
  getModel(name: string): Promise<RegistryResult<RegisteredModel>>;
  /** Every version of the model, all pages read; newest first. `not_found` when there is no such model. */
  searchVersions(name: string): Promise<RegistryResult<RegistryVersion[]>>;
  /** The version `alias` points at, or null when the model has no such alias. */
  getAliasVersion(name: string, alias: string): Promise<RegistryResult<RegistryVersion | null>>;
  /** Points `alias` at `version` (creating the alias, or moving it from wherever it was). */
  setAlias(name: string, alias: string, version: string): Promise<RegistryResult<void>>;
  setVersionTag(name: string, version: string, key: string, value: string): Promise<RegistryResult<void>>;
  /** The latest value of each metric of the run (`{ auc: 0.91, … }`). */
  getRunMetrics(runId: string): Promise<RegistryResult<Record<string, number>>>;
}

/** Where a service's registry is (its config has these fields when source = "mlflow"). */
export interface RegistryAt {
  readonly name: string;
  readonly mlflow?: { readonly trackingUri?: string; readonly timeoutMs: number };
}

/** One client per tracking URI; a service without its own URI uses MLFLOW_TRACKING_URI. */
export interface ModelRegistries {
  of(service: RegistryAt): ModelRegistry;
  /** Drops kept listings, e.g. before a plan is re-checked. */
  invalidate(): void;
}
