/**
 * Prometheus metrics (prom-client), one registry per bot so tests and the demo can run several.
 * Counters and histograms are fed as things happen; the state of the rollbacks, the lease and the
 * tracking lag are read from the database at scrape time, so every replica reports the same truth. Those
 * reads are kept for `cacheMs` (5 s): Prometheus scrapes every 15 s or more, and a burst of scrapes (several
 * Prometheus servers, a person reloading, a scrape storm) then costs the database one query each, not one
 * per scrape.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { STATES } from '../domain/request.js';
import type { SlackRequestMetrics, WorkflowMetrics } from '../ports/metrics.js';
import type { Store } from '../ports/store.js';
import { sharedCalls } from '../support/sharedCalls.js';
import type { CallObserver } from './outsideCall.js';

export interface BotMetrics extends SlackRequestMetrics {
  readonly registry: Registry;
  readonly observeCall: CallObserver;
  readonly workflow: WorkflowMetrics;
  githubRateLimit(remaining: number): void;
  /** Gauges read at scrape time from the store (kept `cacheMs`, default 5000) and this replica. */
  collectFrom(source: {
    store: Store;
    holdsLease: () => boolean;
    ready: () => boolean;
    cacheMs?: number;
  }): void;
}

/** The lease as absolute times, so a kept reading still gives the lag as of this scrape. */
interface LeaseReading {
  readonly holder: string;
  readonly expiresAt: number;
  readonly lastRoundAt?: number;
}

const MINUTES = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): BotMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'rollback_bot_' });

  const slack = new Counter({
    name: 'rollback_bot_slack_requests_total',
    help: 'Slack commands, interactions and events handled, by kind, name and outcome',
    labelNames: ['kind', 'name', 'outcome'],
    registers: [registry],
  });
  const slackDuration = new Histogram({
    name: 'rollback_bot_slack_handling_seconds',
    help: 'Time from receiving a Slack request to the end of its follow-up work',
    labelNames: ['kind'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const calls = new Histogram({
    name: 'rollback_bot_outside_call_duration_seconds',
    help: 'Calls to Slack, GitHub, S3, MLflow and healthchecks, by system and outcome (_count counts them)',
    labelNames: ['system', 'outcome'],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const toPr = new Histogram({
    name: 'rollback_bot_request_to_pr_seconds',
    help: 'Time from a rollback request to its config PR',
    buckets: MINUTES,
    registers: [registry],
  });
  const toVerified = new Histogram({
    name: 'rollback_bot_pr_to_verified_seconds',
    help: 'Time from the config PR to the target verified on every environment deployed from main',
    buckets: MINUTES,
    registers: [registry],
  });
  const toRestore = new Histogram({
    name: 'rollback_bot_time_to_restore_seconds',
    help: 'Time to restore: to production verified, from the alarm (from="alarm") or from the request (from="request")',
    labelNames: ['from'],
    buckets: MINUTES,
    registers: [registry],
  });
  const rateLimit = new Gauge({
    name: 'rollback_bot_github_rate_limit_remaining',
    help: 'GitHub API requests left in the current rate-limit window (from the last response)',
    registers: [registry],
  });

  return {
    registry,
    observeCall: (system, outcome, ms) => calls.observe({ system, outcome }, ms / 1000),
    workflow: {
      requestToPr: (s) => toPr.observe(Math.max(0, s)),
      prToVerified: (s) => toVerified.observe(Math.max(0, s)),
      timeToRestore: (from, s) => toRestore.observe({ from }, Math.max(0, s)),
    },
    slackRequest(kind, name, outcome, seconds) {
      slack.inc({ kind, name, outcome });
      slackDuration.observe({ kind }, seconds);
    },
    githubRateLimit: (remaining) => rateLimit.set(remaining),
    collectFrom({ store, holdsLease, ready, cacheMs = 5000 }) {
      // A failed read is not kept (sharedCalls), so a database back from an outage shows at the next scrape.
      const counts = sharedCalls<'counts', Record<string, number>>({ keepMs: cacheMs });
      const leases = sharedCalls<'lease', LeaseReading | undefined>({ keepMs: cacheMs });
      const lease = () =>
        leases.get('lease', async () => {
          const info = await store.leaseInfo('background');
          const at = Date.now();
          return info
            ? {
                holder: info.holder,
                expiresAt: at + info.expiresInMs,
                lastRoundAt: info.lastRoundAgoMs === undefined ? undefined : at - info.lastRoundAgoMs,
              }
            : undefined;
        });
      new Gauge({
        name: 'rollback_bot_rollbacks',
        help: 'Rollback requests by state (all replicas, from the database)',
        labelNames: ['state'],
        registers: [registry],
        async collect() {
          const byState = await counts.get('counts', () => store.countByState()).catch(() => undefined);
          if (!byState) return;
          for (const state of STATES) this.set({ state }, byState[state] ?? 0);
        },
      });
      new Gauge({
        name: 'rollback_bot_lease_held',
        help: '1 when this replica holds the background lease (runs tracking, polling, expiry, repairs)',
        registers: [registry],
        collect() {
          this.set(holdsLease() ? 1 : 0);
        },
      });
      new Gauge({
        name: 'rollback_bot_lease_holder',
        help: 'The replica holding the background lease (1, labelled by holder; 0 rows when none)',
        labelNames: ['holder'],
        registers: [registry],
        async collect() {
          this.reset();
          const info = await lease().catch(() => undefined);
          if (info && info.expiresAt > Date.now()) this.set({ holder: info.holder }, 1);
        },
      });
      new Gauge({
        name: 'rollback_bot_tracking_lag_seconds',
        help: 'Seconds since the last completed tracking round, on any replica',
        registers: [registry],
        async collect() {
          const info = await lease().catch(() => undefined);
          if (info?.lastRoundAt !== undefined) this.set((Date.now() - info.lastRoundAt) / 1000);
        },
      });
      new Gauge({
        name: 'rollback_bot_ready',
        help: '1 when this replica answers /readyz with 200',
        registers: [registry],
        collect() {
          this.set(ready() ? 1 : 0);
        },
      });
    },
  };
}
