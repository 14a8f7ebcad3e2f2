/**
 * Healthcheck reads. Every environment is read concurrently with its own timeout; each result is either
 * the reported model or a precise error, so one failing environment never hides the others.
 */
import type { EnvironmentConfig } from '../config/botConfig.js';
import { sharedCalls } from '../support/sharedCalls.js';
import { BodyTooLargeError, formatBytes, readCappedText } from './cappedBody.js';
import { type CallObserver, describeFailure, ignoreCalls } from './outsideCall.js';

export type HealthError =
  | { readonly kind: 'timeout'; readonly afterMs: number }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'invalid_json'; readonly detail: string }
  | { readonly kind: 'missing_field'; readonly field: string }
  /** Present but not something any model name can be; the value itself is never repeated. */
  | { readonly kind: 'bad_field'; readonly field: string; readonly why: string }
  | { readonly kind: 'too_large'; readonly url: string; readonly limitBytes: number }
  | { readonly kind: 'field_too_long'; readonly field: string; readonly length: number; readonly max: number }
  | { readonly kind: 'network'; readonly detail: string };

export type HealthResult =
  | {
      readonly environment: string;
      readonly ok: true;
      readonly modelVersion: string;
      readonly gitSha: string;
      readonly healthy: boolean;
      readonly latencyMs: number;
    }
  | {
      readonly environment: string;
      readonly ok: false;
      readonly error: HealthError;
      readonly latencyMs: number;
    };

export interface Healthchecks {
  read(env: EnvironmentConfig): Promise<HealthResult>;
  readAll(envs: readonly EnvironmentConfig[]): Promise<HealthResult[]>;
}

/** A healthcheck answers about 100 bytes of JSON; whatever answers at that URL is read this far only. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Real ones are about 15 to 40 characters (`1.25.3-3a4b5c6`). */
export const MAX_MODEL_VERSION_CHARS = 64;

export function createHealthchecks(options: {
  timeoutMs: number;
  fetch?: typeof fetch;
  observe?: CallObserver;
}): Healthchecks {
  const doFetch = options.fetch ?? fetch;
  const observe = options.observe ?? ignoreCalls;

  async function read(env: EnvironmentConfig): Promise<HealthResult> {
    const started = performance.now();
    const fail = (error: HealthError, outcome: Parameters<CallObserver>[1] = 'error'): HealthResult => {
      observe('healthcheck', outcome, performance.now() - started);
      return { environment: env.name, ok: false, error, latencyMs: Math.round(performance.now() - started) };
    };
    let body: string;
    try {
      const res = await doFetch(env.healthcheckUrl, {
        signal: AbortSignal.timeout(options.timeoutMs),
        headers: { accept: 'application/json' },
      });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        return fail({ kind: 'status', status: res.status }, res.status >= 500 ? 'http_5xx' : 'http_4xx');
      }
      body = await readCappedText(res, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError)
        return fail({ kind: 'too_large', url: env.healthcheckUrl, limitBytes: err.limitBytes });
      const failure = describeFailure(err, options.timeoutMs);
      if (failure.outcome === 'timeout')
        return fail({ kind: 'timeout', afterMs: options.timeoutMs }, 'timeout');
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return fail(
        { kind: 'network', detail: cause?.code ?? cause?.message ?? (err as Error).message },
        failure.outcome,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (err) {
      return fail({ kind: 'invalid_json', detail: (err as Error).message });
    }
    const record = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
    if (typeof record.model_version !== 'string' || record.model_version === '') {
      return fail({ kind: 'missing_field', field: 'model_version' });
    }
    // The iteration pattern runs on it: bounded like a version typed in a command.
    if (record.model_version.length > MAX_MODEL_VERSION_CHARS) {
      return fail({
        kind: 'field_too_long',
        field: 'model_version',
        length: record.model_version.length,
        max: MAX_MODEL_VERSION_CHARS,
      });
    }
    const bad = unlikeAName(record.model_version);
    if (bad) return fail({ kind: 'bad_field', field: 'model_version', why: bad });
    if (typeof record.healthy !== 'boolean') return fail({ kind: 'missing_field', field: 'healthy' });
    observe('healthcheck', 'ok', performance.now() - started);
    return {
      environment: env.name,
      ok: true,
      modelVersion: record.model_version,
      gitSha: typeof record.git_sha1 === 'string' ? record.git_sha1 : '',
      healthy: record.healthy,
      latencyMs: Math.round(performance.now() - started),
    };
  }

  // Concurrent reads of one URL share a request: a burst of commands must not open a socket each.
  const reads = sharedCalls<string, HealthResult>();
  const shared = (env: EnvironmentConfig): Promise<HealthResult> =>
    reads.get(`${env.name}\u0000${env.healthcheckUrl}`, () => read(env));
  return { read: shared, readAll: (envs) => Promise.all(envs.map(shared)) };
}

/**
 * Why an answer cannot be a model name whatever the service's iteration pattern, or undefined. Control
 * and format characters (terminal escapes, bell, bidirectional overrides, zero-width marks) would act on
 * whoever reads the value rather than show it, so such an environment reads as failing instead. Printable
 * text that is merely not an iteration passes: the domain treats it as no iteration, and every display
 * escapes it (Slack markup, GitHub's strict alphabet).
 */
export function unlikeAName(value: string): string | undefined {
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(value)) return 'holds control or format characters';
  return undefined;
}

export function describeHealthError(error: HealthError): string {
  switch (error.kind) {
    case 'timeout':
      return `no answer within ${error.afterMs} ms`;
    case 'status':
      return `HTTP ${error.status}`;
    case 'invalid_json':
      return 'answered with invalid JSON';
    case 'missing_field':
      return `answer has no \`${error.field}\``;
    case 'bad_field':
      return `answer's \`${error.field}\` ${error.why}`;
    case 'too_large':
      return `answer from ${error.url} is larger than ${formatBytes(error.limitBytes)} (not a healthcheck?)`;
    case 'field_too_long':
      return `answer's \`${error.field}\` is ${error.length} characters long (at most ${error.max})`;
    case 'network':
      return `unreachable (${error.detail})`;
  }
}
