/**
 * `/healthz`: the process is alive (liveness, the container HEALTHCHECK).
 * `/readyz`: this replica can do its job (load balancers): not draining, and every required check
 * passes. Checks that are only reported (GitHub and S3 reachability) never fail readiness: an S3 outage
 * must not take the bot out of rotation, it is needed most then.
 */
import { type Route, sendJson } from './server.js';

export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface ReadinessCheck {
  readonly name: string;
  /** False: shown in the body, never fails readiness. */
  readonly required: boolean;
  run(): Promise<CheckResult> | CheckResult;
}

/** Never lets one slow check hold the probe: it fails after `ms`. */
async function bounded(check: ReadinessCheck, ms: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => check.run()), timeout]);
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(options: {
  readonly checks: readonly ReadinessCheck[];
  readonly draining: () => boolean;
  readonly startedAt?: Date;
  readonly checkTimeoutMs?: number;
}): Route[] {
  const startedAt = options.startedAt ?? new Date();
  return [
    {
      method: 'GET',
      path: '/healthz',
      handle: (_req, res) => sendJson(res, 200, { ok: true, startedAt: startedAt.toISOString() }),
    },
    {
      method: 'GET',
      path: '/readyz',
      handle: async (_req, res) => {
        const results = await Promise.all(
          options.checks.map(async (c) => ({
            name: c.name,
            required: c.required,
            ...(await bounded(c, options.checkTimeoutMs ?? 2000)),
          })),
        );
        const draining = options.draining();
        const ok = !draining && results.every((r) => r.ok || !r.required);
        sendJson(res, ok ? 200 : 503, { ok, ...(draining ? { draining: true } : {}), checks: results });
      },
    },
  ];
}

/**
 * A check whose answer comes from a background probe, retried with back-off until it succeeds (Slack
 * auth.test) or refreshed on a period (GitHub, S3 reachability). The probe's reason is kept for the body.
 */
export function probedCheck(options: {
  readonly name: string;
  readonly required: boolean;
  readonly probe: () => Promise<string | undefined>;
  /** After a success: probe again after this long, or never (undefined). */
  readonly refreshMs?: number;
  readonly onChange?: (result: CheckResult) => void;
}): ReadinessCheck & { start(): void; stop(): void } {
  let result: CheckResult = { ok: false, detail: 'not checked yet' };
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let stopped = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = async () => {
    let next: CheckResult;
    try {
      next = { ok: true, detail: await options.probe() };
    } catch (err) {
      next = { ok: false, detail: (err as Error).message };
    }
    if (next.ok !== result.ok || next.detail !== result.detail) options.onChange?.(next);
    result = next;
    if (next.ok) {
      failures = 0;
      if (options.refreshMs !== undefined) schedule(options.refreshMs);
    } else {
      failures++;
      schedule(Math.min(60_000, 1000 * 2 ** Math.min(failures, 6)));
    }
  };
  return {
    name: options.name,
    required: options.required,
    run: () => result,
    start() {
      stopped = false;
      void run();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
