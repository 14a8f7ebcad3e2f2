/**
 * Retries of GitHub calls that failed for a passing reason: 5xx, a timeout or a network failure (octokit
 * reports those as status 500 or without a status), and secondary rate limits (403/429 with Retry-After
 * or GitHub's own words). Never another 4xx: those say something about the request that another try
 * will not change. Bounded: a few attempts, and a Retry-After longer than the longest wait fails at once
 * with its cause, rather than hold a person waiting.
 */

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** First back-off; doubled each time, with jitter. */
  readonly baseDelayMs: number;
  /** No single wait is longer (a longer Retry-After is not waited for). */
  readonly maxDelayMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 20_000 };

interface HttpFailure {
  readonly status?: number;
  readonly message?: string;
  readonly response?: { readonly headers?: Record<string, unknown> };
}

/** Seconds GitHub asked to wait, from `retry-after` or the reset time of an exhausted budget. */
function askedToWaitMs(err: HttpFailure, now: number): number | undefined {
  const headers = err.response?.headers ?? {};
  const after = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(after)) return Math.max(0, after) * 1000;
  const reset = Number(headers['x-ratelimit-reset']);
  if (headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset))
    return Math.max(0, reset * 1000 - now);
  return undefined;
}

/** How long to wait before try number `attempt + 1`, or undefined when the failure is not worth it. */
export function retryDelayMs(
  err: unknown,
  attempt: number,
  policy: RetryPolicy,
  now = Date.now(),
): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  const failure = (err ?? {}) as HttpFailure;
  const status = failure.status;
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = backoff * (0.5 + (policy.random ?? Math.random)() / 2);
  if (status === undefined || status >= 500) return jittered;
  if (status === 403 || status === 429) {
    const secondary = /secondary rate limit|abuse/i.test(failure.message ?? '');
    const asked = askedToWaitMs(failure, now);
    if (!secondary && asked === undefined && status === 403) return undefined; // a permission problem
    const wait = asked ?? backoff;
    return wait <= policy.maxDelayMs ? Math.max(wait, jittered) : undefined;
  }
  return undefined;
}

const sleeping = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

export async function withRetries<T>(fn: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const wait = retryDelayMs(err, attempt, policy);
      if (wait === undefined) throw err;
      await (policy.sleep ?? sleeping)(wait);
    }
  }
}
