/**
 * Golden requests: one known request to a deployed model, bounded like a healthcheck read (the
 * healthcheck timeout, a 64 KB answer), whose failure says what really happened (timeout, DNS, refused,
 * too large). Redirects are not followed: the answer judged is the one from the configured address, and a
 * header (a token) is never sent on to another host.
 */
import type { GoldenAnswer, GoldenCheck } from '../domain/golden.js';
import type { GoldenRequests } from '../ports/models.js';
import { BodyTooLargeError, readCappedText } from './cappedBody.js';
import { MAX_BODY_BYTES } from './healthcheck.js';
import { type CallObserver, describeFailure, ignoreCalls } from './outsideCall.js';

export function createGoldenRequests(options: {
  timeoutMs: number;
  fetch?: typeof fetch;
  observe?: CallObserver;
}): GoldenRequests {
  const doFetch = options.fetch ?? fetch;
  const observe = options.observe ?? ignoreCalls;

  async function send(check: GoldenCheck): Promise<GoldenAnswer> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (check.body !== undefined) headers['content-type'] = 'application/json';
    for (const h of check.headers) headers[h.name] = h.value();
    // One bound for the whole exchange, the body included: a server that sends headers and then
    // trickles the body is as stuck as one that never answers.
    const signal = AbortSignal.timeout(options.timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await doFetch(check.url, {
        method: check.method,
        headers,
        body: check.body === undefined ? undefined : JSON.stringify(check.body),
        redirect: 'manual',
        signal,
      });
      status = res.status;
      text = await readCappedText(res, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        observe('golden', 'error', performance.now() - started);
        return {
          ok: false,
          error: `the answer is larger than ${err.limitBytes / 1024} KB`,
          latencyMs: elapsed(),
        };
      }
      const failure = describeFailure(err, options.timeoutMs);
      observe('golden', failure.outcome, performance.now() - started);
      return { ok: false, error: failure.text, latencyMs: elapsed() };
    }
    observe(
      'golden',
      status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'ok',
      performance.now() - started,
    );
    if (text.trim() === '') return { ok: true, status, bodyProblem: 'an empty body', latencyMs: elapsed() };
    try {
      return { ok: true, status, json: JSON.parse(text), latencyMs: elapsed() };
    } catch {
      return { ok: true, status, bodyProblem: 'an answer that is not JSON', latencyMs: elapsed() };
    }
  }

  return { send };
}
