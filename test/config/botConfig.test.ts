import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadBotConfig, parseBotConfig } from '../../src/config/botConfig.js';
import { readEnv } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/reader.js';

const example = readFileSync(new URL('../../rollback-bot.example.toml', import.meta.url), 'utf8');

function problemsOf(text: string): readonly string[] {
  try {
    parseBotConfig(text, 'bad.toml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('bad.toml');
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('bot config', () => {
  it('reads the shipped example into typed values with defaults', () => {
    const config = parseBotConfig(example);
    expect(config.healthcheckTimeoutMs).toBe(3000);
    const [svc] = config.services;
    expect(svc?.name).toBe('fpo-search');
    expect(svc?.repo).toEqual({ owner: 'example-org', name: 'fpo-search' });
    expect(svc?.environments.map((e) => e.name)).toEqual(['development', 'staging', 'production']);
    expect(svc?.promotedEnvironments).toEqual(['staging', 'production']);
    expect(svc?.baseBranch).toBeUndefined();
    expect(svc?.naming.pattern.exec('1.24.0-3f9c2ab')?.groups?.version).toBe('1.24.0');
    expect(svc?.pr.titleTemplate).toBe('fix(model): roll back {service} to {version}');
    // A listing is bounded as a whole; the default allows a bucket of 100,000 iterations (~460,000 keys).
    expect(config.listing).toEqual({ maxKeys: 1_000_000, timeoutSeconds: 300 });
    const withListing = (keys: string, seconds: string) =>
      example
        .replace(/^max_listing_keys = .*$/m, `max_listing_keys = ${keys}`)
        .replace(/^listing_timeout_seconds = .*$/m, `listing_timeout_seconds = ${seconds}`);
    expect(parseBotConfig(withListing('2000000', '60')).listing).toEqual({
      maxKeys: 2_000_000,
      timeoutSeconds: 60,
    });
    expect(problemsOf(withListing('10', '300'))).toEqual([
      'bot.max_listing_keys: expected an integer from 1000 to 100000000, got number 10',
    ]);
  });

  it('caps the user group cache at 5 minutes and reads alert_message_bots as bot ids', () => {
    const withBot = (line: string) => example.replace('[bot]', `[bot]\n${line}`);
    expect(problemsOf(withBot('usergroup_cache_seconds = 3600'))).toEqual([
      'bot.usergroup_cache_seconds: expected a number from 0 to 300, got number 3600',
    ]);
    expect(parseBotConfig(withBot('alert_message_bots = ["B0ALERTS01"]')).alertMessageBots).toEqual([
      'B0ALERTS01',
    ]);
    expect(problemsOf(withBot('alert_message_bots = ["U0PERSON01"]'))[0]).toContain('bot.alert_message_bots');
  });

  it('reads several services and a dotted key path', () => {
    const second = example
      .slice(0, example.indexOf('# A model in an MLflow registry'))
      .replaceAll('services.fpo-search', 'services.ranker')
      .replace('version_key = "version"', 'version_key = "model.version"');
    const config = parseBotConfig(`${example}\n${second.replace(/\[bot\][\s\S]*?(?=\[services\.)/, '')}`);
    expect(config.services.map((s) => s.name)).toEqual(['fpo-search', 'reco', 'ranker']);
    expect(config.services[2]?.versionKey).toEqual(['model', 'version']);
    // The example's second service: a registry, rolled back by its alias.
    expect(config.services[1]).toMatchObject({ source: 'mlflow', action: 'registry_alias' });
    expect(config.services[1]?.mlflow?.metrics).toEqual(['auc', 'rmse']);
  });

  it('names the key and what was expected, for every problem at once', () => {
    const broken = example
      .replace('channel = "C0123456789"', 'channel = "#ml-alerts"')
      .replace('deploy_phase = "merge"', 'deploy_phase = "push"')
      .replace('approvals_required = 1', 'approvals_required = 0')
      .replace(
        'title_template = "fix(model): roll back {service} to {version}"',
        'title_template = "{verison}"',
      )
      .replace('cooldown_hours = 24', 'cooldown_hours = 24\ncooldwn_hours = 1');
    expect(problemsOf(broken)).toEqual([
      'services.fpo-search.channel: expected a Slack channel ID like "C0123456789", got "#ml-alerts"',
      'services.fpo-search.environments[1].deploy_phase: expected one of "pull_request", "merge", got string "push"',
      'services.fpo-search.pr.title_template: unknown placeholder {verison}; expected {service}, {version}, {iteration}, {from}, {reason}, {request}',
      'services.fpo-search.approvals_required: expected an integer from 1 to 10, got number 0',
      'services.fpo-search.cooldwn_hours: unknown key (check the spelling against the README)',
    ]);
  });

  it('refuses patterns that can backtrack for minutes, naming the key and why, in one line each', () => {
    const slow = example
      .replace(
        "iteration_pattern = '^(?<version>\\d+\\.\\d+\\.\\d+)-(?<sha>[0-9a-f]{7})$'",
        // (a function: "$'" in a replacement string means the text after the match)
        () => "iteration_pattern = '^(?<version>(\\d+\\.?)+)-(?<sha>[0-9a-f]{7})$'",
      )
      .replace(
        "alarm_patterns = ['^fpo-search-.*-5xx$']",
        () => "alarm_patterns = ['^fpo-search-.*-5xx$', '^(a|a)*$']",
      );
    const problems = problemsOf(slow);
    expect(problems).toEqual([
      'services.fpo-search.iteration_pattern: refused: the pattern can take super-linear time on outside text (inside the repetition "(\\d+\\.?)+", "\\d+" can also match what follows it, so an input that almost matches is tried in exponentially many ways); rewrite it so each character can be matched only one way, e.g. \\d+(?:\\.\\d+)* rather than (\\d+\\.?)+',
      expect.stringMatching(
        /^services\.fpo-search\.alarm_patterns\[1\]: refused: the pattern can take super-linear time .*"a" and "a" can begin with the same character/,
      ),
    ]);
    for (const line of problems) expect(line).not.toContain('\n');
  });

  it('refuses a file with no services, and invalid TOML', () => {
    expect(problemsOf('[bot]\n')).toEqual(['services: expected at least one [services.<name>] table']);
    expect(problemsOf('services = [')[0]).toMatch(/^not valid TOML/);
  });

  it('refuses a service nobody could approve for, or with no environment deployed from main', () => {
    const problems = problemsOf(
      `[services.x]\nchannel="C0123456789"\nbucket="b"\nrepo="o/r"\nconfig_path="c.toml"\n[services.x.approvers]\n` +
        `[[services.x.environments]]\nname="development"\nhealthcheck_url="http://h/healthcheck"\ndeploy_phase="pull_request"\n`,
    );
    expect(problems).toEqual([
      'services.x.approvers: expected at least one user or user group: nobody could approve a rollback',
      'services.x.environments: expected at least one environment with deploy_phase = "merge" (deployed from main)',
    ]);
  });

  it('says which file could not be read', async () => {
    await expect(loadBotConfig('/nonexistent/bot.toml')).rejects.toThrow(
      /\/nonexistent\/bot.toml[\s\S]*ENOENT/,
    );
  });
});

describe('environment', () => {
  it('names every missing variable at once and never echoes values', () => {
    expect(() => readEnv({ SLACK_BOT_TOKEN: 'xoxb-secret-value' })).toThrow(
      /SLACK_SIGNING_SECRET is not set[\s\S]*GITHUB_TOKEN is not set/,
    );
    try {
      readEnv({ SLACK_BOT_TOKEN: 'not-a-token-secret', PORT: 'x' });
    } catch (err) {
      expect((err as Error).message).not.toContain('not-a-token-secret');
      expect((err as Error).message).toContain('PORT must be a port number');
    }
  });

  it('switches to Socket Mode with an app token, and lets the CLI run without Slack', () => {
    const env = readEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', GITHUB_TOKEN: 'ghp' });
    expect(env.slack.kind).toBe('socket');
    expect(env.port).toBe(3000);
    expect(env.databaseUrl).toBe('sqlite:./data/rollback-bot.db');
    expect(readEnv({ GITHUB_TOKEN: 'ghp' }, { slack: false }).github).toEqual({
      kind: 'token',
      token: 'ghp',
    });
  });

  it('accepts a GitHub App with an escaped private key', () => {
    const env = readEnv({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      GITHUB_APP_ID: '42',
      GITHUB_APP_PRIVATE_KEY: '-----BEGIN-----\\nabc\\n-----END-----',
      GITHUB_APP_INSTALLATION_ID: '7',
    });
    expect(env.github).toEqual({
      kind: 'app',
      appId: '42',
      privateKey: '-----BEGIN-----\nabc\n-----END-----',
      installationId: 7,
    });
  });
});

describe('environment: the admin port (issue 14, finding 15)', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', GITHUB_TOKEN: 'ghp' };
  const problems = (extra: Record<string, string>) => {
    try {
      readEnv({ ...base, ...extra });
    } catch (err) {
      return (err as Error).message;
    }
    return '';
  };

  it('is off unless ADMIN_PORT is set, and binds loopback unless ADMIN_HOST says otherwise', () => {
    expect(readEnv(base).admin).toBeUndefined();
    expect(readEnv({ ...base, ADMIN_PORT: '9090' }).admin).toEqual({ port: 9090, host: '127.0.0.1' });
    expect(readEnv({ ...base, ADMIN_PORT: '9090', ADMIN_HOST: '0.0.0.0' }).admin).toEqual({
      port: 9090,
      host: '0.0.0.0',
    });
  });

  it('refuses a bad port, the public port again, and a host without a port', () => {
    expect(problems({ ADMIN_PORT: 'nine' })).toContain('ADMIN_PORT must be a port number, got "nine"');
    expect(problems({ ADMIN_PORT: '3000' })).toContain('ADMIN_PORT must differ from PORT');
    expect(problems({ ADMIN_HOST: '0.0.0.0' })).toContain('ADMIN_HOST is set but ADMIN_PORT is not');
  });
});
