/**
 * The fetch Bolt is given (clientOptions.fetch): its WebClient's Web API calls and its `respond()`.
 *
 * Why two paths: every command's follow-up is one POST to its response_url, and under load those posts
 * run on the same event loop as the acknowledgements of later commands. undici's fetch spent about as much
 * CPU on one such post as the whole ack (web streams for a body nobody reads, a Request and a Response
 * with their Headers, an AbortSignal.timeout whose timer fires after the post is long done and builds a
 * DOMException), so the follow-ups of earlier commands delayed the acks of later ones (issue 15, item 8).
 * A POST of a string body to anywhere but the Web API (what `respond()` sends, and what incoming webhooks
 * take) therefore goes out through node:http(s) on a keep-alive agent. The rest (Web API calls, file
 * uploads, anything whose body or headers are not plain) stays on fetch.
 *
 * The contract is fetch's, as callers see it: the same time bound (slack_timeout_ms) and outcome
 * reported to the observer as boundedFetch, a timeout rejected with a `TimeoutError` DOMException (what
 * AbortSignal.timeout gives), the caller's own abort with its reason, and a network failure as
 * `TypeError('fetch failed')` with the system error (ECONNREFUSED, ENOTFOUND, ...) as its cause, so
 * describeFailure names the same true cause. The answer is a real Response (status, headers). Two
 * differences, neither seen by Bolt's respond (it reads only the status): a successful answer comes
 * without its body, and a redirect is returned as it is instead of followed (Slack's response URLs do
 * not redirect, and fetch would have turned the POST into a GET).
 */
import http from 'node:http';
import https from 'node:https';
import {
  boundedFetch,
  type CallObserver,
  type CallOutcome,
  describeFailure,
  type OutsideSystem,
} from './outsideCall.js';

/** Where the WebClient sends its calls when SLACK_API_URL is not set (@slack/web-api's default). */
export const SLACK_API_URL = 'https://slack.com/api/';

/** Bigger answers are cut here: a response URL answers "ok" or a short JSON error. */
const MAX_ANSWER_BYTES = 64 * 1024;

// Keep-alive: a follow-up reuses the connection of the one before, as undici's pool did.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

type PlainHeaders = Record<string, string>;

const withoutLength = (headers: PlainHeaders | undefined): PlainHeaders =>
  Object.fromEntries(Object.entries(headers ?? {}).filter(([k]) => k.toLowerCase() !== 'content-length'));

const isPlainHeaders = (h: unknown): h is PlainHeaders | undefined =>
  h === undefined || (typeof h === 'object' && h !== null && !Array.isArray(h) && !(h instanceof Headers));

export function slackFetch(options: {
  readonly apiUrl?: string;
  readonly timeoutMs: number;
  readonly observe: CallObserver;
  readonly system?: OutsideSystem;
  /** For the Web API path (tests). */
  readonly inner?: typeof fetch;
}): typeof fetch {
  const system = options.system ?? 'slack';
  const apiUrl = options.apiUrl ?? SLACK_API_URL;
  const api = boundedFetch(system, options.timeoutMs, options.observe, options.inner);
  return async (input, init) => {
    const body = init?.body;
    if (
      typeof input !== 'string' ||
      input.startsWith(apiUrl) ||
      init?.method !== 'POST' ||
      typeof body !== 'string' ||
      !isPlainHeaders(init.headers)
    )
      return api(input, init);
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      return api(input, init);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return api(input, init);
    const started = performance.now();
    try {
      const res = await post(url, init.headers, body, options.timeoutMs, init.signal ?? undefined);
      const outcome: CallOutcome = res.status >= 500 ? 'http_5xx' : res.status >= 400 ? 'http_4xx' : 'ok';
      options.observe(system, outcome, performance.now() - started);
      return res;
    } catch (err) {
      options.observe(system, describeFailure(err, options.timeoutMs).outcome, performance.now() - started);
      throw err;
    }
  };
}

/** One POST over node:http(s), settled exactly once; see the file's comment for the error shapes. */
function post(
  url: URL,
  headers: PlainHeaders | undefined,
  body: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const payload = Buffer.from(body, 'utf8');
    const req = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      agent: agents[url.protocol as 'http:' | 'https:'],
      headers: { ...withoutLength(headers), 'content-length': String(payload.length) },
    });
    let settled = false;
    const finish = (err: unknown, res?: Response) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(res as Response);
      else {
        req.destroy();
        reject(err);
      }
    };
    // A plain timer, cleared when the answer is in: nothing is left to fire for every post that succeeded.
    const timer = setTimeout(
      () => finish(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      timeoutMs,
    );
    timer.unref();
    const onAbort = () => finish(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    // `on`, not `once`: destroying the request after a timeout emits one more error, to be ignored.
    req.on('error', (err) => finish(new TypeError('fetch failed', { cause: err })));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      res.on('error', (err) => finish(new TypeError('fetch failed', { cause: err })));
      res.once('end', () => {
        const status = res.statusCode ?? 0;
        const answerHeaders = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
          answerHeaders.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
        // The body only of a failed post (Slack's error code, e.g. "no_such_url"): a successful one says
        // "ok", nobody reads it, and a body made every Response build a web stream, the largest cost left
        // per post in the profile. Never on 204/304, which fetch refuses a body for.
        const text = status < 300 || status === 304 ? null : Buffer.concat(chunks).toString('utf8');
        try {
          finish(
            undefined,
            new Response(text, { status, statusText: res.statusMessage ?? '', headers: answerHeaders }),
          );
        } catch (err) {
          // A status fetch has no Response for (600 and up): a failed call, not a thrown event handler.
          finish(new TypeError('fetch failed', { cause: err }));
        }
      });
    });
    req.end(payload);
  });
}
