/**
 * The alarm, two ways it reaches the bot in the reference deployment:
 * - CloudWatch → SNS → `POST /alerts/sns`: a Notification signed like SNS signs (with the test key in
 *   world/fixtures; the demo's composition is the only place that trusts its certificate);
 * - another tool (AWS Chatbot) posts the alarm in #ml-alerts, which Slack delivers to the bot as a
 *   message event.
 */
import { randomUUID } from 'node:crypto';
import { readFixture } from './fixtures.js';
import { signSns } from './snsSign.js';
import { ALERT_TOOL, CHANNELS } from '../demo/config.js';
import type { Delivery } from '../demo/slack/toBot.js';
import type { Workspace } from './slack/workspace.js';

export type AlarmState = 'ALARM' | 'OK';

/** CloudWatch's time format in alarm messages: `2026-11-21T10:00:12.345+0000`. */
const cloudWatchTime = (at: Date): string => at.toISOString().replace('Z', '+0000');

/** The fixture notification for `state`, as SNS would deliver it now, signed. */
export function snsAlarm(state: AlarmState, at: Date = new Date()): Record<string, unknown> {
  const fixture = JSON.parse(
    readFixture(state === 'ALARM' ? 'sns-cloudwatch-alarm.json' : 'sns-cloudwatch-ok.json'),
  ) as Record<string, string>;
  const alarm = JSON.parse(fixture.Message ?? '{}') as Record<string, unknown>;
  alarm.StateChangeTime = cloudWatchTime(at);
  alarm.OldStateValue = state === 'ALARM' ? 'OK' : 'ALARM';
  const { Signature: _signature, SignatureVersion: _version, ...unsigned } = fixture;
  return signSns(
    { ...unsigned, Message: JSON.stringify(alarm), MessageId: randomUUID(), Timestamp: at.toISOString() },
    '2',
  );
}

export async function sendSnsAlarm(botUrl: string, state: AlarmState): Promise<number> {
  const res = await fetch(`${botUrl}/alerts/sns`, {
    method: 'POST',
    // SNS posts JSON with a text/plain content type.
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
    body: JSON.stringify(snsAlarm(state)),
  });
  await res.arrayBuffer();
  return res.status;
}

/** AWS Chatbot's post of the alarm in #ml-alerts, then the message event Slack sends the bot. */
export async function postAlertMessage(
  workspace: Workspace,
  delivery: Delivery,
  toolUserId: string,
  alarm: string,
): Promise<void> {
  const message = workspace.post({
    channel: CHANNELS.alerts.id,
    user: toolUserId,
    botId: ALERT_TOOL.botId,
    content: {
      text: '',
      attachments: [
        {
          color: 'danger',
          title: `:rotating_light: ALARM: "${alarm}" in EU (London)`,
          text: 'Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (5.0). 5XX responses from the FPO search API above 5% for 3 minutes.',
          footer: 'CloudWatch · eu-west-2',
        },
      ],
    },
  });
  await delivery.messageEvent(message);
}
