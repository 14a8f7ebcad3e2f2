/**
 * Fuzzing the two other outside entry points, like test/slack/fuzz.test.ts does /slack/events: 500
 * GitHub webhook deliveries (`POST /github/webhook`, mostly signed with the webhook secret) and 500 SNS
 * bodies (`POST /alerts/sns`, mostly signed with the test key), from a fixed seed. Payloads are shaped
 * like the real ones with every field liable to be missing, of another type or absurd, so the fuzz
 * reaches the code behind the signature checks. Every one must be answered 2xx or 4xx with a JSON body,
 * and the bot must answer /healthz afterwards.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { readFixture } from '../../world/fixtures.js';
import { signSns } from '../../world/snsSign.js';
import { ALARM, type Harness, REPO, TOPIC_ARN, USERS, useHarness } from '../support/harness.js';
import { postedCard, pulls, until } from '../workflows/support.js';

const SEED = 20_261_202;
const SECRET = 'fuzz-webhook-secret';
const start = useHarness();

// fc.jsonValue() (not fc.anything()): what arrives is JSON, so anything else could not be sent anyway.
const absurd = fc.oneof(
  fc.constantFrom(null, 0, -1, 1.5, 2 ** 31, 1e300, '', '7', 'abc', true, [], {}),
  fc.jsonValue({ maxDepth: 2 }),
);
const headerText = fc.stringMatching(/^[A-Za-z0-9_.-]{0,16}$/);
/** Usually `usual` (so the fuzz gets past the first check), sometimes one of the others. */
const mostly = <T>(usual: fc.Arbitrary<T>, ...others: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 12, arbitrary: usual }, ...others.map((arbitrary) => ({ weight: 1, arbitrary })));

/** Responses must be 2xx or 4xx with a JSON body; anything else is a failure line. */
function check(what: string, res: { status: number; body: string }, failures: string[]): void {
  let json = true;
  try {
    JSON.parse(res.body);
  } catch {
    json = false;
  }
  if (!((res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500)) || !json)
    failures.push(`${what}: ${res.status} ${res.body.slice(0, 200)}`);
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T, i: number) => Promise<void>) {
  for (let i = 0; i < items.length; i += size)
    await Promise.all(items.slice(i, i + size).map((item, j) => run(item, i + j)));
}

/** A rollback whose PR is open, so deliveries can name a real request, branch and PR number. */
async function openRollbackPr(h: Harness): Promise<{ number: number; branch: string; body: string }> {
  await h.command('to 1.25.0 fuzz target');
  const id = await postedCard(h);
  await h.click(ACTIONS.approve, id, USERS.bob);
  await until(async () => (await h.store.getRequest(id))?.state === 'pr_open');
  const [pr] = pulls(h);
  return {
    number: Number(pr?.number),
    branch: String((pr?.head as { ref?: unknown } | undefined)?.ref),
    body: String(pr?.body),
  };
}

describe('fuzzing /github/webhook and /alerts/sns', () => {
  it('500 webhook deliveries and 500 SNS bodies: each answered 2xx/4xx with JSON, the bot stays up', async () => {
    const h = await start({ webhookSecret: SECRET });
    const real = await openRollbackPr(h);
    const failures: string[] = [];

    const pullRequest = fc.record(
      {
        number: mostly(fc.constantFrom(real.number, real.number, 1, 2, 3), absurd),
        html_url: mostly(fc.constant(`https://github.com/${REPO}/pull/${real.number}`), absurd),
        head: mostly(fc.record({ ref: mostly(fc.constant(real.branch), fc.string(), absurd) }), absurd),
        body: mostly(fc.constant(real.body), fc.string({ maxLength: 200 }), absurd),
        merged: mostly(fc.boolean(), absurd),
        merged_at: mostly(
          fc.oneof(
            fc.constant(null),
            fc.date().map((d) => (Number.isNaN(d.getTime()) ? null : d.toISOString())),
          ),
          fc.string(),
          absurd,
        ),
        merged_by: mostly(fc.record({ login: mostly(fc.constant('bob'), absurd) }), absurd),
      },
      { requiredKeys: ['number'] },
    );
    const payload = fc.record(
      {
        action: mostly(fc.constantFrom('closed', 'opened', 'reopened', 'synchronize', 'edited'), absurd),
        repository: mostly(fc.record({ full_name: mostly(fc.constant(REPO), fc.string(), absurd) }), absurd),
        pull_request: mostly(pullRequest, absurd),
        sender: mostly(fc.record({ login: mostly(fc.string(), absurd) }), absurd),
      },
      { requiredKeys: ['action', 'pull_request'] },
    );
    const delivery = fc.record({
      body: mostly(
        payload.map((p) => JSON.stringify(p)),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 100 }),
        fc.constantFrom('', 'null', '[]', '{', '"x"', '\u0000'),
      ) as fc.Arbitrary<string>,
      event: mostly(fc.constant('pull_request'), headerText) as fc.Arbitrary<string>,
      id: mostly(fc.uuid(), fc.constant('same-delivery'), headerText) as fc.Arbitrary<string>,
      signature: mostly(fc.constant('good'), fc.constantFrom('bad', 'none', 'sha1')),
    });

    const deliveries = fc.sample(delivery, { seed: SEED, numRuns: 500 });
    await inBatches(deliveries, 10, async (d, i) => {
      const digest = createHmac('sha256', d.signature === 'bad' ? 'not-the-secret' : SECRET)
        .update(d.body)
        .digest('hex');
      const headers: Record<string, string> = { 'x-github-event': d.event, 'x-github-delivery': d.id };
      if (d.signature === 'sha1') headers['x-hub-signature'] = `sha1=${digest}`;
      else if (d.signature !== 'none') headers['x-hub-signature-256'] = `sha256=${digest}`;
      check(
        `delivery #${i} ${JSON.stringify(d)}`,
        await h.post('/github/webhook', d.body, headers),
        failures,
      );
    });

    const fixture = (name: string) => JSON.parse(readFixture(name)) as Record<string, unknown>;
    const alarmMessage = fc.record(
      {
        AlarmName: mostly(fc.constantFrom(ALARM, ALARM, 'billing-5xx'), fc.string(), absurd),
        NewStateValue: mostly(fc.constantFrom('ALARM', 'OK', 'INSUFFICIENT_DATA'), absurd),
        StateChangeTime: mostly(
          fc
            .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString()),
          fc.string(),
          absurd,
        ),
        NewStateReason: mostly(fc.string({ maxLength: 100 }), absurd),
        Trigger: absurd,
      },
      { requiredKeys: ['AlarmName', 'NewStateValue', 'StateChangeTime'] },
    );
    const message = fc.record(
      {
        Type: mostly(
          fc.constant('Notification'),
          fc.constantFrom('SubscriptionConfirmation', 'UnsubscribeConfirmation', 'Surprise'),
          absurd,
        ),
        MessageId: mostly(fc.uuid(), fc.constant('same-message'), absurd),
        TopicArn: mostly(fc.constant(TOPIC_ARN), fc.string(), absurd),
        Subject: mostly(fc.string({ maxLength: 40 }), absurd),
        Message: mostly(
          alarmMessage.map((m) => JSON.stringify(m)),
          fc.string({ maxLength: 100 }),
          absurd,
        ),
        Timestamp: mostly(
          fc.constant('now'),
          fc.constantFrom('yesterday', '2000-01-01T00:00:00Z', '2999-01-01T00:00:00Z'),
          absurd,
        ),
        SigningCertURL: mostly(
          fc.constant(String(fixture('sns-cloudwatch-alarm.json').SigningCertURL)),
          fc.constantFrom(
            'https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-fuzz.pem?x=1',
            'https://evil.example/x.pem',
            'not a url',
          ),
          absurd,
        ),
        Token: mostly(fc.string({ maxLength: 20 }), absurd),
        SubscribeURL: mostly(
          fc.constant('https://sns.eu-west-2.amazonaws.com/?Action=ConfirmSubscription&Token=x'),
          fc.constant('https://evil.example/confirm'),
          absurd,
        ),
      },
      // Mostly whole messages, so most reach the signature check and the alarm handling behind it.
      { requiredKeys: ['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp', 'SigningCertURL'] },
    );
    const snsBody = mostly(
      fc
        .tuple(message, mostly(fc.constantFrom('1', '2'), fc.constantFrom('unsigned', 'bad-version')))
        .map(([m, how]) => {
          const fresh = { ...m, ...(m.Timestamp === 'now' ? { Timestamp: new Date().toISOString() } : {}) };
          if (how === 'unsigned') return JSON.stringify(fresh);
          if (how === 'bad-version')
            return JSON.stringify({ ...fresh, SignatureVersion: '3', Signature: 'x' });
          return JSON.stringify(signSns(fresh, how as '1' | '2'));
        }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 100 }),
      fc.constantFrom('', 'null', '[]', '{'),
    ) as fc.Arbitrary<string>;
    const bodies = fc.sample(snsBody, { seed: SEED + 1, numRuns: 500 });
    let accepted = 0;
    await inBatches(bodies, 10, async (body, i) => {
      const res = await h.post('/alerts/sns', body, { 'x-amz-sns-message-type': 'Notification' });
      if (res.status === 200) accepted++;
      check(`sns #${i} ${body.slice(0, 300)}`, res, failures);
    });

    expect(failures).toEqual([]);
    // The fuzz got past the signature checks, into the alarm handling behind them.
    expect(accepted).toBeGreaterThan(50);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  }, 60_000);
});
