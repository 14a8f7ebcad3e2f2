/**
 * Healthcheck endpoints of the deployed service, one per environment: `GET /<env>/healthcheck`.
 * Each environment's behaviour can be changed mid-test (a deploy finishing, an outage, a slow reply).
 * Other paths (a model's `/predict`, for golden checks) answer what `route` says, to any method, and
 * keep what they were sent.
 */
import { sendJson, startHttpServer } from './http.js';

export interface Behaviour {
  /** JSON body (default: 200). */
  body?: unknown;
  /** Raw response text, sent as-is instead of `body` (truncated JSON, an HTML error page…). */
  raw?: string;
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  headers?: Record<string, string>;
}

export interface FakeHealthchecks {
  url: string;
  /** The full healthcheck URL of an environment, as the bot config's `healthcheck_url`. */
  urlFor(env: string): string;
  set(env: string, behaviour: Behaviour): void;
  /** Shorthand for a healthy service serving `modelVersion` (an iteration, e.g. `1.25.3-3a4b5c6`). */
  serve(env: string, modelVersion: string, gitSha?: string): void;
  hits(env: string): number;
  /** Answers `path` (e.g. `/production/predict`) with `behaviour`, whatever the method. */
  route(path: string, behaviour: Behaviour): void;
  /** What `path` was sent, in order. */
  received(path: string): ReadonlyArray<{ method: string; headers: Record<string, string>; body: string }>;
  close(): Promise<void>;
}

export async function startFakeHealthchecks(
  initial: Record<string, Behaviour> = {},
): Promise<FakeHealthchecks> {
  const behaviours = new Map(Object.entries(initial));
  const hitCounts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const routes = new Map<string, Behaviour>();
  const receivedBy = new Map<
    string,
    Array<{ method: string; headers: Record<string, string>; body: string }>
  >();

  const server = await startHttpServer(async (req, res, body) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const routed = routes.get(path);
    if (routed) {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      );
      const list = receivedBy.get(path) ?? [];
      list.push({ method: req.method ?? '', headers, body: body.toString('utf8') });
      receivedBy.set(path, list);
    }
    const match = /^\/([^/]+)\/healthcheck\/?$/.exec(path);
    const env = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    if (env !== undefined) hitCounts.set(env, (hitCounts.get(env) ?? 0) + 1);
    const behaviour = routed ?? (env === undefined ? undefined : behaviours.get(env));
    if ((req.method !== 'GET' && !routed) || behaviour === undefined) {
      sendJson(res, 404, { error: 'not found' });
      return;
    }

    if (behaviour.delayMs) {
      // Timers are tracked (and cleared when the client goes away) so a slow reply never outlives the
      // test: close() destroys the socket and cancels what is still waiting.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, behaviour.delayMs);
        timers.add(timer);
        res.once('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
          resolve();
        });
      });
      if (res.destroyed || res.writableEnded) return;
    }

    const status = behaviour.status ?? 200;
    if (behaviour.raw !== undefined) {
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(behaviour.raw),
        ...behaviour.headers,
      });
      res.end(behaviour.raw);
      return;
    }
    sendJson(res, status, behaviour.body ?? {}, behaviour.headers);
  });

  return {
    url: server.url,
    urlFor: (env) => `${server.url}/${encodeURIComponent(env)}/healthcheck`,
    set: (env, behaviour) => {
      behaviours.set(env, behaviour);
    },
    serve: (env, modelVersion, gitSha = 'abc1234') => {
      behaviours.set(env, { body: { git_sha1: gitSha, model_version: modelVersion, healthy: true } });
    },
    hits: (env) => hitCounts.get(env) ?? 0,
    route: (path, behaviour) => {
      routes.set(path, behaviour);
    },
    received: (path) => receivedBy.get(path) ?? [],
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await server.close();
    },
  };
}
