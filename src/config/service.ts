/**
 * One `[services.<name>]` table: where its models are, what a rollback changes, its environments,
 * approvers and alarms, validated into a ServiceConfig (the bot's file as a whole: botConfig.ts).
 */
import { DEFAULT_ITERATION_PATTERN, DEFAULT_ROLLED_BACK_OBJECT } from '../domain/iterations.js';
import { REGISTRY_VERSION_PATTERN } from '../domain/registry.js';
import { readAuthority } from './authority.js';
import { readGoldenChecks } from './golden.js';
import { readModelSource } from './modelSource.js';
import type { Reader } from './reader.js';
import { backtrackingRisk } from './regexSafety.js';
import type { EnvironmentConfig, NotifyConfig, ServiceConfig } from './serviceTypes.js';

export type {
  DeployPhase,
  EnvironmentConfig,
  MlflowConfig,
  ModelSourceKind,
  NotifyConfig,
  RollbackAction,
  ServiceConfig,
} from './serviceTypes.js';

/** A standard or FIFO SNS topic in any partition. */
export const SNS_TOPIC_ARN =
  /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export const TITLE_PLACEHOLDERS = ['service', 'version', 'iteration', 'from', 'reason', 'request'] as const;
export const DEFAULT_TITLE_TEMPLATE = 'fix(model): roll back {service} to {version}';

const SERVICE_NAME = /^[a-z0-9][a-z0-9._-]*$/;
export const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;
const USER_ID = /^[UW][A-Z0-9]{6,}$/;
const USERGROUP_ID = /^S[A-Z0-9]{6,}$/;
const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const KEY_PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
/** us-east-1, eu-central-2, us-gov-west-1, cn-north-1… */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** An IAM role's ARN in any partition (aws, aws-cn, aws-us-gov), with an optional path. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export function readService(
  name: string,
  r: Reader,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): ServiceConfig {
  if (!SERVICE_NAME.test(name)) {
    r.problem(
      '',
      'service names are lowercase letters, digits, ".", "_" and "-" (they are typed in commands)',
    );
  }
  const channel = r.string('channel', { pattern: CHANNEL_ID, hint: 'a Slack channel ID like "C0123456789"' });
  const modelSource = readModelSource(r);
  const { source, action, mlflow } = modelSource;
  const onlyFor = (keys: readonly string[], what: string) => {
    for (const key of keys) r.refuse(key, `only for ${what}`);
  };
  const s3 = source === 's3';
  if (!s3) {
    onlyFor(
      [
        'bucket',
        'prefix',
        'iteration_pattern',
        'metrics_file',
        'aws_region',
        'aws_role_arn',
        'mark_rolled_back',
        'rolled_back_object',
      ],
      'source = "s3" (a registry has no bucket)',
    );
  }
  const metricsFile = s3
    ? r.optionalString('metrics_file', {
        pattern: /^[A-Za-z0-9._-]{1,100}$/,
        hint: 'a file name inside each iteration directory, e.g. "metrics.json"',
      })
    : undefined;
  const bucket = s3 ? r.string('bucket') : '';
  const prefix = s3 ? r.string('prefix', { default: '', allowEmpty: true }) : '';
  const awsRegion = s3
    ? r.optionalString('aws_region', { pattern: AWS_REGION, hint: 'an AWS region like "eu-west-1"' })
    : undefined;
  const awsRoleArn = s3
    ? r.optionalString('aws_role_arn', {
        pattern: ROLE_ARN,
        hint: 'an IAM role ARN like "arn:aws:iam::123456789012:role/model-bucket-reader"',
      })
    : undefined;
  if (prefix !== '' && !prefix.endsWith('/')) r.problem('prefix', 'expected a key prefix ending in "/"');
  const markRolledBack = s3 ? r.boolean('mark_rolled_back', false) : false;
  const rolledBackObject = s3
    ? r.string('rolled_back_object', {
        default: DEFAULT_ROLLED_BACK_OBJECT,
        pattern: /^[A-Za-z0-9._-]{1,100}$/,
        hint: 'a file name inside each iteration directory, e.g. "rolled_back"',
      })
    : DEFAULT_ROLLED_BACK_OBJECT;

  const iterationPattern = s3
    ? r.string('iteration_pattern', { default: DEFAULT_ITERATION_PATTERN })
    : REGISTRY_VERSION_PATTERN;
  let pattern = /$^/;
  try {
    pattern = new RegExp(iterationPattern);
    if (!iterationPattern.includes('(?<version>')) {
      r.problem('iteration_pattern', 'expected a regular expression with a named group (?<version>…)');
    }
    refuseSlowPattern(r, 'iteration_pattern', iterationPattern);
  } catch (err) {
    r.problem('iteration_pattern', `expected a regular expression: ${(err as Error).message}`);
  }

  // A registry_alias rollback moves the alias: there is no config file, PR or deploy phase to name.
  const byPr = action === 'config_pr';
  if (!byPr) {
    onlyFor(
      ['repo', 'config_path', 'version_key', 'base_branch', 'pr'],
      'action = "config_pr" (registry_alias moves the alias, no file changes)',
    );
  }
  const repo = byPr ? r.string('repo', { pattern: REPO, hint: 'a GitHub repository like "org/name"' }) : '';
  const [owner = '', repoName = ''] = repo.split('/');
  const configPath = byPr
    ? r.string('config_path', { hint: 'the config file path in the repo, e.g. "search-config.toml"' })
    : '';
  const versionKey = byPr
    ? r.string('version_key', { default: 'version', pattern: KEY_PATH, hint: 'a dotted key path' })
    : 'version';
  const baseBranch = byPr ? r.optionalString('base_branch') : undefined;
  const healthcheckField = r.string('healthcheck_field', {
    default: 'model_version',
    pattern: /^[A-Za-z0-9_.-]{1,64}$/,
    hint: 'a JSON field name of the healthcheck, e.g. "model_version"',
  });

  const environments = readEnvironments(r, { byPr, healthcheckField, environment });

  const approvers = readApprovers(r);

  const pr = readPr(r);

  const notify = readNotify(r);

  const alarmPatterns = readAlarmPatterns(r);
  const service: ServiceConfig = {
    name,
    channel,
    ...readAuthority(r, approvers),
    ...modelSource,
    healthcheckField,
    metricsFile,
    bucket,
    prefix,
    awsRegion,
    awsRoleArn,
    markRolledBack,
    rolledBackObject,
    naming: { pattern },
    iterationPattern,
    repo: { owner, name: repoName },
    configPath,
    versionKey: versionKey.split('.'),
    baseBranch,
    environments,
    promotedEnvironments: mlflow
      ? [mlflow.alias]
      : environments.filter((e) => e.deployPhase === 'merge').map((e) => e.name),
    approvers,
    approvalsRequired: r.number('approvals_required', { default: 1, min: 1, max: 10, integer: true }),
    cooldownHours: r.number('cooldown_hours', { default: 24, min: 0, max: 24 * 30 }),
    requestTtlMinutes: r.number('request_ttl_minutes', { default: 60, min: 1, max: 24 * 60, integer: true }),
    alertChannel: r.string('alert_channel', {
      default: channel,
      pattern: CHANNEL_ID,
      hint: 'a Slack channel ID',
    }),
    onAlarm: r.oneOf('on_alarm', ['offer', 'request'] as const, 'offer'),
    alarmNames: r.strings('alarm_names'),
    alarmPatterns,
    notify,
    pr,
  };
  if (byPr && environments.length > 0 && !environments.some((e) => e.deployPhase === 'merge')) {
    r.problem(
      'environments',
      'expected at least one environment with deploy_phase = "merge" (deployed from main)',
    );
  }
  r.rejectUnknown();
  return service;
}

/** `[[services.<name>.environments]]`: each with its healthcheck, deploy phase and golden checks. */
function readEnvironments(
  r: Reader,
  options: {
    readonly byPr: boolean;
    readonly healthcheckField: string;
    readonly environment: Readonly<Record<string, string | undefined>>;
  },
): EnvironmentConfig[] {
  const { byPr, healthcheckField, environment } = options;
  const environments = r.tables('environments').map((e) => {
    const name = e.string('name', {
      pattern: /^[a-z0-9_-]+$/,
      hint: 'an environment name like "production"',
    });
    const healthcheckUrl = e.string('healthcheck_url', {
      pattern: /^https?:\/\/\S+$/,
      hint: 'an http(s) URL',
    });
    if (!byPr) {
      e.refuse(
        'deploy_phase',
        'only for action = "config_pr": with registry_alias every environment follows the alias',
      );
    }
    // Every environment of an alias service serves the alias: all are watched from the move on.
    const deployPhase = byPr ? e.oneOf('deploy_phase', ['pull_request', 'merge'] as const) : 'merge';
    const golden = readGoldenChecks(e, healthcheckUrl, environment);
    e.rejectUnknown();
    return { name, healthcheckUrl, deployPhase, field: healthcheckField, golden } satisfies EnvironmentConfig;
  });
  const names = environments.map((e) => e.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) r.problem('environments', `environment "${duplicate}" is listed twice`);
  return environments;
}

/** Who approves: at least one user or group, or nobody could. */
function readApprovers(r: Reader): { users: string[]; usergroups: string[] } {
  const approversTable = r.table('approvers');
  const approvers = {
    users: approversTable.strings('users', { pattern: USER_ID, hint: 'Slack user IDs like "U0123456789"' }),
    usergroups: approversTable.strings('usergroups', {
      pattern: USERGROUP_ID,
      hint: 'Slack user group IDs like "S0123456789"',
    }),
  };
  approversTable.rejectUnknown();
  if (approvers.users.length === 0 && approvers.usergroups.length === 0) {
    r.problem('approvers', 'expected at least one user or user group: nobody could approve a rollback');
  }
  return approvers;
}

/** `[services.<name>.pr]`: labels, title template (placeholders checked) and branch prefix. */
function readPr(r: Reader): ServiceConfig['pr'] {
  const prTable = r.table('pr', { optional: true });
  const pr = {
    labels: prTable.strings('labels', { default: ['rollback'] }),
    titleTemplate: prTable.string('title_template', { default: DEFAULT_TITLE_TEMPLATE }),
    branchPrefix: prTable.string('branch_prefix', { default: 'rollback/', pattern: /^[A-Za-z0-9._/-]*$/ }),
  };
  for (const placeholder of pr.titleTemplate.match(/\{[^}]*\}/g) ?? []) {
    const inner = placeholder.slice(1, -1);
    if (!(TITLE_PLACEHOLDERS as readonly string[]).includes(inner)) {
      prTable.problem(
        'title_template',
        `unknown placeholder ${placeholder}; expected ${TITLE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      );
    }
  }
  prTable.rejectUnknown();
  return pr;
}

/** `[services.<name>.notify]`: who else hears of each outcome. */
function readNotify(r: Reader): NotifyConfig {
  const notifyTable = r.table('notify', { optional: true });
  const notify: NotifyConfig = {
    snsTopicArn: notifyTable.optionalString('sns_topic_arn', {
      pattern: SNS_TOPIC_ARN,
      hint: 'an SNS topic ARN like "arn:aws:sns:eu-west-2:123456789012:model-rollbacks"',
    }),
    channels: notifyTable.strings('channels', {
      pattern: CHANNEL_ID,
      hint: 'Slack channel IDs like "C0123456789"',
    }),
    usergroups: notifyTable.strings('usergroups', {
      pattern: USERGROUP_ID,
      hint: 'Slack user group IDs like "S0123456789"',
    }),
  };
  notifyTable.rejectUnknown();
  return notify;
}

/** Alarm name patterns, each refused when it could backtrack on outside text. */
function readAlarmPatterns(r: Reader): RegExp[] {
  const alarmPatterns: RegExp[] = [];
  for (const [i, p] of r.strings('alarm_patterns').entries()) {
    try {
      alarmPatterns.push(new RegExp(p));
      refuseSlowPattern(r, `alarm_patterns[${i}]`, p);
    } catch (err) {
      r.problem(`alarm_patterns[${i}]`, `expected a regular expression: ${(err as Error).message}`);
    }
  }
  return alarmPatterns;
}

/**
 * Patterns run on outside text (commands, healthchecks, alarm names) before Slack's 3-second ack; one
 * that can backtrack for minutes would freeze every replica that loads it, so it is refused here.
 */
function refuseSlowPattern(r: Reader, key: string, source: string): void {
  const risk = backtrackingRisk(source);
  if (risk) {
    r.problem(
      key,
      `refused: the pattern can take super-linear time on outside text (${risk}); rewrite it so each character can be matched only one way, e.g. \\d+(?:\\.\\d+)* rather than (\\d+\\.?)+`,
    );
  }
}
