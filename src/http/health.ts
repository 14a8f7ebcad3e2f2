/**
 * `/healthz`: the process is alive (liveness, the container HEALTHCHECK). Says nothing else.
 * `/readyz`: this replica can do its job (load balancers): not draining, and every required check
 * passes. Checks that are only reported (GitHub and S3 reachability) never fail readiness: an S3 outage
 * must not take the bot out of rotation, it is needed most then.
 *
 * The detailed `/readyz` names the workspace, the bucket and the GitHub rate limit. With an admin port
 * it is served there only; the public port then answers `/readyz` with the status code and `{"ok"}`
 * alone, which is all a probe or a load balancer reads.
 */
import { sharedCalls } from '../support/sharedCalls.js';
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

export interface ReadinessAnswer {
  readonly ok: boolean;
  readonly draining: boolean;
  readonly checks: readonly (CheckResult & { readonly name: string; readonly required: boolean })[];
}

/**
 * Runs the checks for a probe. Probes that arrive while an evaluation runs share it: a burst of probes
 * (or of anyone calling a public /readyz) costs the database one ping at a time, never a pool's worth.
 * Nothing is kept after it: a database that stops answering fails the very next probe.
 */
export function readiness(options: {
  readonly checks: readonly ReadinessCheck[];
  readonly draining: () => boolean;
  readonly checkTimeoutMs?: number;
}): () => Promise<ReadinessAnswer> {
  const running = sharedCalls<'checks', ReadinessAnswer['checks']>();
  const runChecks = () =>
    Promise.all(
      options.checks.map(async (c) => ({
        name: c.name,
        required: c.required,
        ...(await bounded(c, options.checkTimeoutMs ?? 2000)),
      })),
    );
  return async () => {
    const checks = await running.get('checks', runChecks);
    // Read after the checks: a drain that began meanwhile answers 503 at once.
    const draining = options.draining();
    return { ok: !draining && checks.every((r) => r.ok || !r.required), draining, checks };
  };
}

export function healthRoutes(options: {
  readonly ready: () => Promise<ReadinessAnswer>;
  /** False on the public port when an admin port serves the details. */
  readonly details: boolean;
  readonly startedAt?: Date;
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
        const { ok, draining, checks } = await options.ready();
        sendJson(
          res,
          ok ? 200 : 503,
          options.details ? { ok, ...(draining ? { draining: true } : {}), checks } : { ok },
        );
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
