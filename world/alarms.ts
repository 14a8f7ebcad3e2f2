/**
 * A CloudWatch alarm as it reaches the bot through SNS (`POST /alerts/sns`): a Notification signed like
 * SNS signs, with the test key in world/fixtures (only a bot told to trust its certificate accepts it).
 * The other way, another tool posting the alarm in Slack, is the demo's (demo/alertTool.ts).
 */
import { randomUUID } from 'node:crypto';
import { readFixture } from './fixtures.js';
import { signSns } from './snsSign.js';

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
