/**
 * Environment variables. Every missing or malformed variable is named in one error so a
 * deploy fails once, not once per variable. Values are never echoed: most of them are secrets.
 */
export type SlackMode =
  | { readonly kind: 'http'; readonly signingSecret: string }
  | { readonly kind: 'socket'; readonly appToken: string; readonly signingSecret?: string };

export type GitHubAuth =
  | { readonly kind: 'token'; readonly token: string }
  | {
      readonly kind: 'app';
      readonly appId: string;
      readonly privateKey: string;
      readonly installationId?: number;
    };

export interface Env {
  readonly slackBotToken: string;
  readonly slack: SlackMode;
  readonly slackApiUrl?: string;
  readonly port: number;
  /** Where /readyz details and /metrics are served instead of `port`; unset: on `port`, as before. */
  readonly admin?: { readonly port: number; readonly host: string };
  readonly github: GitHubAuth;
  readonly githubApiUrl?: string;
  readonly githubWebhookSecret?: string;
  readonly configPath: string;
  readonly databaseUrl: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** As MLflow's own clients read them; a service's `tracking_uri` wins over the URI. */
  readonly mlflow: MlflowEnv;
}

export interface MlflowEnv {
  readonly trackingUri?: string;
  /** Bearer (MLflow's token auth, Databricks). */
  readonly token?: string;
  /** Basic (MLflow's basic-auth app). */
  readonly username?: string;
  readonly password?: string;
}

export class EnvError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Environment is incomplete:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * `slack: false` for the CLI, which must work when Slack itself is down or not configured;
 * `github: false` for the CLI's history, which reads only the database.
 */
export function readEnv(
  source: NodeJS.ProcessEnv = process.env,
  needs: { slack: boolean; github?: boolean } = { slack: true },
): Env {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const v = source[name]?.trim();
    return v === '' ? undefined : v;
  };
  const require = (name: string, why: string): string => {
    const v = get(name);
    if (v === undefined) problems.push(`${name} is not set (${why})`);
    return v ?? '';
  };

  const slackBotToken = (needs.slack ? require : get)(
    'SLACK_BOT_TOKEN',
    'the bot token, xoxb-…, from the app’s OAuth page',
  );
  if (needs.slack && slackBotToken && !slackBotToken.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN does not look like a bot token (expected it to start with xoxb-)');
  }
  const appToken = get('SLACK_APP_TOKEN');
  let slack: SlackMode;
  if (appToken) {
    if (!appToken.startsWith('xapp-')) {
      problems.push(
        'SLACK_APP_TOKEN does not look like an app-level token (expected it to start with xapp-)',
      );
    }
    slack = { kind: 'socket', appToken, signingSecret: get('SLACK_SIGNING_SECRET') };
  } else {
    slack = {
      kind: 'http',
      signingSecret:
        (needs.slack ? require : get)(
          'SLACK_SIGNING_SECRET',
          'needed in HTTP mode to verify requests; or set SLACK_APP_TOKEN for Socket Mode',
        ) ?? '',
    };
  }

  const portText = get('PORT') ?? '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`PORT must be a port number, got "${portText}"`);

  const adminPortText = get('ADMIN_PORT');
  const adminHost = get('ADMIN_HOST');
  const adminPort = adminPortText === undefined ? undefined : Number(adminPortText);
  if (adminPort !== undefined && (!Number.isInteger(adminPort) || adminPort < 1 || adminPort > 65535))
    problems.push(`ADMIN_PORT must be a port number, got "${adminPortText}"`);
  else if (adminPort !== undefined && adminPort === port)
    problems.push(
      'ADMIN_PORT must differ from PORT: the admin port exists to keep /metrics off the public one',
    );
  if (adminHost !== undefined && adminPort === undefined)
    problems.push('ADMIN_HOST is set but ADMIN_PORT is not: set ADMIN_PORT too, or unset ADMIN_HOST');

  let github: GitHubAuth;
  const token = get('GITHUB_TOKEN');
  const appId = get('GITHUB_APP_ID');
  if (token) github = { kind: 'token', token };
  else if (appId) {
    const installation = get('GITHUB_APP_INSTALLATION_ID');
    if (installation !== undefined && !/^\d+$/.test(installation)) {
      problems.push('GITHUB_APP_INSTALLATION_ID must be a number');
    }
    github = {
      kind: 'app',
      appId,
      // Private keys pasted into env files often carry literal "\n".
      privateKey: require('GITHUB_APP_PRIVATE_KEY', 'the GitHub App’s PEM key, with GITHUB_APP_ID').replace(
        /\\n/g,
        '\n',
      ),
      installationId: installation ? Number(installation) : undefined,
    };
  } else {
    if (needs.github ?? true) {
      problems.push(
        'GITHUB_TOKEN is not set (or set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY for a GitHub App)',
      );
    }
    github = { kind: 'token', token: '' };
  }

  const databaseUrl = get('DATABASE_URL') ?? 'sqlite:./data/rollback-bot.db';
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    problems.push('DATABASE_URL must be sqlite:<path> or postgres://…');
  }
  const logLevel = (get('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const mlflow: MlflowEnv = {
    trackingUri: get('MLFLOW_TRACKING_URI'),
    token: get('MLFLOW_TRACKING_TOKEN'),
    username: get('MLFLOW_TRACKING_USERNAME'),
    password: get('MLFLOW_TRACKING_PASSWORD'),
  };
  if ((mlflow.username === undefined) !== (mlflow.password === undefined)) {
    problems.push('MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD go together: set both, or neither');
  }
  for (const name of ['SLACK_API_URL', 'GITHUB_API_URL', 'MLFLOW_TRACKING_URI'] as const) {
    const v = get(name);
    if (v !== undefined && !/^https?:\/\//.test(v)) problems.push(`${name} must be an http(s) URL`);
  }

  if (problems.length > 0) throw new EnvError(problems);
  return {
    slackBotToken: slackBotToken ?? '',
    slack,
    slackApiUrl: get('SLACK_API_URL'),
    port,
    admin: adminPort === undefined ? undefined : { port: adminPort, host: adminHost ?? '127.0.0.1' },
    github,
    githubApiUrl: get('GITHUB_API_URL'),
    githubWebhookSecret: get('GITHUB_WEBHOOK_SECRET'),
    configPath: get('ROLLBACK_BOT_CONFIG') ?? './rollback-bot.toml',
    databaseUrl,
    logLevel: logLevel as Env['logLevel'],
    mlflow,
  };
}
