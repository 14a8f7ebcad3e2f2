import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { readFixture } from '../../world/fixtures.js';
import { sendEvent } from '../../world/slack/requests.js';
import { signSns } from '../../world/snsSign.js';
import { ALERT_CHANNEL, CHANNEL, SIGNING_SECRET, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { latestCard, pulls, settle, until } from '../workflows/support.js';

const start = useHarness();

let n = 0;
function messageEvent(event: Record<string, unknown>) {
  n++;
  return {
    token: 'deprecated',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${n}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'message', channel_type: 'channel', ts: `1700000${n}.000100`, ...event },
  };
}

describe('alert messages posted by other tools', () => {
  it('replies once in the thread of a message naming a mapped alarm, with the offer', async () => {
    const hh = await start();
    const alert = messageEvent({
      channel: ALERT_CHANNEL,
      bot_id: 'BALERTS',
      text: '',
      attachments: [
        { color: 'danger', title: ':red_circle: ALARM: "fpo-search-production-5xx" in EU (London)' },
      ],
    });
    expect((await sendEvent(hh.url, SIGNING_SECRET, alert)).status).toBe(200);
    const reply = await hh.slack.waitFor(() => hh.slack.callsTo('chat.postMessage')[0]);
    expect(reply.args.channel).toBe(ALERT_CHANNEL);
    expect(reply.args.thread_ts).toBe(alert.event.ts);
    expect(textOf(reply.args)).toContain('Alert for fpo-search: fpo-search-production-5xx');
    expect(JSON.stringify(reply.args.blocks)).toContain('Request rollback to 1.25.0');

    // Slack retries an event it thinks was not acknowledged: still one reply.
    await sendEvent(hh.url, SIGNING_SECRET, alert);
    await settle(hh);
    expect(hh.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('ignores other channels, unrelated messages, thread replies and its own posts', async () => {
    const hh = await start();
    const ignored = [
      messageEvent({ channel: CHANNEL, user: 'UX', text: 'ALARM: fpo-search-production-5xx' }),
      messageEvent({ channel: ALERT_CHANNEL, user: 'UX', text: 'ALARM: billing-queue-depth' }),
      messageEvent({
        channel: ALERT_CHANNEL,
        user: 'UX',
        text: 'fpo-search-production-5xx again?',
        thread_ts: '1.0',
      }),
      messageEvent({ channel: ALERT_CHANNEL, bot_id: 'BBOT', text: 'fpo-search-production-5xx' }),
    ];
    for (const e of ignored) expect((await sendEvent(hh.url, SIGNING_SECRET, e)).status).toBe(200);
    await settle(hh);
    expect(hh.slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('when posting the offer fails, a redelivery of the event posts it (once)', async () => {
    const hh = await start();
    const alert = messageEvent({
      channel: ALERT_CHANNEL,
      bot_id: 'BALERTS',
      text: 'ALARM fpo-search-production-5xx',
    });
    hh.slack.failNext('chat.postMessage', { error: 'internal_error' });
    await sendEvent(hh.url, SIGNING_SECRET, alert);
    await settle(hh);
    const ts = (alert.event as { ts: string }).ts;
    const replies = () => hh.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === ts);
    expect(replies()).toHaveLength(1); // the failed attempt
    await sendEvent(hh.url, SIGNING_SECRET, alert);
    await sendEvent(hh.url, SIGNING_SECRET, alert);
    await settle(hh);
    expect(replies()).toHaveLength(2); // the failed attempt, then one success
  });

  it('refuses a forged event with 401', async () => {
    const hh = await start();
    const res = await sendEvent(
      hh.url,
      SIGNING_SECRET,
      messageEvent({ channel: ALERT_CHANNEL, user: 'UX', text: 'fpo-search-production-5xx' }),
      { signature: 'v0=00' },
    );
    expect(res.status).toBe(401);
    await settle(hh);
    expect(hh.slack.calls).toEqual([]);
  });
});

describe('on_alarm = "request"', () => {
  it('opens the pending request in the alert thread by itself; it needs two different approvers', async () => {
    const hh = await start({ serviceToml: 'on_alarm = "request"' });
    const fixture = JSON.parse(readFixture('sns-cloudwatch-alarm.json')) as Record<string, unknown>;
    const message = signSns({ ...fixture, MessageId: 'auto-1', Timestamp: new Date().toISOString() }, '2');
    expect((await hh.post('/alerts/sns', JSON.stringify(message))).status).toBe(200);
    const thread = await hh.store.alertThread('alarm:fpo-search-production-5xx');
    const card = hh.slack.callsTo('chat.postMessage').find((c) => /Rollback R-/.test(textOf(c.args)));
    expect(card?.args.thread_ts).toBe(thread?.threadTs);
    const text = textOf(card?.args);
    expect(text).toContain('*rollback-bot* (on alarm)');
    expect(text).toContain('`PERFORMANCE_DEGRADATION`');
    const id = /Rollback (R-[0-9A-Z]{4})/.exec(text)?.[1] ?? '';
    expect(text).toContain('0 of 2 approvals');
    await settle(hh);
    expect(pulls(hh)).toEqual([]);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => latestCard(hh, id).includes('1 of 2 approvals'));
    expect((await hh.store.getRequest(id))?.state).toBe('pending');
    expect(pulls(hh)).toEqual([]);
    await hh.click(ACTIONS.approve, id, USERS.carol);
    await hh.slack.waitFor(() => pulls(hh).length === 1);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    const requested = (await hh.store.events(id)).find((e) => e.kind === 'requested');
    expect(requested?.detail.trigger).toEqual({
      kind: 'sns',
      alarm: 'fpo-search-production-5xx',
      topicArn: fixture.TopicArn,
      messageId: 'auto-1',
    });
  });
});
