import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

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
});
