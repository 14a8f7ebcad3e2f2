/**
 * An alarm for a service: one card per alarm in the service's alert channel, later transitions as
 * replies in its thread, and the offer to roll back to the last known good version. With
 * `on_alarm = "request"` the pending request is opened at once (approvals and cooldown still apply).
 */

import { type BotConfig, findService, type ServiceConfig } from '../config/botConfig.js';
import {
  type Alarm,
  type AlarmRoute,
  alarmNamesIn,
  parseCloudWatchAlarm,
  serviceForAlarm,
} from '../domain/alarm.js';
import { BOT_REQUESTER, type Trigger } from '../domain/request.js';
import type { AlertView } from '../ports/slack.js';
import type { AlertThread } from '../ports/store.js';
import type { WorkflowDeps } from './deps.js';
import { requestRollback } from './requestRollback.js';
import { getServiceStatus } from './serviceStatus.js';

/** A resolved alarm that fires again after this long starts a new card rather than reviving the old one. */
const NEW_CARD_AFTER_MS = 24 * 3_600_000;

const headlineOf = (alarm: Alarm, previous?: AlertThread): AlertView['headline'] => {
  if (alarm.state === 'OK') return 'resolved';
  if (alarm.state === 'INSUFFICIENT_DATA') return 'insufficient_data';
  return previous && previous.state !== 'ALARM' ? 'firing_again' : 'firing';
};

async function viewFor(
  deps: WorkflowDeps,
  service: ServiceConfig,
  alarm: Alarm,
  key: string,
  headline: AlertView['headline'],
): Promise<AlertView> {
  const status = await getServiceStatus(deps.status, service);
  const lkg = status.lastKnownGood?.iteration;
  return {
    service: service.name,
    alarm: {
      name: alarm.name,
      state: alarm.state,
      reason: alarm.reason,
      at: alarm.at,
      description: alarm.description,
      metric: alarm.metric,
    },
    headline,
    served: status.environments.map((e) => ({
      environment: e.environment,
      modelVersion: e.ok ? e.modelVersion : undefined,
    })),
    lastKnownGood: lkg ? { version: lkg.version, iteration: lkg.name } : undefined,
    threadKey: key,
  };
}

/** A replica that claimed an episode and did not post its card within this long is presumed dead. */
const CLAIM_STALE_MS = 60_000;

/** Where an SNS alarm came from, for the audit trail of a request the bot opens on it. */
export interface SnsOrigin {
  readonly topicArn?: string;
  readonly messageId?: string;
}

export async function handleAlarm(
  deps: WorkflowDeps,
  service: ServiceConfig,
  alarm: Alarm,
  origin: SnsOrigin = {},
): Promise<void> {
  const trigger: Trigger = { kind: 'sns', alarm: alarm.name, ...origin };
  const key = `alarm:${alarm.name}`;
  const log = deps.log.child({ service: service.name, alarm: alarm.name, state: alarm.state });
  let previous = await deps.store.alertThread(key);
  const age = previous ? deps.now().getTime() - previous.updatedAt.getTime() : 0;
  const newEpisode =
    !previous ||
    (previous.state === 'OK' && age > NEW_CARD_AFTER_MS) ||
    (previous.threadTs === '' && age > CLAIM_STALE_MS);

  if (newEpisode) {
    if (alarm.state !== 'ALARM') {
      log.info('alarm transition without an open thread: nothing to answer');
      return;
    }
    const view = await viewFor(deps, service, alarm, key, 'firing');
    const thread = {
      key,
      service: service.name,
      channel: service.alertChannel,
      threadTs: '',
      state: alarm.state,
      alarm: view.alarm,
      updatedAt: deps.now(),
      version: 0,
    };
    // One card per episode, whichever replica got which SNS delivery: the database picks the poster.
    if (!(await deps.store.claimAlertEpisode(thread, previous?.version))) {
      log.info('another replica is posting this alarm’s card');
      return;
    }
    const ts = await deps.alerts.postCard(service.alertChannel, view);
    await deps.store.saveAlertThread({ ...thread, threadTs: ts, cardTs: ts });
    log.info('alert card posted', { channel: service.alertChannel });
    if (service.onAlarm === 'request')
      await openOnAlarm(deps, service, { key, channel: service.alertChannel, threadTs: ts, alarm, trigger });
    return;
  }

  // The card of this episode may still be on its way from another replica: give it a moment.
  for (let i = 0; i < 50 && previous?.threadTs === ''; i++) {
    await new Promise((r) => setTimeout(r, 100));
    previous = await deps.store.alertThread(key);
  }
  if (!previous || previous.threadTs === '') {
    log.warn('the alarm’s card was not posted in time; this transition is not answered');
    return;
  }
  const view = await viewFor(deps, service, alarm, key, headlineOf(alarm, previous));
  await deps.store.saveAlertThread({
    ...previous,
    state: alarm.state,
    alarm: view.alarm,
    updatedAt: deps.now(),
  });
  await deps.alerts.notify(previous.channel, previous.threadTs, { kind: 'transition', alarm });
  if (previous.cardTs) await deps.alerts.updateCard(previous.channel, previous.cardTs, view);
  if (alarm.state === 'ALARM' && service.onAlarm === 'request') {
    await openOnAlarm(deps, service, {
      key,
      channel: previous.channel,
      threadTs: previous.threadTs,
      alarm,
      trigger,
    });
  }
}

/** An alert message an integration posted (its text, and who posted it). */
export interface AlertMessage {
  readonly channel: string;
  readonly ts: string;
  readonly text: string;
  /** The integration's Slack bot id: people's messages never get here. */
  readonly botId: string;
  readonly botName?: string;
}

/** An alert message another tool posted: reply in its thread with the same offer. */
async function answerAlertMessage(
  deps: WorkflowDeps,
  service: ServiceConfig,
  message: AlertMessage & { alarmName: string },
): Promise<void> {
  const key = `message:${message.channel}:${message.ts}`;
  // Once per message, whichever replica Slack delivered it (or its retry) to.
  if (!(await deps.store.claimMessage(key))) return;
  try {
    await offerInThread(deps, service, message, key);
  } catch (err) {
    // Let Slack's retry of the event try again rather than lose the offer.
    await deps.store.releaseMessage(key).catch(() => undefined);
    throw err;
  }
}

async function offerInThread(
  deps: WorkflowDeps,
  service: ServiceConfig,
  message: AlertMessage & { alarmName: string },
  key: string,
): Promise<void> {
  const alarm: Alarm = {
    name: message.alarmName,
    state: 'ALARM',
    reason: message.text.slice(0, 300),
    at: deps.now(),
  };
  const view = await viewFor(deps, service, alarm, key, 'firing');
  await deps.store.claimAlertEpisode({
    key,
    service: service.name,
    channel: message.channel,
    threadTs: message.ts,
    state: 'ALARM',
    alarm: view.alarm,
    updatedAt: deps.now(),
    version: 0,
  });
  await deps.alerts.notify(
    message.channel,
    message.ts,
    { kind: 'offer', service: service.name, alarmName: message.alarmName },
    view,
  );
  if (service.onAlarm === 'request') {
    const permalink = await deps.alerts.permalink(message.channel, message.ts).catch(() => undefined);
    const trigger: Trigger = {
      kind: 'alert_message',
      alarm: message.alarmName,
      channel: message.channel,
      ts: message.ts,
      botId: message.botId,
      username: message.botName,
      permalink,
    };
    await openOnAlarm(deps, service, {
      key,
      channel: message.channel,
      threadTs: message.ts,
      alarm: { ...alarm, permalink },
      trigger,
    });
  }
}

async function openOnAlarm(
  deps: WorkflowDeps,
  service: ServiceConfig,
  at: {
    key: string;
    channel: string;
    threadTs: string;
    alarm: Alarm & { permalink?: string };
    trigger: Trigger;
  },
): Promise<void> {
  const outcome = await requestRollback(deps, {
    service,
    target: { kind: 'previous' },
    reason: 'PERFORMANCE_DEGRADATION',
    note: `opened automatically on alarm ${at.alarm.name}`,
    force: false,
    dryRun: false,
    requester: BOT_REQUESTER,
    channel: at.channel,
    threadTs: at.threadTs,
    alarm: {
      name: at.alarm.name,
      state: at.alarm.state,
      reason: at.alarm.reason,
      at: at.alarm.at,
      permalink: at.alarm.permalink,
    },
    trigger: at.trigger,
  });
  if (outcome.kind === 'refused' || outcome.kind === 'unavailable' || outcome.kind === 'card_failed') {
    const why =
      outcome.kind === 'refused'
        ? outcome.why.join(' ')
        : outcome.kind === 'unavailable'
          ? outcome.why
          : `the request card could not be posted: ${outcome.error}`;
    await deps.alerts.notify(at.channel, at.threadTs, { kind: 'auto_request_refused', why });
  }
}

export type AlarmReceipt =
  | { readonly kind: 'handled'; readonly alarm: string; readonly service: string }
  | { readonly kind: 'not_an_alarm'; readonly problem: string }
  | { readonly kind: 'no_service'; readonly alarm: string };

/** A CloudWatch alarm message (SNS `Message`): parsed, mapped to its service, and answered. */
export async function receiveAlarm(
  deps: WorkflowDeps,
  message: string,
  origin: SnsOrigin = {},
): Promise<AlarmReceipt> {
  const parsed = parseCloudWatchAlarm(message);
  if (!parsed.ok) return { kind: 'not_an_alarm', problem: parsed.problem };
  const name = serviceForAlarm(parsed.alarm.name, alarmRoutes(deps.config));
  const service = deps.config.services.find((s) => s.name === name);
  if (!service) return { kind: 'no_service', alarm: parsed.alarm.name };
  await handleAlarm(deps, service, parsed.alarm, origin);
  return { kind: 'handled', alarm: parsed.alarm.name, service: service.name };
}

/** Which alarm names and patterns belong to which service. */
export function alarmRoutes(config: BotConfig): AlarmRoute[] {
  return config.services.map((s) => ({ service: s.name, names: s.alarmNames, patterns: s.alarmPatterns }));
}

/** A message another tool posted: if it is in an alert channel and names mapped alarms, offer the rollback. */
export async function receiveAlertMessage(deps: WorkflowDeps, message: AlertMessage): Promise<void> {
  if (!deps.config.alertMessageChannels.includes(message.channel)) return;
  for (const hit of alarmNamesIn(message.text, alarmRoutes(deps.config))) {
    const service = findService(deps.config, hit.service);
    if (!service) continue;
    try {
      await answerAlertMessage(deps, service, { ...message, alarmName: hit.alarm });
    } catch (err) {
      deps.log.error('answering an alert message failed', {
        channel: message.channel,
        alarm: hit.alarm,
        error: err,
      });
    }
  }
}
