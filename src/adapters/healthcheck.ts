/**
 * Healthcheck reads. Every environment is read concurrently with its own timeout; each result is either
 * the reported model or a precise error, so one failing environment never hides the others.
 */

import type { Healthchecks, HealthcheckTarget, HealthError, HealthResult } from '../ports/models.js';
import { sharedCalls } from '../support/sharedCalls.js';
import { BodyTooLargeError, readCappedText } from './cappedBody.js';
import { type CallObserver, describeFailure, ignoreCalls } from './outsideCall.js';

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

  async function read(env: HealthcheckTarget): Promise<HealthResult> {
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
    // The field is the service's (`healthcheck_field`); a registry's number may come as a JSON number.
    const field = env.field ?? 'model_version';
    const raw = record[field];
    const served = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
    if (typeof served !== 'string' || served === '') return fail({ kind: 'missing_field', field });
    // The iteration pattern runs on it: bounded like a version typed in a command.
    if (served.length > MAX_MODEL_VERSION_CHARS) {
      return fail({ kind: 'field_too_long', field, length: served.length, max: MAX_MODEL_VERSION_CHARS });
    }
    const bad = unlikeAName(served);
    if (bad) return fail({ kind: 'bad_field', field, why: bad });
    if (typeof record.healthy !== 'boolean') return fail({ kind: 'missing_field', field: 'healthy' });
    observe('healthcheck', 'ok', performance.now() - started);
    return {
      environment: env.name,
      ok: true,
      modelVersion: served,
      gitSha: typeof record.git_sha1 === 'string' ? record.git_sha1 : '',
      healthy: record.healthy,
      latencyMs: Math.round(performance.now() - started),
    };
  }

  // Concurrent reads of one URL share a request: a burst of commands must not open a socket each.
  const reads = sharedCalls<string, HealthResult>();
  const shared = (env: HealthcheckTarget): Promise<HealthResult> =>
    reads.get(`${env.name}\u0000${env.healthcheckUrl}\u0000${env.field ?? ''}`, () => read(env));
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
