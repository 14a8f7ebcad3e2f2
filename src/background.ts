/**
 * Work that runs on timers: expiring stale requests, and following rollbacks in flight (PR state when
 * there are no webhooks, then the healthchecks). Rounds never overlap; GitHub polls are paced.
 */
import Bottleneck from 'bottleneck';
import type { BotConfig } from './config/botConfig.js';
import { expireDue, resumeInterrupted } from './workflows/decide.js';
import type { WorkflowDeps } from './workflows/ports.js';
import { trackAll } from './workflows/trackRollback.js';

export interface BackgroundWork {
  /** One tracking round now (also what the timer runs). */
  trackNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startBackgroundWork(
  workflows: WorkflowDeps,
  config: BotConfig,
  options: { readonly pollPullRequests: boolean; readonly githubMinTimeMs?: number },
): BackgroundWork {
  const log = workflows.log;
  // GitHub allows bursts, but a bot polling many PRs should not spend its rate limit in one second.
  const github = new Bottleneck({ maxConcurrent: 2, minTime: options.githubMinTimeMs ?? 1000 });
  let round: Promise<void> | undefined;
  const trackNow = (): Promise<void> => {
    round ??= trackAll(workflows, config.tracking, {
      pollPullRequests: options.pollPullRequests,
      schedule: (fn) => github.schedule(fn),
    })
      .catch((err) => log.error('tracking round failed', { error: err }))
      .finally(() => {
        round = undefined;
      });
    return round;
  };

  // Finish what a restart interrupted, then keep going.
  resumeInterrupted(workflows)
    .then(trackNow)
    .catch((err) => log.error('resume failed', { error: err }));
  const sweeper = setInterval(() => {
    expireDue(workflows).catch((err) => log.error('expiry sweep failed', { error: err }));
  }, config.expirySweepSeconds * 1000);
  const tracker = setInterval(() => void trackNow(), config.tracking.pollSeconds * 1000);
  sweeper.unref();
  tracker.unref();

  return {
    trackNow,
    async stop() {
      clearInterval(sweeper);
      clearInterval(tracker);
      await round;
      await github.stop({ dropWaitingJobs: true }).catch(() => undefined);
    },
  };
}
