/**
 * Global Bolt middleware, before every listener: each Slack request is counted by kind, name and
 * outcome, and held in flight until its listener's follow-up work (after the ack) is done, so a drain
 * waits for it. Listeners may name a finer outcome in `context.outcome` (e.g. "denied", "usage_error").
 */
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { SlackKind, SlackRequestMetrics } from '../ports/metrics.js';
import type { InFlight } from '../support/inFlight.js';
import type { Logger } from '../support/log.js';

type Body = Record<string, unknown> & {
  type?: string;
  command?: string;
  text?: string;
  actions?: Array<{ action_id?: string }>;
  view?: { callback_id?: string };
  event?: { type?: string };
};

/** What kind of request this is and its name, with low cardinality (metric labels). */
export function describeSlackRequest(body: Body): { kind: SlackKind; name: string } {
  if (typeof body.command === 'string') {
    const sub = (body.text ?? '').trim().split(/\s+/)[0]?.toLowerCase() || 'modal';
    const known = ['help', 'status', 'versions', 'to', 'history', 'cancel', 'modal'];
    return { kind: 'command', name: known.includes(sub) ? sub : 'other' };
  }
  if (body.type === 'block_actions')
    return { kind: 'action', name: body.actions?.[0]?.action_id ?? 'unknown' };
  if (body.type === 'view_submission' || body.type === 'view_closed')
    return { kind: 'view', name: body.view?.callback_id ?? 'unknown' };
  if (body.type === 'event_callback') return { kind: 'event', name: body.event?.type ?? 'unknown' };
  return { kind: 'other', name: body.type ?? 'unknown' };
}

export function observeSlackRequests(deps: {
  inFlight: InFlight;
  metrics: SlackRequestMetrics;
  log: Logger;
}): Middleware<AnyMiddlewareArgs> {
  return async ({ body, context, next }) => {
    const { kind, name } = describeSlackRequest(body as Body);
    const started = performance.now();
    let outcome = 'ok';
    const work = (async () => {
      try {
        await next();
        outcome = typeof context.outcome === 'string' ? context.outcome : 'ok';
      } catch (err) {
        outcome = 'error';
        throw err;
      } finally {
        deps.metrics.slackRequest(kind, name, outcome, (performance.now() - started) / 1000);
      }
    })();
    await deps.inFlight.track(work);
  };
}
