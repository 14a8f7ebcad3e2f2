import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryDelayMs, withRetries } from '../../src/adapters/githubRetry.js';

const policy = { ...DEFAULT_RETRY, random: () => 1 };
const failure = (status?: number, headers: Record<string, string> = {}, message = 'x') =>
  Object.assign(new Error(message), { status, response: { headers } });

describe('retryDelayMs', () => {
  it('backs off 5xx, timeouts and network failures, doubling, within the attempts', () => {
    expect(retryDelayMs(failure(502), 1, policy)).toBe(1000);
    expect(retryDelayMs(failure(500), 2, policy)).toBe(2000);
    expect(retryDelayMs(failure(undefined), 3, policy)).toBe(4000);
    expect(retryDelayMs(failure(503), 4, policy)).toBeUndefined();
  });

  it('never retries another 4xx', () => {
    for (const status of [400, 401, 404, 409, 422])
      expect(retryDelayMs(failure(status), 1, policy)).toBeUndefined();
    expect(
      retryDelayMs(failure(403, {}, 'Resource not accessible by integration'), 1, policy),
    ).toBeUndefined();
  });

  it('honours Retry-After on a secondary rate limit, and gives up when it is longer than the longest wait', () => {
    expect(
      retryDelayMs(
        failure(403, { 'retry-after': '3' }, 'You have exceeded a secondary rate limit'),
        1,
        policy,
      ),
    ).toBe(3000);
    expect(retryDelayMs(failure(429, { 'retry-after': '7' }), 1, policy)).toBe(7000);
    expect(retryDelayMs(failure(403, {}, 'You have exceeded a secondary rate limit'), 1, policy)).toBe(1000);
    expect(retryDelayMs(failure(429, { 'retry-after': '3600' }), 1, policy)).toBeUndefined();
  });

  it('waits for the reset of an exhausted budget only when it is near', () => {
    const now = 1_000_000_000_000;
    const soon = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 5) };
    expect(retryDelayMs(failure(403, soon), 1, policy, now)).toBe(5000);
    const late = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 1800) };
    expect(retryDelayMs(failure(403, late), 1, policy, now)).toBeUndefined();
  });
});

describe('withRetries', () => {
  it('tries again after the waits it was asked for, and stops at the first success', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw failure(500);
        return 'ok';
      },
      { ...policy, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([1000, 2000]);
  });

  it('throws the last failure when the attempts are spent, and a 4xx at once', async () => {
    let calls = 0;
    const fast = { ...policy, sleep: async () => undefined };
    await expect(
      withRetries(async () => {
        calls++;
        throw failure(500, {}, 'boom');
      }, fast),
    ).rejects.toThrow('boom');
    expect(calls).toBe(4);
    calls = 0;
    await expect(
      withRetries(async () => {
        calls++;
        throw failure(404);
      }, fast),
    ).rejects.toMatchObject({ status: 404 });
    expect(calls).toBe(1);
  });
});
