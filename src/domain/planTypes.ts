/**
 * What a plan is made of: its checks, the plan itself, and what it is built from (domain/plan.ts builds
 * it; domain/planChecks.ts holds the checks).
 */
import type { Target } from './command.js';
import type { VersionRead } from './configFile.js';
import type { Evidence } from './evidence.js';
import type { Catalog, Iteration, ModelObject } from './iterations.js';
import type { setVersionAt } from './tomlEdit.js';

export type CheckId =
  | 'target_exists'
  | 'validated'
  | 'promoted'
  | 'not_shadowed'
  | 'lower_than_configured'
  | 'not_configured'
  | 'no_active_request'
  | 'cooldown'
  | 'config_file';

export interface Check {
  readonly id: CheckId;
  readonly ok: boolean;
  readonly text: string;
}

export interface Plan {
  readonly targetVersion: string;
  readonly targetIteration?: string;
  readonly configuredVersion?: string;
  readonly branch: string;
  readonly configPath: string;
  readonly blobSha: string;
  /** The file as planned; the PR applies the edit to exactly this text (or refuses). */
  readonly configText: string;
  readonly from: readonly { readonly environment: string; readonly modelVersion?: string }[];
  readonly diff?: { readonly lineNumber: number; readonly before: string; readonly after: string };
  /** For action = "registry_alias": the one write, instead of a diff. */
  readonly aliasMove?: {
    readonly model: string;
    readonly alias: string;
    readonly from?: string;
    readonly to: string;
  };
  readonly checks: readonly Check[];
  /** The target's metrics and links against the live model's, read when the request was made. */
  readonly evidence?: {
    readonly target?: Evidence;
    readonly live?: Evidence;
    readonly keys: readonly string[];
  };
  readonly ok: boolean;
  readonly forced: boolean;
  readonly madeAt: string;
}

export interface PlanInputs {
  readonly service: {
    readonly name: string;
    readonly versionKey: readonly string[];
    readonly configPath: string;
    readonly promotedEnvironments: readonly string[];
    readonly cooldownHours: number;
    /** Default config_pr: the plan changes the file's version line. */
    readonly action?: 'config_pr' | 'registry_alias';
    readonly mlflow?: { readonly model: string; readonly alias: string };
  };
  readonly catalog: Catalog;
  readonly configured: {
    readonly branch: string;
    readonly blobSha: string;
    readonly text: string;
    readonly version: VersionRead;
  };
  readonly target: Target;
  readonly served: readonly { readonly environment: string; readonly modelVersion?: string }[];
  readonly liveVersion?: string;
  readonly rolledBackFrom?: ReadonlySet<string>;
  readonly activeRequest?: { readonly id: string; readonly state: string };
  readonly lastRollback?: { readonly id: string; readonly at: Date };
  readonly force: boolean;
  readonly now: Date;
}

/** What every check reads: the inputs, and the target as CI will resolve it, worked out once. */
export interface PlanFacts {
  readonly inputs: PlanInputs;
  readonly chosen: { readonly version?: string; readonly iteration?: string; readonly why?: string };
  readonly version: string;
  /** What CI deploys for the version: may be another version's directory (the prefix trap). */
  readonly resolved?: ModelObject;
  /** The iteration judged: the one named, or the one CI resolves the version to, of that version. */
  readonly iteration?: Iteration;
  readonly configuredVersion?: string;
  readonly cooling: boolean;
  /** The version line's edit, when the plan changes the file. */
  readonly edit?: ReturnType<typeof setVersionAt>;
}
