/**
 * When to try a Slack post again, and when to stop. A post Slack will never accept (the channel is gone,
 * the bot was removed from it, the token was revoked, the message is malformed) is given up after a
 * few attempts; a transient failure (rate limit, 5xx, timeout) after more, with exponential back-off in
 * between, so a dead channel costs a handful of calls instead of one every round forever.
 */

/** Slack's error codes that no retry will change (an operator has to act first). */
export const PERMANENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'ekm_access_denied',
  'team_access_not_granted',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'cannot_reply_to_message',
  'msg_too_long',
  'no_text',
  'too_many_attachments',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_arg_name',
]);

export interface RetryPolicy {
  /** Attempts (the first send included) before giving up on a transient failure. */
  readonly maxAttempts: number;
  /** Attempts before giving up on a permanent failure (at most `maxAttempts`). */
  readonly maxPermanentAttempts: number;
  /** The wait after the first failure; it doubles after each further one. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export type RetryVerdict = { readonly giveUp: false; readonly retryInMs: number } | { readonly giveUp: true };

/**
 * True for a failure no retry will fix: one of Slack's permanent error codes, or an HTTP 4xx other than
 * 408 and 429 (Slack answers its own errors with 200; a 4xx means a wrong URL or a refused request).
 */
export function isPermanent(code: string): boolean {
  if (PERMANENT_SLACK_ERRORS.has(code)) return true;
  return /^http_4\d\d$/.test(code) && code !== 'http_408' && code !== 'http_429';
}

/** After attempt `attempt` (1-based) failed with `code`: wait how long, or give up. */
export function afterFailure(attempt: number, code: string, policy: RetryPolicy): RetryVerdict {
  const limit = isPermanent(code)
    ? Math.min(policy.maxPermanentAttempts, policy.maxAttempts)
    : policy.maxAttempts;
  if (attempt >= limit) return { giveUp: true };
  const delay = policy.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  return { giveUp: false, retryInMs: Math.min(delay, policy.maxDelayMs) };
}
