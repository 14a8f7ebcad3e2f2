/**
 * One call to MLflow's REST API (/api/2.0/mlflow/…): GET with query parameters, POST and DELETE with
 * a JSON body, credentials as MLflow's clients send them, bounded in time and in size, observed for
 * metrics. The reply is classified, never thrown: the JSON body, MLflow's `{error_code, message}` with
 * the status, an answer that is not MLflow's JSON, or the true cause of a failed call.
 */
import { BodyTooLargeError, readCappedText } from './cappedBody.js';
import { type CallObserver, describeFailure, type Failure } from './outsideCall.js';

/** A search page of 1000 versions is well under 1 MiB; this bounds whatever answers at the URI. */
export const MAX_REPLY_BYTES = 32 * 1024 * 1024;

export interface MlflowCredentials {
  /** MLFLOW_TRACKING_TOKEN: sent as `Authorization: Bearer …` (Databricks, proxies). */
  readonly token?: string;
  /** MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD: HTTP basic auth (MLflow's auth app). */
  readonly username?: string;
  readonly password?: string;
}

export type Json = Record<string, unknown>;

export type Reply =
  | { readonly kind: 'ok'; readonly body: Json }
  | {
      readonly kind: 'status';
      readonly status: number;
      /** MLflow's error code when the body is its JSON error (the auth app answers plain text). */
      readonly errorCode?: string;
      readonly message?: string;
    }
  | { readonly kind: 'unreadable'; readonly detail: string }
  | { readonly kind: 'failed'; readonly failure: Failure };

export interface MlflowRest {
  /** Where MLflow is, for people: host and port, never credentials. */
  readonly host: string;
  call(method: 'GET' | 'POST' | 'DELETE', endpoint: string, params: Json): Promise<Reply>;
}

export function createMlflowRest(options: {
  trackingUri: string;
  credentials: MlflowCredentials;
  timeoutMs: number;
  fetch?: typeof fetch;
  observe: CallObserver;
}): MlflowRest {
  const base = new URL(options.trackingUri);
  // fetch refuses a URL with credentials in it; they are never sent or shown from there.
  base.username = '';
  base.password = '';
  const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}/api/2.0/mlflow/`;
  const doFetch = options.fetch ?? fetch;
  const { token, username, password } = options.credentials;
  const authorization = token
    ? `Bearer ${token}`
    : username !== undefined && username !== ''
      ? `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`
      : undefined;

  async function call(method: 'GET' | 'POST' | 'DELETE', endpoint: string, params: Json): Promise<Reply> {
    const url = new URL(root + endpoint);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authorization) headers.authorization = authorization;
    let body: string | undefined;
    if (method === 'GET') {
      for (const [key, value] of Object.entries(params)) {
        if (value !== undefined) url.searchParams.append(key, String(value));
      }
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(params);
    }
    const started = performance.now();
    const observe = (outcome: Parameters<CallObserver>[1]) =>
      options.observe('mlflow', outcome, performance.now() - started);
    let status: number;
    let text: string;
    try {
      // One signal bounds the whole call: connecting, waiting and reading the body.
      const res = await doFetch(url, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = res.status;
      text = await readCappedText(res, MAX_REPLY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        observe('error');
        return { kind: 'unreadable', detail: err.message };
      }
      const failure = describeFailure(err, options.timeoutMs);
      observe(failure.outcome);
      return { kind: 'failed', failure };
    }
    observe(status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'ok');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const record = json && typeof json === 'object' && !Array.isArray(json) ? (json as Json) : undefined;
    if (status >= 200 && status < 300) {
      return record
        ? { kind: 'ok', body: record }
        : { kind: 'unreadable', detail: `HTTP ${status}, not JSON` };
    }
    return {
      kind: 'status',
      status,
      errorCode: typeof record?.error_code === 'string' ? record.error_code : undefined,
      message: typeof record?.message === 'string' ? record.message : undefined,
    };
  }

  return { host: base.host, call };
}

// Reading MLflow's JSON: int64 may come as numbers (MLflow's message_to_json) or strings (proto JSON).

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function millis(value: unknown): Date {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return new Date(Number.isFinite(n) ? n : 0);
}

export function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((v): v is Json => !!v && typeof v === 'object') : [];
}

/** `[{key, value}]` → `{key: value}`. */
export function keyValues(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list(value)) {
    if (typeof item.key === 'string') out[item.key] = typeof item.value === 'string' ? item.value : '';
  }
  return out;
}

/** One line of at most `max` characters, from text MLflow wrote (kept raw otherwise). */
export function oneLine(value: string, max = 300): string {
  const line = value.split(/\r?\n/)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
