/**
 * The record of a rollback that ended (issue 17, item 4): its steps in the order they happened, with
 * the time between them, the time to restore and the time to decide. Pure: built from the request and
 * its audit records, whose `at` come from the bot's clock, so the thread, `history --json`, `report` and
 * the metric all say the same durations.
 *
 * Time to restore is named twice, because teams mean both: from the alarm (what users felt) and from the
 * request (what the process took), each to production verified (the `verified` record). Time to decide
 * is from the request to the approval that completed the approvals.
 */
import type { RequestState } from './lifecycle.js';
import type { RollbackRequest } from './request.js';

/** An audit record of the request, as the store keeps it. */
export interface TimelineEvent {
  readonly at: Date;
  readonly kind: string;
  readonly actor?: string;
  readonly actorName?: string;
  readonly detail: Record<string, unknown>;
}

export type StepName =
  | 'alarm_fired'
  | 'requested'
  | 'approval'
  | 'approvals_void'
  | 'pr_failed'
  | 'retried'
  | 'pr_opened'
  | 'merged'
  | 'alias_moved'
  | 'abandoned'
  | 'reopened'
  | 'serving'
  | 'verified'
  | 'verify_failed'
  | 'expired'
  | 'rejected'
  | 'cancelled'
  | 'refused'
  | 'no_change';

export interface TimelineStep {
  readonly step: StepName;
  /** UTC ISO 8601. */
  readonly at: string;
  /** Seconds since the step before (absent on the first). */
  readonly since_previous_seconds?: number;
  /** Who did it (a Slack user id, a GitHub login), when someone did. */
  readonly by?: string;
  readonly by_name?: string;
  /** `serving`, `verify_failed`: which environment. */
  readonly environment?: string;
}

export interface TimelineLinks {
  readonly thread?: string;
  readonly pr?: string;
  readonly alarm?: string;
}

/** The JSON of `rollback-bot report --json` and of `history --json`'s summaries. */
export interface Timeline {
  readonly request: string;
  readonly service: string;
  readonly from?: string;
  readonly to: string;
  readonly reason: string;
  readonly note?: string;
  readonly outcome: RequestState;
  readonly requester: string;
  readonly requester_name?: string;
  readonly alarm?: string;
  readonly steps: readonly TimelineStep[];
  readonly time_to_restore_seconds: {
    readonly from_alarm: number | null;
    readonly from_request: number | null;
  };
  readonly time_to_decide_seconds: number | null;
  readonly links: TimelineLinks;
}

/** Audit kinds that are steps of the record; anything else (repairs, refused clicks) is not. */
const STEP_OF: Readonly<Record<string, StepName>> = {
  requested: 'requested',
  approved: 'approval',
  approvals_void: 'approvals_void',
  pr_failed: 'pr_failed',
  retried: 'retried',
  pr_opened: 'pr_opened',
  merged: 'merged',
  alias_moved: 'alias_moved',
  abandoned: 'abandoned',
  reopened: 'reopened',
  verified: 'verified',
  verify_failed: 'verify_failed',
  expired: 'expired',
  rejected: 'rejected',
  cancelled: 'cancelled',
  card_failed: 'cancelled',
  plan_failed: 'refused',
  no_change: 'no_change',
};

const seconds = (from: Date | undefined, to: Date | undefined): number | null =>
  from && to ? Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000)) : null;

/** Slack's web link to a message (it opens in the reader's workspace). */
export function slackMessageUrl(channel: string, ts: string): string {
  return `https://slack.com/archives/${encodeURIComponent(channel)}/p${ts.replace('.', '')}`;
}

/** The CloudWatch console's page of an alarm, in the region of the SNS topic that carried it. */
function alarmUrl(r: RollbackRequest): string | undefined {
  if (r.alarm?.permalink) return r.alarm.permalink;
  const topic = r.trigger?.kind === 'sns' ? r.trigger.topicArn : undefined;
  const region = topic?.split(':')[3];
  if (!r.alarm || !region || !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) return undefined;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(r.alarm.name)}`;
}

/** The version the rollback moved away from: the alias's, or what the last environment served. */
export function fromVersion(r: RollbackRequest): string | undefined {
  return r.plan.aliasMove?.from ?? r.plan.from.at(-1)?.modelVersion;
}

/** The version it moved to, as it is served. */
export function toVersion(r: RollbackRequest): string {
  return r.plan.aliasMove?.to ?? r.plan.targetIteration ?? r.plan.targetVersion;
}

export function buildTimeline(r: RollbackRequest, events: readonly TimelineEvent[]): Timeline {
  const raw: Array<Omit<TimelineStep, 'since_previous_seconds'> & { time: number }> = [];
  const add = (step: Omit<TimelineStep, 'since_previous_seconds' | 'at'>, at: Date) =>
    raw.push({ ...step, at: at.toISOString(), time: at.getTime() });

  if (r.alarm) add({ step: 'alarm_fired' }, r.alarm.at);
  // Each environment's first serving of the target, as the healthchecks verified it (the bot's clock).
  // Added before the audit records: at the same instant, the serving comes before the verdict it made.
  for (const [environment, env] of Object.entries(r.progress?.envs ?? {})) {
    if (env.verifiedAt) add({ step: 'serving', environment }, new Date(env.verifiedAt));
  }
  for (const e of events) {
    const step = STEP_OF[e.kind];
    if (!step) continue;
    const environment = typeof e.detail.environment === 'string' ? e.detail.environment : undefined;
    add(
      {
        step,
        ...(e.actor ? { by: e.actor } : {}),
        ...(e.actorName ? { by_name: e.actorName } : {}),
        ...(environment ? { environment } : {}),
      },
      e.at,
    );
  }
  // In the order they happened; a tie keeps the order they were recorded in.
  const ordered = raw.map((s, i) => ({ s, i })).sort((a, b) => a.s.time - b.s.time || a.i - b.i);
  let previous: number | undefined;
  const steps: TimelineStep[] = ordered.map(({ s: { time, ...step } }) => {
    const since = previous === undefined ? undefined : Math.round((time - previous) / 1000);
    previous = time;
    return since === undefined ? step : { ...step, since_previous_seconds: since };
  });

  const firstAt = (name: StepName) => {
    const at = steps.find((s) => s.step === name)?.at;
    return at ? new Date(at) : undefined;
  };
  const requested = firstAt('requested') ?? r.createdAt;
  const verified = r.state === 'completed' ? firstAt('verified') : undefined;
  // The approval that completed the approvals (those voided by a changed plan do not decide).
  const decided = events.filter((e) => e.kind === 'approved' && e.detail.complete === true).at(-1);

  const thread = r.threadTs ?? r.cardTs;
  const links: TimelineLinks = {
    ...(thread ? { thread: slackMessageUrl(r.channel, thread) } : {}),
    ...(r.pr ? { pr: r.pr.url } : {}),
    ...(alarmUrl(r) ? { alarm: alarmUrl(r) } : {}),
  };
  const from = fromVersion(r);
  return {
    request: r.id,
    service: r.service,
    ...(from ? { from } : {}),
    to: toVersion(r),
    reason: r.reason,
    ...(r.note ? { note: r.note } : {}),
    outcome: r.state,
    requester: r.requester,
    ...(r.requesterName ? { requester_name: r.requesterName } : {}),
    ...(r.alarm ? { alarm: r.alarm.name } : {}),
    steps,
    time_to_restore_seconds: {
      from_alarm: r.alarm ? seconds(r.alarm.at, verified) : null,
      from_request: seconds(requested, verified),
    },
    time_to_decide_seconds: seconds(requested, decided?.at),
    links,
  };
}

/** "45 s", "23 min", "1 h 05 min": durations as people read them. */
export function formatDuration(total: number): string {
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min${total % 60 ? ` ${total % 60} s` : ''}`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The words of a step, for the thread and the report. */
export function describeStep(s: TimelineStep): string {
  const by = s.by_name ?? s.by;
  switch (s.step) {
    case 'alarm_fired':
      return 'alarm fired';
    case 'approval':
      return `approved${by ? ` by ${by}` : ''}`;
    case 'approvals_void':
      return 'approvals reset (the plan changed)';
    case 'pr_failed':
      return 'PR attempt failed';
    case 'pr_opened':
      return 'PR opened';
    case 'merged':
      return `merged${by ? ` by ${by}` : ''}`;
    case 'alias_moved':
      return 'alias moved';
    case 'serving':
      return `${s.environment ?? 'an environment'} serving`;
    case 'verified':
      return 'verified';
    case 'verify_failed':
      return `not verified${s.environment ? ` (${s.environment})` : ''}`;
    case 'no_change':
      return 'no change needed';
    case 'requested':
      return `requested${by ? ` by ${by}` : ''}`;
    case 'rejected':
    case 'cancelled':
      return `${s.step}${by ? ` by ${by}` : ''}`;
    default:
      return s.step.replace(/_/g, ' ');
  }
}

/** What to do next, by outcome: the playbook's steps in the postmortem draft. */
export function nextSteps(t: Timeline): string[] {
  switch (t.outcome) {
    case 'completed':
      return [
        `Find why ${t.from ?? 'the rolled-back version'} regressed before rolling forward again.`,
        'Keep the pin until a fixed version passes its checks; lift it on purpose.',
        'Confirm the alarm has returned to OK and stays there.',
      ];
    case 'verify_failed':
      return [
        'Check the deploy pipeline of the environment that did not serve the target.',
        'Read what production serves now (`rollback-bot status`) before acting again.',
      ];
    case 'abandoned':
      return ['Reopen the PR to resume, or ask again if the rollback is still needed.'];
    default:
      return ['Nothing was changed. Ask again if the rollback is still needed.'];
  }
}

/** The version kept aside before the rollback (the preserve work); shown when present. */
export interface PreservedVersion {
  readonly version: string;
  readonly where?: string;
}

/** The pin that keeps the target in place (the pin work); shown when present. */
export interface PinRecord {
  readonly version: string;
  readonly by?: string;
  readonly until?: string;
  readonly reason?: string;
}

/** `rollback-bot report --json`: the timeline, the playbook's next steps and, when known, the preserved version and the pin. */
export interface Report extends Timeline {
  readonly preserved?: PreservedVersion;
  readonly pin?: PinRecord;
  readonly next_steps: readonly string[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The postmortem draft's facts. The preserved version is the one marked in the bucket
 * (`rolled_back_marked`) or tagged in MLflow (`alias_moved`, its `from`); the pin is the `pinned` record.
 */
export function buildReport(r: RollbackRequest, events: readonly TimelineEvent[]): Report {
  const timeline = buildTimeline(r, events);
  const marked = events.filter((e) => e.kind === 'rolled_back_marked').at(-1);
  const tagged = events.filter((e) => e.kind === 'alias_moved').at(-1);
  const pinEvent = events.filter((e) => e.kind === 'pinned').at(-1);
  const preservedVersion = text(marked?.detail.iteration) ?? text(tagged?.detail.from);
  const preservedWhere = marked
    ? `s3://${text(marked.detail.bucket)}/${text(marked.detail.key)}`
    : tagged
      ? `MLflow ${text(tagged.detail.model)}: version tags rollback_bot.rolled_back*`
      : undefined;
  const pinVersion = text(pinEvent?.detail.version);
  return {
    ...timeline,
    ...(preservedVersion ? { preserved: { version: preservedVersion, where: preservedWhere } } : {}),
    ...(pinVersion
      ? {
          pin: {
            version: pinVersion,
            by: pinEvent?.actorName ?? pinEvent?.actor,
            until: text(pinEvent?.detail.until),
            reason: text(pinEvent?.detail.reason),
          },
        }
      : {}),
    next_steps: nextSteps(timeline),
  };
}
