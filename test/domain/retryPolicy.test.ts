import { describe, expect, it } from 'vitest';
import { afterFailure, isPermanent, type RetryPolicy } from '../../src/domain/retryPolicy.js';

const policy: RetryPolicy = {
  maxAttempts: 8,
  maxPermanentAttempts: 3,
  baseDelayMs: 60_000,
  maxDelayMs: 3_600_000,
};

describe('retrying a Slack post', () => {
  it('waits twice as long after each transient failure, at most an hour, and gives up after the 8th', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((n) => afterFailure(n, 'ratelimited', policy));
    expect(waits.map((v) => (v.giveUp ? 'give up' : v.retryInMs / 60_000))).toEqual([1, 2, 4, 8, 16, 32, 60]);
    expect(afterFailure(8, 'http_503', policy)).toEqual({ giveUp: true });
  });

  it('gives up on a permanent failure after 3 attempts', () => {
    expect(afterFailure(2, 'channel_not_found', policy)).toEqual({ giveUp: false, retryInMs: 120_000 });
    expect(afterFailure(3, 'channel_not_found', policy)).toEqual({ giveUp: true });
    expect(afterFailure(1, 'not_in_channel', { ...policy, maxAttempts: 1 })).toEqual({ giveUp: true });
  });

  it('tells permanent failures from transient ones', () => {
    for (const code of [
      'channel_not_found',
      'not_in_channel',
      'is_archived',
      'invalid_auth',
      'account_inactive',
    ])
      expect(isPermanent(code), code).toBe(true);
    for (const code of ['msg_too_long', 'invalid_blocks', 'http_404'])
      expect(isPermanent(code), code).toBe(true);
    for (const code of [
      'ratelimited',
      'http_500',
      'http_503',
      'http_429',
      'http_408',
      'request_failed',
      'error',
    ])
      expect(isPermanent(code), code).toBe(false);
  });
});
