/**
 * Who and what the demo world holds: people, channels, the service, and the bot config that points the
 * real bot at the local stand-ins. Nothing here is read from the environment.
 */

export const TEAM = { id: 'T0DEMO0001', domain: 'example', name: 'Example ML' } as const;
export const APP_ID = 'A0ROLLBACK1';
export const BOT = { userId: 'U0ROLLBOT1', botId: 'B0ROLLBOT1', name: 'rollback-bot' } as const;

export interface DemoPerson {
  readonly id: string;
  readonly name: string;
  readonly realName: string;
  /** What this person can do in the story, shown next to the name. */
  readonly role: string;
  readonly color: string;
  /** A guest (Slack's is_ultra_restricted for `single`): may read, may not ask unless listed by id. */
  readonly guest?: 'multi' | 'single';
}

export const PEOPLE = {
  alice: {
    id: 'U0ALICE001',
    name: 'alice',
    realName: 'Alice Archer',
    role: 'requester',
    color: '#2f6fb3',
  },
  bob: { id: 'U0BOB00001', name: 'bob', realName: 'Bob Baker', role: 'approver', color: '#2a8a5b' },
  carol: {
    id: 'U0CAROL001',
    name: 'carol',
    realName: 'Carol Chen',
    role: 'approver via @ml-oncall',
    color: '#8a4fb0',
  },
  mallory: {
    id: 'U0MALLORY1',
    name: 'mallory',
    realName: 'Mallory Moss',
    role: 'not an approver',
    color: '#b5532f',
  },
  gina: {
    id: 'U0GINA0001',
    name: 'gina',
    realName: 'Gina Gale',
    role: 'guest',
    color: '#7a7a2a',
    guest: 'single',
  },
} as const satisfies Record<string, DemoPerson>;

export const ONCALL_GROUP = {
  id: 'S0MLONCALL',
  handle: 'ml-oncall',
  name: 'ML on-call',
  members: [PEOPLE.carol.id],
} as const;

export const CHANNELS = {
  rollbacks: { id: 'C0ROLLBACKS', name: 'ml-rollbacks', topic: 'Rollback requests for fpo-search' },
  alerts: { id: 'C0MLALERTS1', name: 'ml-alerts', topic: 'CloudWatch alarms and other alerts' },
  reco: {
    id: 'C0RECOROLL1',
    name: 'reco-rollbacks',
    topic: 'Rollback requests for reco (MLflow registry: the champion alias)',
  },
  /** No service's channel: read-only commands work here, requests are refused with where to ask. */
  random: { id: 'C0RANDOM001', name: 'random', topic: 'Anything at all (no service is requested here)' },
} as const;

/** Another tool that posts alerts in #ml-alerts (the bot answers its messages in their thread). */
export const ALERT_TOOL = { botId: 'B0CLOUDWCH', name: 'AWS Chatbot', color: '#d4762c' } as const;

export const SERVICE = 'fpo-search';
export const REPO = 'example-org/fpo-search';
export const CONFIG_PATH = 'search-config.toml';
export const BUCKET = 'fpo-search-models';
export const TOPIC_ARN = 'arn:aws:sns:eu-west-2:111122223333:slack-topic';
export const ALARM = 'fpo-search-production-5xx';
export const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/**
 * The second service: models in an MLflow registry, rolled back by moving the serving alias. Its
 * environments' healthchecks follow the alias (world/aliasServing.ts) as a model server reloading
 * `models:/reco-ranker@champion` would.
 */
export const RECO = {
  service: 'reco',
  model: 'reco-ranker',
  alias: 'champion',
  /** Healthcheck names of its environments (one healthcheck server holds both services'). */
  environments: [
    { name: 'staging', healthcheck: 'reco-staging', delayMs: 1000 },
    { name: 'production', healthcheck: 'reco-production', delayMs: 2000 },
  ],
  versions: 15,
  /** Never passed validation. */
  failed: 13,
  /** Were champion before (a team backfilled `rollback_bot.champion_since`): they reached production. */
  formerChampions: [9, 11, 12],
} as const;

/** reco-ranker's versions, as the stand-in seeds them: one run each with `auc` and `rmse`. */
export function recoSeed(): {
  models: Array<{
    name: string;
    description: string;
    versions: Array<{ runId: string; tags: Record<string, string>; description: string }>;
    aliases: Record<string, number>;
  }>;
  runs: Array<{ runId: string; experimentId: string; runName: string; metrics: Record<string, number> }>;
} {
  const numbers = Array.from({ length: RECO.versions }, (_, i) => i + 1);
  const runId = (n: number) => `5eed${String(n).padStart(4, '0')}c0ffee${String(n).padStart(4, '0')}`;
  return {
    models: [
      {
        name: RECO.model,
        description: 'Ranks recommendations on the home page',
        versions: numbers.map((n) => {
          const tags: Record<string, string> = {
            validation_status: n === RECO.failed ? 'failed' : 'passed',
          };
          if ((RECO.formerChampions as readonly number[]).includes(n)) {
            tags['rollback_bot.champion_since'] = new Date(Date.UTC(2026, 0, 5 + n, 9)).toISOString();
          }
          return { runId: runId(n), tags, description: `weekly retrain #${n}` };
        }),
        aliases: { [RECO.alias]: RECO.versions },
      },
    ],
    runs: numbers.map((n) => ({
      runId: runId(n),
      experimentId: '7',
      runName: `reco-train-${n}`,
      // A gentle improvement over the weeks; the failed version is visibly worse.
      metrics: {
        auc: Number((0.78 + n * 0.004 - (n === RECO.failed ? 0.05 : 0)).toFixed(4)),
        rmse: Number((0.92 - n * 0.006 + (n === RECO.failed ? 0.08 : 0)).toFixed(4)),
      },
    })),
  };
}

/** What each healthcheck serves when the demo starts (as in the tests' fixture world). */
export const START_STATE: Record<EnvironmentName, { iteration: string; gitSha: string }> = {
  development: { iteration: '1.25.4-4b5c6d7', gitSha: '5f4e3d2' },
  staging: { iteration: '1.25.3-3a4b5c6', gitSha: '9e8d7c6' },
  production: { iteration: '1.25.3-3a4b5c6', gitSha: '9e8d7c6' },
};

/** The bot's config, modelled on the reference deployment, pointing at the local healthchecks. */
export function demoConfigToml(
  healthcheckUrl: (env: string) => string,
  pollSeconds: number,
  mlflowUrl: string,
): string {
  return `
[bot]
catalog_cache_seconds = 5
healthcheck_timeout_ms = 2000
card_update_interval_ms = 200
usergroup_cache_seconds = 60
sns_topic_arns = ["${TOPIC_ARN}"]
alert_message_channels = ["${CHANNELS.alerts.id}"]
poll_seconds = ${pollSeconds}
verify_consecutive_reads = 2
verify_timeout_minutes = 15

[services.${SERVICE}]
channel = "${CHANNELS.rollbacks.id}"
alert_channel = "${CHANNELS.alerts.id}"
bucket = "${BUCKET}"
repo = "${REPO}"
config_path = "${CONFIG_PATH}"
version_key = "version"
base_branch = "main"
alarm_names = ["${ALARM}"]

[services.${SERVICE}.approvers]
users = ["${PEOPLE.bob.id}"]
usergroups = ["${ONCALL_GROUP.id}"]

[services.${SERVICE}.pr]
labels = ["rollback", "risk:high"]
${ENVIRONMENTS.map(
  (env) => `
[[services.${SERVICE}.environments]]
name = "${env}"
healthcheck_url = "${healthcheckUrl(env)}"
deploy_phase = "${env === 'development' ? 'pull_request' : 'merge'}"`,
).join('\n')}

[services.${RECO.service}]
channel = "${CHANNELS.reco.id}"
source = "mlflow"
action = "registry_alias"

[services.${RECO.service}.mlflow]
tracking_uri = "${mlflowUrl}"
model = "${RECO.model}"
alias = "${RECO.alias}"
metrics = ["auc", "rmse"]

[services.${RECO.service}.approvers]
users = ["${PEOPLE.bob.id}"]
usergroups = ["${ONCALL_GROUP.id}"]
${RECO.environments
  .map(
    (env) => `
[[services.${RECO.service}.environments]]
name = "${env.name}"
healthcheck_url = "${healthcheckUrl(env.healthcheck)}"`,
  )
  .join('\n')}
`;
}
