/**
 * `/healthz`: the process is up (for the container HEALTHCHECK and liveness probes).
 * `/readyz`: it can do its job: config loaded and each readiness check passes (for load balancers).
 */
import { type Route, sendJson } from './server.js';

export type ReadinessCheck = () => { readonly name: string; readonly ok: boolean; readonly detail?: string };

export function healthRoutes(checks: readonly ReadinessCheck[], startedAt = new Date()): Route[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      handle: (_req, res) => sendJson(res, 200, { ok: true, startedAt: startedAt.toISOString() }),
    },
    {
      method: 'GET',
      path: '/readyz',
      handle: (_req, res) => {
        const results = checks.map((c) => c());
        const ok = results.every((r) => r.ok);
        sendJson(res, ok ? 200 : 503, { ok, checks: results });
      },
    },
  ];
}
