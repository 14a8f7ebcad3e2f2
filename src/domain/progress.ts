/**
 * Deploy verification: an environment counts as verified when its healthcheck reports the target
 * iteration on K consecutive reads and its golden checks (if any) then pass, and as failed when that has
 * not happened within the timeout or a golden check fails. Pure: one read in, the new progress and what
 * it means out.
 */
import type { GoldenOutcome } from './golden.js';

export interface EnvProgress {
  /** When watching began: PR opened (pull_request phase) or merged (merge phase). */
  readonly since: string;
  readonly consecutive: number;
  readonly lastSeen?: string;
  readonly verifiedAt?: string;
  readonly failedAt?: string;
  /** The golden checks' results, run once after the K reads (failing ones fail the environment). */
  readonly golden?: readonly GoldenOutcome[];
}

export interface Progress {
  readonly envs: Readonly<Record<string, EnvProgress>>;
  readonly mergedAt?: string;
  readonly mergedBy?: string;
}

export type ReadOutcome = 'verified' | 'failed' | 'waiting' | 'unchanged';

export function observe(
  env: EnvProgress,
  read: { readonly modelVersion?: string },
  rule: {
    readonly target: string;
    readonly consecutiveReads: number;
    readonly timeoutMinutes: number;
    readonly now: Date;
  },
): { readonly env: EnvProgress; readonly outcome: ReadOutcome } {
  if (env.verifiedAt || env.failedAt) return { env, outcome: 'unchanged' };
  const serving = read.modelVersion === rule.target;
  const consecutive = serving ? env.consecutive + 1 : 0;
  const next: EnvProgress = { ...env, consecutive, lastSeen: read.modelVersion ?? env.lastSeen };
  if (consecutive >= rule.consecutiveReads) {
    return { env: { ...next, verifiedAt: rule.now.toISOString() }, outcome: 'verified' };
  }
  const elapsed = rule.now.getTime() - new Date(env.since).getTime();
  if (elapsed >= rule.timeoutMinutes * 60_000) {
    return { env: { ...next, failedAt: rule.now.toISOString() }, outcome: 'failed' };
  }
  return { env: next, outcome: 'waiting' };
}

/**
 * An environment whose healthchecks just served the target K times, with its golden checks' results:
 * verified when every check passed, failed (with the results, for the expected-against-actual message)
 * when one did not.
 */
export function withGolden(
  env: EnvProgress,
  golden: readonly GoldenOutcome[],
  now: Date,
): { readonly env: EnvProgress; readonly outcome: 'verified' | 'failed' } {
  if (golden.every((g) => g.ok)) return { env: { ...env, golden }, outcome: 'verified' };
  const { verifiedAt: _unverified, ...rest } = env;
  return { env: { ...rest, golden, failedAt: now.toISOString() }, outcome: 'failed' };
}

/** The golden checks that failed in an environment's progress (none when they passed or never ran). */
export const failedGolden = (env: EnvProgress | undefined): GoldenOutcome[] =>
  (env?.golden ?? []).filter((g) => !g.ok);

export function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 60_000));
}
