/**
 * Work that runs on timers, on exactly one replica at a time: the holder of the `background` lease in
 * the database. Every replica tries to take or renew it several times per TTL; when the holder dies its
 * lease expires and another replica takes over within about one TTL, starting from what the database
 * says (nothing is carried in memory). A round:
 *   resume approved requests without their PR, post missing cards, repost unconfirmed thread messages,
 *   expire stale requests, follow every rollback in flight (PR state, then healthchecks).
 * Rounds never overlap in a process; GitHub polls are paced with bottleneck.
 */
import Bottleneck from 'bottleneck';
import type { BotConfig } from './config/botConfig.js';
import type { WorkflowDeps } from './ports.js';
import { expireDue, resumeInterrupted } from './workflows/decide.js';
import { repostUnsent } from './workflows/milestones.js';
import { repairCardless } from './workflows/repair.js';
import { trackAll } from './workflows/trackRollback.js';

export const BACKGROUND_LEASE = 'background';

export interface BackgroundWork {
  /** Takes the lease if free and runs one round now (tests; the timers run them too). */
  trackNow(): Promise<void>;
  /** True while this replica holds the background lease. */
  holding(): boolean;
  /** Stops the timers, waits for the round in progress, and gives the lease up for another replica. */
  stop(): Promise<void>;
}

export interface BackgroundOptions {
  readonly leaseTtlMs: number;
  /** Spacing of GitHub polls; tests set 0. */
  readonly githubMinTimeMs?: number;
  /** How long a thread post or a card may stay unconfirmed before another attempt (its poster died). */
  readonly repairAfterMs: number;
  /** Delivery ids kept for deduplication this long. */
  readonly retentionMs: number;
  readonly onLeaseChange?: (held: boolean) => void;
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
  let round: Promise<void> | undefined;
  let lastPrune = 0;

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
      if (now) void runRound(true);
    }
    return now;
  };

  const roundBody = async (full: boolean) => {
    await resumeInterrupted(workflows);
    await repairCardless(workflows, options.repairAfterMs);
    await repostUnsent(workflows, options.repairAfterMs);
    await expireDue(workflows);
    if (full) {
      await trackAll(workflows, config.tracking, { schedule: (fn) => github.schedule(fn) });
      await store.markRound(BACKGROUND_LEASE, replicaId);
    }
    if (Date.now() - lastPrune > 3_600_000) {
      lastPrune = Date.now();
      const pruned = await store.prune(new Date(Date.now() - options.retentionMs));
      if (pruned > 0) log.info('pruned old delivery ids and leases', { rows: pruned });
    }
  };
  const runRound = (full: boolean): Promise<void> => {
    if (!held || stopped) return Promise.resolve();
    round ??= roundBody(full)
      .catch((err) => log.error('background round failed', { error: err }))
      .finally(() => {
        round = undefined;
      });
    return round;
  };

  // Several renewals per TTL: a holder keeps its lease through a slow round, and a dead one's lease is
  // taken over soon after it expires.
  const leaseTimer = setInterval(() => void claim(), Math.max(50, Math.floor(options.leaseTtlMs / 10)));
  const trackTimer = setInterval(() => void runRound(true), config.tracking.pollSeconds * 1000);
  const sweepTimer = setInterval(() => void runRound(false), config.expirySweepSeconds * 1000);
  for (const t of [leaseTimer, trackTimer, sweepTimer]) t.unref();
  void claim();

  return {
    async trackNow() {
      await round;
      if (await claim()) await runRound(true);
    },
    holding: () => held,
    async stop() {
      stopped = true;
      for (const t of [leaseTimer, trackTimer, sweepTimer]) clearInterval(t);
      await round;
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
