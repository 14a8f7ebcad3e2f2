/**
 * When a request ends (issue 17, items 4 and 5): its record in the thread, the time to restore
 * measured, and the people outside the thread told. Called once, by the call that made the final move
 * (a compare-and-set), and every message goes through the outbox under a fixed key, so a replica, a
 * retry or a restart never says it twice and a lost send is sent again by the repair round.
 */
import { findService, type ServiceConfig } from '../config/botConfig.js';
import { endsRequest } from '../domain/lifecycle.js';
import type { RollbackRequest } from '../domain/request.js';
import { buildTimeline, type Timeline } from '../domain/timeline.js';
import type { WorkflowDeps } from './deps.js';
import { postOnce } from './milestones.js';

/** The outbox keys of an outcome's messages. */
export const RECORD_KEYS = {
  timeline: 'timeline',
  sns: 'notify:sns',
  channel: (channel: string) => `notify:channel:${channel}`,
} as const;

/** The record, the metric and the notifications of a request that just ended. */
export async function recordOutcome(deps: WorkflowDeps, requestId: string): Promise<void> {
  const request = await deps.store.getRequest(requestId);
  if (!request || !endsRequest(request.state)) return;
  const timeline = buildTimeline(request, await deps.store.events(request.id));
  const restore = timeline.time_to_restore_seconds;
  if (restore.from_alarm !== null) deps.metrics.timeToRestore('alarm', restore.from_alarm);
  if (restore.from_request !== null) deps.metrics.timeToRestore('request', restore.from_request);
  // A request whose card never reached Slack has no thread to hold its record.
  if (request.cardTs || request.threadTs) {
    await postOnce(deps, request, RECORD_KEYS.timeline, { kind: 'timeline', timeline });
  }
  const service = findService(deps.config, request.service);
  if (service) await notifyOutcome(deps, service, request, timeline);
}

/** The founding function's message, plus the request, its PR and its thread. */
export function snsMessage(service: ServiceConfig, r: RollbackRequest, t: Timeline): Record<string, unknown> {
  return {
    rolled_back: r.state === 'completed',
    model_name: service.mlflow?.model ?? service.name,
    from_version: t.from ?? null,
    to_version: t.to,
    reason: r.reason,
    triggered_by: r.alarm?.name ?? r.requesterName ?? r.requester,
    timestamp: t.steps.at(-1)?.at ?? r.updatedAt.toISOString(),
    outcome: r.state,
    request: r.id,
    pr: r.pr?.url ?? null,
    thread: t.links.thread ?? null,
  };
}

/** SNS subjects are at most 100 printable ASCII characters. */
export const snsSubject = (service: string): string =>
  `Model Rollback: ${service}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);

async function notifyOutcome(
  deps: WorkflowDeps,
  service: ServiceConfig,
  r: RollbackRequest,
  t: Timeline,
): Promise<void> {
  const topicArn = service.notify.snsTopicArn;
  if (topicArn) {
    const fifo = topicArn.endsWith('.fifo');
    await postOnce(deps, r, RECORD_KEYS.sns, {
      kind: 'sns_publish',
      topicArn,
      subject: snsSubject(service.name),
      message: JSON.stringify(snsMessage(service, r, t)),
      ...(fifo ? { groupId: service.name, dedupId: `${r.id}-outcome` } : {}),
    });
  }
  for (const channel of service.notify.channels) {
    await postOnce(deps, r, RECORD_KEYS.channel(channel), {
      kind: 'channel_summary',
      channel,
      summary: {
        id: r.id,
        service: r.service,
        outcome: r.state,
        ...(t.from ? { from: t.from } : {}),
        to: t.to,
        ...(t.links.thread ? { thread: t.links.thread } : {}),
      },
    });
  }
}
