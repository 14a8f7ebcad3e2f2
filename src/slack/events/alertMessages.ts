/**
 * Alert messages other tools post in the configured alert channels: when one names an alarm mapped to
 * a service, the bot answers in its thread with the same offer as its own alert cards.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { findService } from '../../config/botConfig.js';
import { alarmNamesIn } from '../../domain/alarm.js';
import { answerAlertMessage } from '../../workflows/handleAlarm.js';
import type { SlackDeps } from '../context.js';

type Args = SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs;

/** Text of a message as people see it: its text, attachments and blocks (alerting apps use all three). */
function visibleText(message: Record<string, unknown>): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (['text', 'title', 'fallback', 'pretext'].includes(k) && typeof v === 'string') parts.push(v);
        else walk(v);
      }
    }
  };
  walk({ text: message.text, attachments: message.attachments, blocks: message.blocks });
  return parts.join('\n');
}

export function alertMessage(deps: SlackDeps) {
  const channels = new Set(deps.config.alertMessageChannels);
  const routes = deps.config.services.map((s) => ({
    service: s.name,
    names: s.alarmNames,
    patterns: s.alarmPatterns,
  }));
  return async ({ message, context }: Args): Promise<void> => {
    const m = message as unknown as Record<string, unknown>;
    const channel = String(m.channel ?? '');
    if (!channels.has(channel)) return;
    // Edits, deletions and thread replies are not new alerts; nor is anything the bot itself posted.
    if (m.subtype === 'message_changed' || m.subtype === 'message_deleted' || m.thread_ts) return;
    if (context.botUserId && m.user === context.botUserId) return;
    if (context.botId && m.bot_id === context.botId) return;
    const text = visibleText(m);
    for (const hit of alarmNamesIn(text, routes)) {
      const service = findService(deps.config, hit.service);
      if (!service) continue;
      try {
        await answerAlertMessage(deps.workflows, service, {
          channel,
          ts: String(m.ts),
          text,
          alarmName: hit.alarm,
        });
      } catch (err) {
        deps.log.error('answering an alert message failed', { channel, alarm: hit.alarm, error: err });
      }
    }
  };
}
