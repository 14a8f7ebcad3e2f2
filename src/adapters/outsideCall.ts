/**
 * Every call to Slack, GitHub, S3 or a healthcheck has a time bound and, when it fails, a true cause:
 * a timeout, a DNS failure, a refused or reset connection, TLS, or the HTTP status. Clients wrap errors
 * several layers deep (octokit turns a DNS failure into "HTTP 500"), so the cause chain is searched for
 * the first fact that explains it.
 */

export type OutsideSystem = 'slack' | 'github' | 's3' | 'healthcheck' | 'golden' | 'mlflow' | 'sns';
export type CallOutcome =
  | 'ok'
  | 'timeout'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'tls'
  | 'http_4xx'
  | 'http_5xx'
  | 'error';

/** Told of every outside call: what, how it ended, how long it took (metrics). */
export type CallObserver = (system: OutsideSystem, outcome: CallOutcome, ms: number) => void;
export const ignoreCalls: CallObserver = () => undefined;

export interface Failure {
  readonly outcome: Exclude<CallOutcome, 'ok'>;
  /** One phrase, e.g. "no answer within 5 s (timeout)", "HTTP 503", "host api.github.com does not resolve (DNS)". */
  readonly text: string;
  readonly status?: number;
}

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);
const REFUSED = new Set(['ECONNREFUSED']);
const RESET = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  hostname?: string;
  address?: string;
  port?: number;
  status?: number;
  statusCode?: number;
  $metadata?: { httpStatusCode?: number };
  response?: { status?: number };
  cause?: unknown;
}

function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let current: unknown = err;
  for (let i = 0; i < 6 && current && typeof current === 'object'; i++) {
    out.push(current as ErrorLike);
    current = (current as ErrorLike).cause;
  }
  return out;
}

export function describeFailure(err: unknown, timeoutMs?: number): Failure {
  const links = chain(err);
  const seconds = timeoutMs !== undefined ? `${Math.round(timeoutMs / 100) / 10} s` : 'the time limit';
  if (
    links.some(
      (e) => e.name === 'TimeoutError' || e.code === 'ETIMEDOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT',
    )
  ) {
    return { outcome: 'timeout', text: `no answer within ${seconds} (timeout)` };
  }
  if (links.some((e) => e.name === 'AbortError' || e.code === 'ABORT_ERR')) {
    return { outcome: 'timeout', text: `no answer within ${seconds} (timeout)` };
  }
  for (const e of links) {
    const code = e.code ?? '';
    if (DNS.has(code))
      return {
        outcome: 'dns',
        text: `host ${e.hostname ?? ''} does not resolve (DNS, ${code})`.replace('host  ', 'host '),
      };
    if (REFUSED.has(code))
      return {
        outcome: 'refused',
        text: `connection refused (${code}${e.address ? ` ${e.address}:${e.port}` : ''})`,
      };
    if (RESET.has(code)) return { outcome: 'reset', text: `connection lost (${code})` };
    if (/^(CERT_|ERR_TLS|UNABLE_TO_VERIFY|DEPTH_ZERO|SELF_SIGNED)/.test(code))
      return { outcome: 'tls', text: `TLS failed (${code})` };
  }
  const status = links
    .map((e) => e.$metadata?.httpStatusCode ?? e.response?.status ?? e.status ?? e.statusCode)
    .find((s): s is number => typeof s === 'number' && s >= 100);
  if (status !== undefined) {
    return { outcome: status >= 500 ? 'http_5xx' : 'http_4xx', text: `HTTP ${status}`, status };
  }
  return { outcome: 'error', text: (err as Error)?.message ?? String(err) };
}

/** Runs `call` with a signal that aborts after `timeoutMs`, reporting the outcome to `observe`. */
export async function timed<T>(
  system: OutsideSystem,
  timeoutMs: number,
  observe: CallObserver,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await call(AbortSignal.timeout(timeoutMs));
    observe(system, 'ok', performance.now() - started);
    return result;
  } catch (err) {
    observe(system, describeFailure(err, timeoutMs).outcome, performance.now() - started);
    throw err;
  }
}

/** Combines a caller's signal (if any) with a time bound. */
export function withTimeout(signal: AbortSignal | null | undefined, timeoutMs: number): AbortSignal {
  const bound = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, bound]) : bound;
}

/**
 * A fetch for a client library (the Slack WebClient and Bolt's respond): every request bounded in time
 * and observed. A 4xx/5xx answer is observed as such; the caller still gets the response.
 */
export function boundedFetch(
  system: OutsideSystem,
  timeoutMs: number,
  observe: CallObserver,
  inner: typeof fetch = fetch,
): typeof fetch {
  return async (input, init) => {
    const started = performance.now();
    try {
      const res = await inner(input, { ...init, signal: withTimeout(init?.signal, timeoutMs) });
      const outcome: CallOutcome = res.status >= 500 ? 'http_5xx' : res.status >= 400 ? 'http_4xx' : 'ok';
      observe(system, outcome, performance.now() - started);
      return res;
    } catch (err) {
      observe(system, describeFailure(err, timeoutMs).outcome, performance.now() - started);
      throw err;
    }
  };
}
