/**
 * Deploy verification: an environment counts as verified when its healthcheck reports the target
 * iteration on K consecutive reads, and as failed when that has not happened within the timeout.
 * Pure: one read in, the new progress and what it means out.
 */
export interface EnvProgress {
  /** When watching began: PR opened (pull_request phase) or merged (merge phase). */
  readonly since: string;
  readonly consecutive: number;
  readonly lastSeen?: string;
  readonly verifiedAt?: string;
  readonly failedAt?: string;
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

export function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 60_000));
}
