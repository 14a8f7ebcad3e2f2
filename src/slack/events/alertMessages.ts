/**
 * Alert messages other tools post in the configured alert channels: when one names an alarm mapped to
 * a service, the bot answers in its thread with the same offer as its own alert cards. Only an
 * integration's message (one with a `bot_id`, in `alert_message_bots` when that is set) counts: a
 * person typing an alarm's name is not an alarm, and must not make the bot open a request.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { receiveAlertMessage } from '../../workflows/handleAlarm.js';
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
  return async ({ message, context }: Args): Promise<void> => {
    const m = message as unknown as Record<string, unknown>;
    // Edits, deletions and thread replies are not new alerts; nor is anything the bot itself posted.
    if (m.subtype === 'message_changed' || m.subtype === 'message_deleted' || m.thread_ts) return;
    if (context.botUserId && m.user === context.botUserId) return;
    if (context.botId && m.bot_id === context.botId) return;
    if (typeof m.bot_id !== 'string' || m.bot_id === '') return;
    const allowed = deps.config.alertMessageBots;
    if (allowed.length > 0 && !allowed.includes(m.bot_id)) return;
    const profile = m.bot_profile as { name?: unknown } | undefined;
    const name = typeof m.username === 'string' ? m.username : profile?.name;
    await receiveAlertMessage(deps.workflows, {
      channel: String(m.channel ?? ''),
      ts: String(m.ts),
      text: visibleText(m),
      botId: m.bot_id,
      botName: typeof name === 'string' ? name.slice(0, 80) : undefined,
    });
  };
}
