/**
 * The fetch Bolt gets: response_url posts over node:http must look to their callers (Bolt's respond, our
 * error texts, the call metrics) exactly as they did over undici's fetch: same time bound, same outcome,
 * same error shape; Web API calls still go to fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedFetch, type CallOutcome, describeFailure } from '../../src/adapters/outsideCall.js';
import { slackFetch } from '../../src/adapters/slackFetch.js';
import { type StartedHttpServer, startHttpServer } from '../../world/http.js';
import { closedPortUrl } from '../../world/ports.js';

let server: StartedHttpServer;
const seen: Array<{ url: string; method: string; headers: Record<string, unknown>; body: string }> = [];

beforeAll(async () => {
  server = await startHttpServer(async (req, res, body) => {
    seen.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers, body: body.toString() });
    if (req.url === '/response/slow') await new Promise((r) => setTimeout(r, 1000));
    if (req.url === '/response/gone') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('no_such_url');
    }
    if (req.url === '/response/empty') {
      res.writeHead(204);
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'x-one': 'a' });
    res.end('ok');
  });
});
afterAll(() => server.close());

function observed() {
  const calls: Array<{ system: string; outcome: CallOutcome; ms: number }> = [];
  return {
    calls,
    observe: (system: string, outcome: CallOutcome, ms: number) => calls.push({ system, outcome, ms }),
  };
}

/** What Bolt's respond() sends (node_modules/@slack/bolt/dist/context/create-respond.js). */
const respondInit = (message: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(message),
});

describe('slackFetch', () => {
  it('posts to a response URL with the JSON body and answers a Response, observed as ok', async () => {
    const o = observed();
    const f = slackFetch({ apiUrl: `${server.url}/api/`, timeoutMs: 2000, observe: o.observe });
    const res = await f(`${server.url}/response/a?x=1`, respondInit({ text: 'héllo' }));
    expect(res).toBeInstanceOf(Response);
    expect([res.ok, res.status, res.statusText]).toEqual([true, 200, 'OK']);
    expect(res.headers.get('x-one')).toBe('a');
    // A successful answer's body ("ok") is not kept: nobody reads it (see slackFetch).
    expect(res.body).toBeNull();
    const last = seen.at(-1);
    expect(last).toMatchObject({ url: '/response/a?x=1', method: 'POST', body: '{"text":"héllo"}' });
    expect(last?.headers['content-type']).toBe('application/json');
    expect(last?.headers['content-length']).toBe(String(Buffer.byteLength('{"text":"héllo"}')));
    expect(o.calls).toEqual([{ system: 'slack', outcome: 'ok', ms: expect.any(Number) }]);
  });

  it('answers a 4xx as fetch does (not ok, its body, observed as http_4xx) and 204 without a body', async () => {
    const o = observed();
    const f = slackFetch({ timeoutMs: 2000, observe: o.observe });
    const gone = await f(`${server.url}/response/gone`, respondInit({ text: 'x' }));
    expect([gone.ok, gone.status, await gone.text()]).toEqual([false, 404, 'no_such_url']);
    const empty = await f(`${server.url}/response/empty`, respondInit({ text: 'x' }));
    expect([empty.status, empty.body]).toEqual([204, null]);
    // (a failed post keeps its body: Slack's error code)
    expect(o.calls.map((c) => c.outcome)).toEqual(['http_4xx', 'ok']);
  });

  it('is bounded in time like boundedFetch: a TimeoutError, described and observed as a timeout', async () => {
    const viaFetch = await boundedFetch(
      'slack',
      200,
      () => undefined,
    )(`${server.url}/response/slow`, respondInit({})).catch((e: unknown) => e);
    const o = observed();
    const started = performance.now();
    const err = await slackFetch({ timeoutMs: 200, observe: o.observe })(
      `${server.url}/response/slow`,
      respondInit({}),
    ).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(900);
    expect((err as Error).name).toBe('TimeoutError');
    expect((err as Error).name).toBe((viaFetch as Error).name);
    expect(describeFailure(err, 200)).toEqual(describeFailure(viaFetch, 200));
    expect(describeFailure(err, 200).text).toBe('no answer within 0.2 s (timeout)');
    expect(o.calls.map((c) => c.outcome)).toEqual(['timeout']);
  });

  it('fails a refused connection as fetch does: TypeError "fetch failed" caused by ECONNREFUSED', async () => {
    const closed = await closedPortUrl();
    const viaFetch = await fetch(`${closed}/response/x`, respondInit({})).catch((e: unknown) => e);
    const o = observed();
    const err = await slackFetch({ timeoutMs: 2000, observe: o.observe })(
      `${closed}/response/x`,
      respondInit({}),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toBe((viaFetch as Error).message);
    expect(((err as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(describeFailure(err).outcome).toBe('refused');
    expect(describeFailure(err)).toEqual(describeFailure(viaFetch));
    expect(o.calls.map((c) => c.outcome)).toEqual(['refused']);
  });

  it("honours the caller's own abort", async () => {
    const controller = new AbortController();
    const f = slackFetch({ timeoutMs: 5000, observe: () => undefined });
    const pending = f(`${server.url}/response/slow`, { ...respondInit({}), signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(pending).rejects.toThrow('stop');
  });

  it('leaves Web API calls and anything not a plain string POST to fetch', async () => {
    const o = observed();
    const inner: Array<string> = [];
    const f = slackFetch({
      apiUrl: `${server.url}/api/`,
      timeoutMs: 2000,
      observe: o.observe,
      inner: async (input, init) => {
        inner.push(`${init?.method ?? 'GET'} ${String(input)} ${init?.signal ? 'bounded' : 'unbounded'}`);
        return new Response('{}');
      },
    });
    await f(`${server.url}/api/chat.postMessage`, respondInit({ channel: 'C1' }));
    await f(`${server.url}/response/b`, { method: 'GET' });
    await f(`${server.url}/response/c`, { method: 'POST', body: new Uint8Array([1]) });
    await f(`${server.url}/response/d`, { ...respondInit({}), headers: new Headers({ a: 'b' }) });
    expect(inner).toEqual([
      `POST ${server.url}/api/chat.postMessage bounded`,
      `GET ${server.url}/response/b bounded`,
      `POST ${server.url}/response/c bounded`,
      `POST ${server.url}/response/d bounded`,
    ]);
    expect(o.calls.map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });
});
