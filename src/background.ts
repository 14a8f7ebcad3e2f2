/**
 * Work that runs on timers, on exactly one replica at a time: the holder of the `background` lease in
 * the database. Every replica tries to take or renew it every second or so; when the holder dies (its
 * heartbeat lapses, see heartbeat.ts) or its lease expires, another replica takes over within seconds,
 * starting from what the database says (nothing is carried in memory).
 *
 * Three kinds of work, each on its own timer, each never running twice at once, and none waiting for
 * another: a tracking round held up by a slow GitHub must not delay an expiry or a takeover.
 *   claims:   resume approved requests without their PR, post missing cards, send thread messages
 *             again (work whose holder died, or a failed post whose retry time came);
 *   expiry:   expire stale requests, prune what outlived its retention (hourly);
 *   tracking: follow every rollback in flight (PR state, then healthchecks); GitHub polls paced.
 */
import Bottleneck from 'bottleneck';
import type { BotConfig } from './config/botConfig.js';
import type { Logger } from './support/log.js';
import { expireDue } from './workflows/decide.js';
import type { WorkflowDeps } from './workflows/deps.js';
import { repostUnsent } from './workflows/milestones.js';
import { evaluateAllPins } from './workflows/pin.js';
import { repairCardless, resumeApproved } from './workflows/repair.js';
import { trackAll } from './workflows/trackRollback.js';
import { watchAliases } from './workflows/watchAliases.js';

export const BACKGROUND_LEASE = 'background';

export interface BackgroundWork {
  /** Takes the lease if free and runs every kind of work once now (tests; the timers run them too). */
  runRound(): Promise<void>;
  /** True while this replica holds the background lease. */
  holding(): boolean;
  /** Stops the timers, waits for the work in progress, and gives the lease up for another replica. */
  stop(): Promise<void>;
}

export interface BackgroundOptions {
  readonly leaseTtlMs: number;
  /** Heartbeat interval: claims of dead processes are looked for twice per interval. */
  readonly heartbeatMs: number;
  /** Spacing of GitHub polls; tests set 0. */
  readonly githubMinTimeMs?: number;
  /** How long a thread post or a card may stay unconfirmed by a live sender before another attempt. */
  readonly repairAfterMs: number;
  /** Delivery ids kept for deduplication this long. */
  readonly retentionMs: number;
  /** Refusals, dry runs and alert threads kept this long. */
  readonly auditRetentionMs: number;
  readonly onLeaseChange?: (held: boolean) => void;
}

/** One kind of work: never two runs at once; a call while one runs joins it. */
function single(log: Logger, name: string, body: () => Promise<void>, may: () => boolean) {
  let running: Promise<void> | undefined;
  return {
    run(): Promise<void> {
      if (!may()) return Promise.resolve();
      running ??= body()
        .catch((err) => log.error(`background ${name} failed`, { error: err }))
        .finally(() => {
          running = undefined;
        });
      return running;
    },
    idle: () => running ?? Promise.resolve(),
  };
}

export function startBackgroundWork(
  workflows: WorkflowDeps,
  config: BotConfig,
  options: BackgroundOptions,
): BackgroundWork {
  const { log, store, replicaId } = workflows;
  // GitHub allows bursts, but a bot polling many PRs should not spend its rate limit in one second.
  const github = new Bottleneck({ maxConcurrent: 2, minTime: options.githubMinTimeMs ?? 1000 });
  let held = false;
  let stopped = false;
  let lastPrune = 0;
  const may = () => held && !stopped;

  const claims = single(
    log,
    'claims round',
    async () => {
      await resumeApproved(workflows, options.heartbeatMs);
      await repairCardless(workflows, options.repairAfterMs);
      await repostUnsent(workflows, options.repairAfterMs);
    },
    may,
  );
  const expiry = single(
    log,
    'expiry round',
    async () => {
      await expireDue(workflows);
      if (Date.now() - lastPrune < 3_600_000) return;
      lastPrune = Date.now();
      const pruned = await store.prune({
        deliveries: new Date(Date.now() - options.retentionMs),
        audit: new Date(Date.now() - options.auditRetentionMs),
      });
      if (pruned > 0) log.info('pruned rows past their retention', { rows: pruned });
    },
    may,
  );
  const tracking = single(
    log,
    'tracking round',
    async () => {
      await trackAll(workflows, config.tracking, { schedule: (fn) => github.schedule(fn) });
      await watchAliases(workflows);
      // Webhooks are optional: every open PR's model-pin check is evaluated each round too.
      await evaluateAllPins(workflows, (fn) => github.schedule(fn));
      await store.markRound(BACKGROUND_LEASE, replicaId);
    },
    may,
  );
  const kinds = [claims, expiry, tracking];

  const claim = async (): Promise<boolean> => {
    if (stopped) return false;
    const now = await store.acquireLease(BACKGROUND_LEASE, replicaId, options.leaseTtlMs).catch((err) => {
      log.warn('the background lease could not be renewed', { error: err });
      return false;
    });
    if (now !== held) {
      held = now;
      options.onLeaseChange?.(now);
      log.info(now ? 'took the background lease: running rounds' : 'lost the background lease', {
        replica: replicaId,
      });
      // A new holder starts from what the database says, at once.
      if (now) for (const kind of kinds) void kind.run();
    }
    return now;
  };

  // Renewals run on their own timer, several per TTL, so a slow round never costs a live holder its
  // lease; the same attempts by the others take a dead holder's lease soon after its heartbeat lapses.
  const halfBeat = options.heartbeatMs / 2;
  const leaseEvery = Math.max(50, Math.min(options.leaseTtlMs / 10, halfBeat));
  const claimsEvery = Math.max(50, Math.min(options.repairAfterMs, halfBeat));
  const timers = [
    setInterval(() => void claim(), leaseEvery),
    setInterval(() => void claims.run(), claimsEvery),
    setInterval(() => void expiry.run(), config.expirySweepSeconds * 1000),
    setInterval(() => void tracking.run(), config.tracking.pollSeconds * 1000),
  ];
  for (const t of timers) t.unref();
  void claim();

  const idle = () => Promise.all(kinds.map((k) => k.idle()));
  return {
    async runRound() {
      await idle();
      if (!(await claim())) return;
      for (const kind of kinds) await kind.run();
    },
    holding: () => held,
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await idle();
      await github.stop({ dropWaitingJobs: true }).catch(() => undefined);
      if (held) {
        held = false;
        options.onLeaseChange?.(false);
        await store
          .releaseLease(BACKGROUND_LEASE, replicaId)
          .catch((err) => log.warn('releasing the background lease failed', { error: err }));
      }
    },
  };
}
