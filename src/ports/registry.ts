/**
 * A model registry as workflows need it: MLflow's versions of one registered model, its serving alias,
 * version tags (the bot's marks), and run metrics (the evidence to choose a target). Implemented over
 * MLflow's REST API in adapters/. Every call answers within its bound; a failure names its cause in one
 * line a person can act on (the permission missing, the model that does not exist, the timeout).
 */
import type { RegistryVersion } from '../domain/registry.js';

export type RegistryFailureKind =
  | 'timeout'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'tls'
  | 'http'
  | 'denied'
  | 'unauthenticated'
  | 'not_found'
  | 'invalid';

export type RegistryResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string; readonly kind: RegistryFailureKind };

export interface ModelRegistry {
  /** The registered model exists (MLflow's search answers `{}` for one that does not). */
  getModel(name: string): Promise<RegistryResult<{ readonly name: string }>>;
  /** Every version of the model, all pages. */
  searchVersions(name: string): Promise<RegistryResult<RegistryVersion[]>>;
  /** The alias's version; null when the alias is not set. */
  getAliasVersion(name: string, alias: string): Promise<RegistryResult<RegistryVersion | null>>;
  setAlias(name: string, alias: string, version: string): Promise<RegistryResult<void>>;
  setVersionTag(name: string, version: string, key: string, value: string): Promise<RegistryResult<void>>;
  /** The run's latest value of each metric. */
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
}
