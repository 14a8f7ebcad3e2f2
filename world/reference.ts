/**
 * The reference deployment the tests and benchmarks run the bot against: one service (fpo-search) with
 * its channel, bucket, config repository, approvers and three environments, and the bot config that
 * points at the local world's healthchecks. The demo tells the same story with its own names
 * (demo/config.ts), since people read them on its page.
 */
import { readFixture } from './fixtures.js';
import type { FakeRepoSeed } from './github.js';

export const SIGNING_SECRET = 'test-signing-secret';
/** App-level token (Socket Mode); the local Slack opens connections only for this one. */
export const APP_TOKEN = 'xapp-1-A1-1-testtoken';
export const BOT_TOKEN = 'xoxb-test-token';
export const GITHUB_TOKEN = 'ghs_testtoken';
export const CHANNEL = 'CROLLBACK1';
export const REPO = 'example-org/fpo-search';
export const BUCKET = 'fpo-search-models';
export const USERS = {
  alice: 'UALICE0001',
  bob: 'UBOB000001',
  carol: 'UCAROL0001',
  mallory: 'UMALLORY01',
  /** An approver only through the on-call user group. */
  dave: 'UDAVE00001',
};
export const ONCALL_GROUP = 'SONCALL001';
export const TOPIC_ARN = 'arn:aws:sns:eu-west-2:111122223333:slack-topic';
export const ALERT_CHANNEL = 'CALERTS001';
export const ALARM = 'fpo-search-production-5xx';

export const ENVIRONMENTS = ['development', 'staging', 'production'] as const;

/** What each healthcheck serves at the start: development one iteration ahead of staging and production. */
export const START_STATE: Record<(typeof ENVIRONMENTS)[number], { iteration: string; gitSha: string }> = {
  development: { iteration: '1.25.4-4b5c6d7', gitSha: '5f4e3d2' },
  staging: { iteration: '1.25.3-3a4b5c6', gitSha: '9e8d7c6' },
  production: { iteration: '1.25.3-3a4b5c6', gitSha: '9e8d7c6' },
};

/** The service's config repository: main holds the fixture config file (at `path`, or the default). */
export function configRepo(file: { path?: string; content?: string } = {}): FakeRepoSeed {
  return {
    defaultBranch: 'main',
    files: { [file.path ?? 'search-config.toml']: file.content ?? readFixture('search-config.toml') },
  };
}

export interface ReferenceConfigOptions {
  /** More TOML at the end of the config (another service, e.g. an MLflow one). */
  extraToml?:
    | string
    | ((world: { health: { urlFor(env: string): string }; mlflow?: { url: string } }) => string);
  /** Extra TOML appended inside [services.fpo-search]. */
  serviceToml?: string;
  botToml?: string;
  configFile?: { path: string; content: string; versionKey?: string };
  healthcheckTimeoutMs?: number;
  /** Seconds between tracking rounds (default: an hour, so tests drive rounds themselves). */
  pollSeconds?: number;
}

/** The bot's config for the reference deployment, its healthchecks served by `h.health`. */
export function configToml(
  h: { health: { urlFor(env: string): string }; mlflow?: { url: string } },
  opts: ReferenceConfigOptions = {},
): string {
  return `
[bot]
catalog_cache_seconds = 60
healthcheck_timeout_ms = ${opts.healthcheckTimeoutMs ?? 1000}
card_update_interval_ms = 0
sns_topic_arns = ["${TOPIC_ARN}"]
alert_message_channels = ["${ALERT_CHANNEL}"]
poll_seconds = ${opts.pollSeconds ?? 3600}
${opts.botToml ?? ''}

[services.fpo-search]
channel = "${CHANNEL}"
bucket = "${BUCKET}"
repo = "${REPO}"
config_path = "${opts.configFile?.path ?? 'search-config.toml'}"
version_key = "${opts.configFile?.versionKey ?? 'version'}"
alert_channel = "${ALERT_CHANNEL}"
alarm_names = ["${ALARM}"]
${opts.serviceToml ?? ''}

[services.fpo-search.approvers]
users = ["${USERS.bob}", "${USERS.carol}"]
usergroups = ["${ONCALL_GROUP}"]

[[services.fpo-search.environments]]
name = "development"
healthcheck_url = "${h.health.urlFor('development')}"
deploy_phase = "pull_request"

[[services.fpo-search.environments]]
name = "staging"
healthcheck_url = "${h.health.urlFor('staging')}"
deploy_phase = "merge"

[[services.fpo-search.environments]]
name = "production"
healthcheck_url = "${h.health.urlFor('production')}"
deploy_phase = "merge"
${typeof opts.extraToml === 'function' ? opts.extraToml(h) : (opts.extraToml ?? '')}
`;
}
