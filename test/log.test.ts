import { LogLevel } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { safeDatabaseUrl } from '../src/adapters/store/open.js';
import { boltLogger } from '../src/slack/boltLogger.js';
import { createLogger, redact } from '../src/support/log.js';
import { withoutDatabaseSecrets } from '../src/support/secrets.js';

function capture(level: Parameters<typeof createLogger>[0]) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(level, { app: 'rollback-bot' }, (line) => lines.push(JSON.parse(line)));
  return { log, lines };
}

describe('logs', () => {
  it('writes one JSON object per line with time, level, message and fields', () => {
    const { log, lines } = capture('info');
    log.child({ request: 'R-1' }).info('pr opened', { number: 7 });
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        app: 'rollback-bot',
        request: 'R-1',
        number: 7,
        msg: 'pr opened',
      },
    ]);
  });

  it('keeps an error’s stack and its whole cause chain', () => {
    const { log, lines } = capture('info');
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND api.github.com'), { code: 'ENOTFOUND' });
    const fetchFailed = new TypeError('fetch failed', { cause: dns });
    const wrapped = Object.assign(new Error('reading search-config.toml: host does not resolve'), {
      status: 500,
      cause: fetchFailed,
    });
    log.error('status failed', { error: wrapped });
    const error = lines[0]?.error as Record<string, unknown>;
    expect(error.type).toBe('Error');
    expect(error.message).toContain('reading search-config.toml');
    expect(String(error.stack)).toContain('log.test.ts');
    expect(error.status).toBe(500);
    expect(error.cause).toMatchObject({
      type: 'TypeError',
      message: 'fetch failed',
      cause: {
        message: 'getaddrinfo ENOTFOUND api.github.com',
        code: 'ENOTFOUND',
        stack: expect.any(String),
      },
    });
  });

  it('never writes a secret: by key, by token shape, in messages, stacks and database URLs', () => {
    const { log, lines } = capture('debug');
    log.info('token xoxb-1234-abcd leaked?', {
      env: { SLACK_BOT_TOKEN: 'xoxb-1234-abcd', GITHUB_TOKEN: 'ghp_abcdefABCDEF123456', PORT: 3000 },
      url: 'postgres://bot:s3cret@db:5432/rollbacks',
      error: new Error('auth failed for ghs_secrettoken123 and xapp-1-A-2-abc'),
    });
    const text = JSON.stringify(lines);
    for (const secret of [
      'xoxb-1234-abcd',
      'ghp_abcdefABCDEF123456',
      's3cret',
      'ghs_secrettoken123',
      'xapp-1-A-2-abc',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('postgres://bot:***@db:5432/rollbacks');
    expect(lines[0]?.env).toMatchObject({ PORT: 3000, SLACK_BOT_TOKEN: '[redacted]' });
  });

  it('writes audit lines whatever LOG_LEVEL says, and drops what is below it', () => {
    const { log, lines } = capture('error');
    log.info('not written');
    log.warn('not written either');
    log.audit('audit: approved', { request: 'R-1', actor: 'U1', actorName: 'bob' });
    log.error('written');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['audit', 'audit: approved'],
      ['error', 'written'],
    ]);
  });

  it('writes no Socket Mode envelope body at debug level: type and envelope id only', () => {
    const { log, lines } = capture('debug');
    const bolt = boltLogger(log, LogLevel.DEBUG);
    const envelope = {
      envelope_id: 'env-123',
      type: 'slash_commands',
      payload: { text: 'to 1.25.0 secret plan', response_url: 'https://hooks.slack.com/commands/T1/2/abc' },
    };
    // The socket-mode client's own wording (node_modules/@slack/socket-mode/dist/src/SocketModeClient.js).
    bolt.debug(`Received a message on the WebSocket: ${JSON.stringify(envelope)}`);
    bolt.debug(`Calling ack() - type: slash_commands, envelope_id: env-123, data: {"text":"done"}`);
    bolt.debug(`Sending a WebSocket message: {"envelope_id":"env-123","payload":{"text":"done"}}`);
    bolt.debug('Unable to parse an incoming WebSocket message (will ignore): SyntaxError, {"token":"x"');
    expect(lines.map((l) => l.msg)).toEqual([
      'Received a message on the WebSocket (type slash_commands, envelope_id env-123; body not logged)',
      'Calling ack() - type: slash_commands, envelope_id: env-123 (data not logged)',
      'Sending a WebSocket message (envelope_id env-123; body not logged)',
      'Unable to parse an incoming WebSocket message (will ignore) (body not logged)',
    ]);
  });
});

/** What the logger writes for a string (log.ts's redactor). */
const redactString = (text: string): string => redact(text) as string;

describe('the redactor', () => {
  it.each([
    ['an AKIA access key id', 'key AKIAIOSFODNN7EXAMPLE in use', 'AKIAIOSFODNN7EXAMPLE'],
    ['an ASIA (temporary) access key id', 'key ASIAIOSFODNN7EXAMPLE in use', 'ASIAIOSFODNN7EXAMPLE'],
    ['a bot token', 'auth xoxb-1234-5678-abcdEFGH failed', 'xoxb-1234-5678-abcdEFGH'],
    [
      'a GitHub token',
      'Bearer ghs_16C7e42F292c6912E7710c838347Ae178B4a',
      'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
    ],
  ])('hides %s', (_name, text, secret) => {
    expect(redactString(text)).not.toContain(secret);
    expect(redactString(text)).toContain('[redacted]');
  });

  it('hides a PEM private key, whole, escaped or cut short', () => {
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7';
    const key = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    for (const text of [
      `cannot parse ${key} as a key`,
      `GITHUB_APP_PRIVATE_KEY=${key.replace(/\n/g, '\\n')} rest`,
      `-----BEGIN PRIVATE KEY-----\n${body}`,
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----`,
    ]) {
      const out = redactString(text);
      expect(out).toContain('[redacted private key]');
      expect(out).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
      expect(out).not.toContain('BKcwggSjAgEAAoIBAQC7');
    }
    expect(redactString(`cannot parse ${key} as a key`)).toBe('cannot parse [redacted private key] as a key');
    // A certificate is public: kept.
    expect(redactString('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toContain('MIIB');
  });

  it('hides Slack response_url and webhook URLs, by value and by key', () => {
    const text =
      'posting to https://hooks.slack.com/commands/T0001/1234/AbCdEf failed; webhook https://hooks.slack.com/services/T0/B0/XyZ, gov https://hooks.slack-gov.com/actions/T1/2/q';
    const out = redactString(text);
    for (const secret of ['T0001/1234/AbCdEf', 'T0/B0/XyZ', 'T1/2/q']) expect(out).not.toContain(secret);
    expect(out).toContain('https://hooks.slack.com/[redacted] failed');
    expect(
      redact({ response_url: 'http://127.0.0.1:9/response/abc', responseUrl: 'x', webhook_url: 'y' }),
    ).toEqual({ response_url: '[redacted]', responseUrl: '[redacted]', webhook_url: '[redacted]' });
  });

  it('hides a database password with an "@" in it, and password parameters', () => {
    expect(safeDatabaseUrl('postgres://u:p@ss@host/db')).toBe('postgres://u:***@host/db');
    expect(safeDatabaseUrl('postgresql://u:p@h/db')).toBe('postgresql://u:***@h/db');
    expect(safeDatabaseUrl('postgres://u@host/db?password=x&sslmode=require')).toBe(
      'postgres://u@host/db?password=***&sslmode=require',
    );
    expect(safeDatabaseUrl('postgres://u:a/b@host/db?sslpassword=y')).toBe(
      'postgres://u:***@host/db?sslpassword=***',
    );
    expect(safeDatabaseUrl('postgres://host:5432/db')).toBe('postgres://host:5432/db');
    expect(redactString('connect postgres://u:p@ss@host/db?password=x now')).toBe(
      'connect postgres://u:***@host/db?password=*** now',
    );
    expect(redactString('GET https://b.s3.amazonaws.com/k?X-Amz-Signature=abc123&x=1')).toBe(
      'GET https://b.s3.amazonaws.com/k?X-Amz-Signature=[redacted]&x=1',
    );
    // What a driver says, with the URL's secrets and a split password's tail taken out.
    expect(
      withoutDatabaseSecrets(
        'no route to host sss@host for u:p@sss (postgres://u:p@sss@host/db)',
        'postgres://u:p@sss@host/db',
      ),
    ).toBe('no route to host ***@host for u:*** (postgres://u:***@host/db)');
    expect(
      withoutDatabaseSecrets('bad password=hunter22 in query', 'postgres://u@h/db?password=hunter22'),
    ).toBe('bad password=*** in query');
  });

  it('writes no secret through the logger, in messages, fields or errors', () => {
    const { log, lines } = capture('debug');
    log.warn('failed for ASIAIOSFODNN7EXAMPLE at https://hooks.slack.com/commands/T1/2/abc', {
      url: 'postgres://bot:p@ss@db/rollbacks?password=x2',
      error: new Error('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0\n-----END PRIVATE KEY-----'),
    });
    const text = JSON.stringify(lines);
    for (const secret of [
      'ASIAIOSFODNN7EXAMPLE',
      'T1/2/abc',
      'p@ss',
      'ss@db',
      'x2',
      'MIIEvQIBADANBgkqhkiG9w0',
    ])
      expect(text).not.toContain(secret);
  });
});
