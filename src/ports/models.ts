/**
 * Where models are and what serves them: the bucket of trained iterations, and each environment's
 * healthcheck. Implemented on S3 and fetch in adapters/.
 */
import type { GoldenAnswer, GoldenCheck } from '../domain/golden.js';
import type { BucketObject } from '../domain/iterations.js';
import type { ConfigRepo } from './github.js';
import type { ModelRegistries } from './registry.js';

/** An environment whose healthcheck is read (an environment's config has these fields). */
export interface HealthcheckTarget {
  readonly name: string;
  readonly healthcheckUrl: string;
  /** The JSON field naming the served model; default `model_version`. */
  readonly field?: string;
}

/** How a service's bucket is reached when not with the bot's own region and identity. */
export interface BucketAccess {
  /** The bucket's region (default: AWS_REGION). */
  readonly region?: string;
  /** A role assumed (STS AssumeRole) to list the bucket, e.g. in a shared ML account. */
  readonly roleArn?: string;
}

export interface ModelBucket {
  /** Without `access`, or with neither field: the bot's own client (AWS_REGION, its own identity). */
  list(bucket: string, prefix: string, access?: BucketAccess): Promise<BucketObject[]>;
  /** A small object's text (an iteration's metrics file); undefined when there is none. */
  readSmall(
    bucket: string,
    key: string,
    maxBytes: number,
    access?: BucketAccess,
  ): Promise<string | undefined>;
  /**
   * Writes a small object (the rolled-back marker), time-bounded; a refusal names the permission
   * (s3:PutObject). The listing cache is dropped, so the next catalog sees it.
   */
  put(bucket: string, key: string, body: string, access?: BucketAccess): Promise<void>;
  /** Drops cached listings, e.g. before a plan is re-checked. */
  invalidate(): void;
}

export type HealthError =
  | { readonly kind: 'timeout'; readonly afterMs: number }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'invalid_json'; readonly detail: string }
  | { readonly kind: 'missing_field'; readonly field: string }
  /** Present but not something any model name can be; the value itself is never repeated. */
  | { readonly kind: 'bad_field'; readonly field: string; readonly why: string }
  | { readonly kind: 'too_large'; readonly url: string; readonly limitBytes: number }
  | { readonly kind: 'field_too_long'; readonly field: string; readonly length: number; readonly max: number }
  | { readonly kind: 'network'; readonly detail: string };

export type HealthResult =
  | {
      readonly environment: string;
      readonly ok: true;
      readonly modelVersion: string;
      readonly gitSha: string;
      readonly healthy: boolean;
      readonly latencyMs: number;
    }
  | {
      readonly environment: string;
      readonly ok: false;
      readonly error: HealthError;
      readonly latencyMs: number;
    };

export interface Healthchecks {
  read(env: HealthcheckTarget): Promise<HealthResult>;
  readAll(envs: readonly HealthcheckTarget[]): Promise<HealthResult[]>;
}

/** Sends an environment's golden requests (time-bounded like the healthchecks). */
export interface GoldenRequests {
  send(check: GoldenCheck): Promise<GoldenAnswer>;
}

export interface StatusDeps {
  readonly bucket: ModelBucket;
  readonly healthchecks: Healthchecks;
  /** Golden checks; without it an environment's golden checks are reported as not run (failed). */
  readonly golden?: GoldenRequests;
  readonly configRepo: ConfigRepo;
  /** Iterations and versions the bot has rolled back from (never again "last known good"). */
  readonly rolledBackFrom?: (service: string) => Promise<ReadonlySet<string>>;
  /** MLflow registries, for services whose source is "mlflow". */
  readonly registries?: ModelRegistries;
  /** Versions an alias has pointed to, as the bot recorded them (store.aliasHistory). */
  readonly aliasHistory?: (service: string, alias: string) => Promise<ReadonlyMap<string, Date>>;
}
