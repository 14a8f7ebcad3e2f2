/**
 * What a `[services.<name>]` table becomes (config/service.ts reads and validates it): the types every
 * layer above config sees.
 */
import type { GoldenCheck } from '../domain/golden.js';
import type { IterationNaming } from '../domain/iterations.js';
import type { AuthorityConfig } from './authority.js';
import type { ModelSourceConfig } from './modelSource.js';

export type DeployPhase = 'pull_request' | 'merge';

export interface EnvironmentConfig {
  readonly name: string;
  readonly healthcheckUrl: string;
  readonly deployPhase: DeployPhase;
  /** The service's healthcheck_field, on each environment for the healthcheck reader. */
  readonly field: string;
  /** Run once the healthchecks serve the target K times; "verified" needs them all to pass. */
  readonly golden?: readonly GoldenCheck[];
}

export type { MlflowConfig, ModelSourceKind, RollbackAction } from './modelSource.js';

export interface ServiceConfig extends ModelSourceConfig, AuthorityConfig {
  readonly name: string;
  readonly channel: string;
  /** The healthcheck's JSON field naming the served model (`model_version`). */
  readonly healthcheckField: string;
  /** S3 only ('' for a registry). */
  readonly bucket: string;
  /** S3 only: a flat JSON object of metric name to number in each iteration directory (evidence). */
  readonly metricsFile?: string;
  readonly prefix: string;
  /** S3 only: the bucket's region when it is not AWS_REGION's (a shared ML account's bucket). */
  readonly awsRegion?: string;
  /** S3 only: a role assumed (STS AssumeRole) to list the bucket, e.g. in a shared ML account. */
  readonly awsRoleArn?: string;
  /**
   * S3 only: when the rollback lands, write `rolledBackObject` into the iteration rolled back from (who,
   * why, when), so every reader of the bucket, and the bot with a new database, sees it.
   */
  readonly markRolledBack?: boolean;
  /** The marker's file name in an iteration directory (read whether or not this service writes it). */
  readonly rolledBackObject?: string;
  readonly naming: IterationNaming;
  readonly iterationPattern: string;
  /** config_pr only (empty for registry_alias, which has no config file). */
  readonly repo: { readonly owner: string; readonly name: string };
  readonly configPath: string;
  /** Dotted key path split into segments, e.g. `model.version` → ['model', 'version']. */
  readonly versionKey: readonly string[];
  /** Undefined: the repository's default branch. */
  readonly baseBranch?: string;
  /** In order; the last one is "the live model" (production). */
  readonly environments: readonly EnvironmentConfig[];
  /**
   * Environments deployed from the base branch: reaching one protects an iteration from GC. For a registry:
   * the alias (having been its version is what "reached production" means there).
   */
  readonly promotedEnvironments: readonly string[];
  readonly approvers: { readonly users: readonly string[]; readonly usergroups: readonly string[] };
  readonly approvalsRequired: number;
  readonly cooldownHours: number;
  readonly requestTtlMinutes: number;
  /** Where alert cards go (default: `channel`). */
  readonly alertChannel: string;
  /** "offer": reply to an alarm with a button; "request": open the pending request at once. */
  readonly onAlarm: 'offer' | 'request';
  readonly alarmNames: readonly string[];
  readonly alarmPatterns: readonly RegExp[];
  /** Who else hears of each outcome (`[services.X.notify]`). */
  readonly notify: NotifyConfig;
  readonly pr: {
    readonly labels: readonly string[];
    readonly titleTemplate: string;
    readonly branchPrefix: string;
  };
}

export interface NotifyConfig {
  /** The SNS topic each outcome is published to (the founding function's message). */
  readonly snsTopicArn?: string;
  /** Stakeholder channels: a one-line summary of each outcome, with the thread's link. */
  readonly channels: readonly string[];
  /** Slack user groups mentioned in the outcome message. */
  readonly usergroups: readonly string[];
}
