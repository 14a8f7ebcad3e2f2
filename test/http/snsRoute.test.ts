import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFixture } from '../../world/fixtures.js';
import { signSns } from '../../world/snsSign.js';
import { ALARM, ALERT_CHANNEL, type Harness, startHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.slack.reset());

let counter = 0;
/** A fixture message made fresh: its own MessageId and a current Timestamp, as SNS would send now. */
function fresh(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const message = JSON.parse(readFixture(name)) as Record<string, unknown>;
  return {
    ...message,
    MessageId: `test-${++counter}-${Date.now()}`,
    Timestamp: new Date().toISOString(),
    ...overrides,
  };
}
const send = (message: object) =>
  h.post('/alerts/sns', JSON.stringify(message), { 'x-amz-sns-message-type': 'Notification' });
const alertPosts = () => h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === ALERT_CHANNEL);

describe('POST /alerts/sns', () => {
  it('accepts a version 1 signature and posts the alert card with the offer', async () => {
    const res = await send(signSns(fresh('sns-cloudwatch-alarm.json'), '1'));
    expect(res.status).toBe(200);
    const [card] = alertPosts();
    const text = textOf(card?.args);
    expect(text).toContain(`Firing: ${ALARM}`);
    expect(text).toContain('Threshold Crossed: 3 out of the last 3 datapoints');
    expect(text).toContain('*Last known good:* `1.25.0-293a4b5`');
    expect(JSON.stringify(card?.args.blocks)).toContain('Request rollback to 1.25.0');
    expect(JSON.stringify(card?.args.blocks)).toContain('Show versions');
  });

  it('accepts a version 2 signature; the OK transition replies in the same thread and resolves the card', async () => {
    const res = await send(signSns(fresh('sns-cloudwatch-ok.json'), '2'));
    expect(res.status).toBe(200);
    const thread = await h.store.alertThread(`alarm:${ALARM}`);
    const reply = h.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts === thread?.threadTs);
    expect(String(reply?.args.text)).toContain(`${ALARM} is back to OK`);
    const update = h.slack.callsTo('chat.update')[0];
    expect(update?.args.ts).toBe(thread?.cardTs);
    expect(textOf(update?.args)).toContain(`Resolved: ${ALARM}`);
    // Firing again later is another reply in the same thread, not a new card.
    h.slack.reset();
    expect((await send(signSns(fresh('sns-cloudwatch-alarm.json'), '2'))).status).toBe(200);
    expect(h.slack.callsTo('chat.postMessage').map((c) => c.args.thread_ts)).toEqual([thread?.threadTs]);
    expect(textOf(h.slack.callsTo('chat.update')[0]?.args)).toContain(`Firing again: ${ALARM}`);
  });

  it('ignores a MessageId it has already handled (SNS retries)', async () => {
    const message = signSns(fresh('sns-cloudwatch-ok.json'), '2');
    expect((await send(message)).status).toBe(200);
    const posts = h.slack.calls.length;
    const again = await send(message);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ duplicate: true });
    expect(h.slack.calls.length).toBe(posts);
  });

  it.each([
    [
      'a forged signature',
      () => ({ ...signSns(fresh('sns-cloudwatch-alarm.json'), '2'), Message: '{"AlarmName":"x"}' }),
      403,
    ],
    [
      'a certificate host that is not SNS',
      () =>
        signSns(
          fresh('sns-cloudwatch-alarm.json', {
            SigningCertURL: 'https://sns.eu-west-2.amazonaws.com.evil.example/cert.pem',
          }),
          '2',
        ),
      403,
    ],
    [
      'a stale timestamp',
      () =>
        signSns(
          fresh('sns-cloudwatch-alarm.json', {
            Timestamp: new Date(Date.now() - 2 * 3_600_000).toISOString(),
          }),
          '2',
        ),
      403,
    ],
    [
      'a topic not in the allowlist',
      () =>
        signSns(
          fresh('sns-cloudwatch-alarm.json', { TopicArn: 'arn:aws:sns:eu-west-2:999999999999:other' }),
          '2',
        ),
      403,
    ],
    ['a body that is not SNS', () => ({ hello: 'world' }), 400],
  ])('refuses %s with 4xx and posts nothing', async (_name, build, status) => {
    const fetchesBefore = h.snsCertificateFetches.length;
    const res = await send(build());
    expect(res.status).toBe(status);
    expect(h.slack.calls).toEqual([]);
    if (_name === 'a certificate host that is not SNS')
      expect(h.snsCertificateFetches.length).toBe(fetchesBefore);
  });

  it('fetches no certificate for 50 forged messages whose certificate URLs differ only in the query', async () => {
    const fetchesBefore = h.snsCertificateFetches.length;
    const certUrl = JSON.parse(readFixture('sns-cloudwatch-alarm.json')).SigningCertURL as string;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send({
          ...signSns(fresh('sns-cloudwatch-alarm.json'), '2'),
          Signature: Buffer.from(`forged ${i}`).toString('base64'),
          SigningCertURL: `${certUrl}?v=${i}`,
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(403));
    expect(JSON.parse(answers[0]?.body ?? '{}').error).toMatch(/without query or fragment/);
    expect(h.snsCertificateFetches.length).toBe(fetchesBefore);
    expect(h.slack.calls).toEqual([]);
  });

  it('confirms a subscription by fetching its SubscribeURL', async () => {
    const res = await send(signSns(fresh('sns-subscription-confirmation.json'), '1'));
    expect(res.status).toBe(200);
    expect(h.snsConfirmations).toEqual([
      JSON.parse(readFixture('sns-subscription-confirmation.json')).SubscribeURL,
    ]);
  });

  it('fetches each signing certificate once', () => {
    expect(new Set(h.snsCertificateFetches).size).toBe(h.snsCertificateFetches.length);
  });

  it('logs and ignores an alarm mapped to no service', async () => {
    const message = fresh('sns-cloudwatch-alarm.json');
    message.Message = String(message.Message).replace(/fpo-search-production-5xx/g, 'billing-queue-depth');
    const res = await send(signSns(message, '2'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ignored: 'no service' });
    expect(h.slack.calls).toEqual([]);
  });
});

describe('POST /alerts/sns with sns_auto_confirm = false', () => {
  it('does not fetch the SubscribeURL, and answers 200', async () => {
    const manual = await startHarness({ botToml: 'sns_auto_confirm = false' });
    try {
      const message = signSns(fresh('sns-subscription-confirmation.json'), '2');
      const res = await manual.post('/alerts/sns', JSON.stringify(message));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ confirmed: false });
      expect(manual.snsConfirmations).toEqual([]);
    } finally {
      await manual.close();
    }
  });
});

describe('POST /alerts/sns, forged messages naming many certificate files', () => {
  it('keeps a bounded number of certificates', async () => {
    // Its own bot: the test certificate host serves any file, so these fill its cache.
    const own = await startHarness();
    try {
      const url = (i: number) =>
        `https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-forged${i}.pem`;
      const forged = (i: number) =>
        own.post(
          '/alerts/sns',
          JSON.stringify({
            ...signSns(fresh('sns-cloudwatch-alarm.json'), '2'),
            Signature: 'AAAA',
            SigningCertURL: url(i),
          }),
        );
      for (let i = 0; i < 50; i++) expect((await forged(i)).status).toBe(403);
      const fetched = own.snsCertificateFetches.filter((u) => u.includes('forged'));
      expect(fetched).toHaveLength(50);
      // The first ones are no longer kept: naming one again downloads it again (bounded memory).
      await forged(0);
      expect(own.snsCertificateFetches.filter((u) => u.includes('forged'))).toHaveLength(51);
    } finally {
      await own.close();
    }
  });
});
