/**
 * Failed Slack posts the background round retries (thread messages, cards): what the failure was, how
 * long to wait, and the audited end when the bot gives up on one.
 */
import type { BotConfig } from '../config/botConfig.js';
import type { RollbackRequest } from '../domain/request.js';
import { afterFailure, isPermanent, type RetryPolicy, type RetryVerdict } from '../domain/retryPolicy.js';
import { audit } from './audit.js';
import type { WorkflowDeps } from './deps.js';

const HOUR = 3_600_000;

/** Back-off starts at `repair_after_seconds` and doubles, at most an hour apart. */
export function retryPolicyOf(config: BotConfig): RetryPolicy {
  return {
    maxAttempts: config.replicas.slackMaxAttempts,
    maxPermanentAttempts: 3,
    baseDelayMs: config.replicas.repairAfterSeconds * 1000,
    maxDelayMs: HOUR,
  };
}

/**
 * Slack's own code for a failure: the Web API's error (`channel_not_found`), `ratelimited`, `http_503`
 * for an HTTP answer, `request_failed` for no answer (timeout, refused); `error` for anything else.
 */
export function failureCode(err: unknown): string {
  const e = err as { code?: string; data?: { error?: unknown }; statusCode?: number };
  if (typeof e?.data?.error === 'string') return e.data.error;
  switch (e?.code) {
    case 'slack_webapi_rate_limited_error':
      return 'ratelimited';
    case 'slack_webapi_http_error':
      return `http_${e.statusCode ?? 'error'}`;
    case 'slack_webapi_request_error':
      return 'request_failed';
    default:
      return 'error';
  }
}

export interface FailedAttempt {
  readonly attempt: number;
  readonly code: string;
  readonly error: string;
  readonly verdict: RetryVerdict;
}

export function judgeFailure(
  deps: Pick<WorkflowDeps, 'config'>,
  attempt: number,
  err: unknown,
  code: string = failureCode(err),
): FailedAttempt {
  return {
    attempt,
    code,
    error: (err as Error)?.message ?? String(err),
    verdict: afterFailure(attempt, code, retryPolicyOf(deps.config)),
  };
}

/** The audit record of a post the bot stopped trying: which request, what, how often, the last error. */
export async function auditGaveUp(
  deps: Pick<WorkflowDeps, 'store' | 'log'>,
  request: RollbackRequest,
  what: string,
  failed: FailedAttempt,
  kind: 'slack_gave_up' | 'notify_gave_up' = 'slack_gave_up',
): Promise<void> {
  await audit(deps, {
    requestId: request.id,
    service: request.service,
    kind,
    detail: {
      what,
      attempts: failed.attempt,
      error: failed.error,
      code: failed.code,
      permanent: isPermanent(failed.code),
    },
  });
}
