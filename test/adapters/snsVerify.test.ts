import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ConfirmFetch,
  confirmSubscription,
  createSnsVerifier,
  isSnsHost,
  stringToSign,
} from '../../src/adapters/snsVerify.js';
import type { SnsMessage, SnsVerdict } from '../../src/ports/sns.js';
import { readFixture } from '../../world/fixtures.js';
import { signSns, testCertificateFetcher, testCertPem } from '../../world/snsSign.js';

const TOPIC = 'arn:aws:sns:eu-west-2:111122223333:slack-topic';
const CERT_URL =
  'https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
const NOW = new Date('2026-11-21T10:05:00.000Z');

const fixture = (name: string): SnsMessage => JSON.parse(readFixture(name)) as SnsMessage;

/** A fixture with its Timestamp moved to just before NOW, signed with the test key. */
function freshSigned(name: string, version: '1' | '2' = '2', changes: Partial<SnsMessage> = {}): SnsMessage {
  return signSns(
    { ...fixture(name), Timestamp: new Date(NOW.getTime() - 2000).toISOString(), ...changes },
    version,
  );
}

function verifier(overrides: { topicArns?: string[]; maxAgeSeconds?: number } = {}) {
  const certs = testCertificateFetcher();
  const sns = createSnsVerifier({
    topicArns: overrides.topicArns ?? [TOPIC],
    fetchCertificate: certs.fetch,
    now: () => NOW,
    ...(overrides.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: overrides.maxAgeSeconds }),
  });
  return { sns, calls: certs.calls };
}

const refused = (verdict: SnsVerdict) => (verdict.ok ? { ok: true } : { status: verdict.status });

describe('stringToSign', () => {
  it('lists the Notification fields in the fixed order, with Subject when present', () => {
    const message: SnsMessage = {
      Type: 'Notification',
      MessageId: 'id-1',
      TopicArn: TOPIC,
      Subject: 'ALARM: x',
      Message: 'line one\nline two',
      Timestamp: '2026-11-21T10:00:12.512Z',
      SignatureVersion: '2',
      Signature: 'ignored',
      SigningCertURL: CERT_URL,
      UnsubscribeURL: 'https://sns.eu-west-2.amazonaws.com/?Action=Unsubscribe',
    };
    expect(stringToSign(message)).toBe(
      'Message\nline one\nline two\nMessageId\nid-1\nSubject\nALARM: x\n' +
        `Timestamp\n2026-11-21T10:00:12.512Z\nTopicArn\n${TOPIC}\nType\nNotification\n`,
    );
    const { Subject: _subject, ...withoutSubject } = message;
    expect(stringToSign(withoutSubject)).not.toContain('Subject');
  });

  it('lists SubscribeURL and Token for confirmations', () => {
    const message = fixture('sns-subscription-confirmation.json');
    expect(stringToSign(message)).toBe(
      `Message\n${message.Message}\nMessageId\n${message.MessageId}\nSubscribeURL\n${message.SubscribeURL}\n` +
        `Timestamp\n${message.Timestamp}\nToken\n${message.Token}\nTopicArn\n${TOPIC}\nType\nSubscriptionConfirmation\n`,
    );
  });
});

describe('isSnsHost', () => {
  it.each([
    'https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-abc.pem',
    'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x',
    'https://sns.us-gov-west-1.amazonaws.com/x.pem',
    'https://sns.cn-north-1.amazonaws.com.cn/x.pem',
    'https://sns.eu-west-2.amazonaws.com:443/x.pem',
  ])('accepts %s', (url) => {
    expect(isSnsHost(url)).toBe(true);
  });

  it.each([
    'http://sns.eu-west-2.amazonaws.com/x.pem',
    'https://sns.eu-west-2.amazonaws.com.evil.example/x.pem',
    'https://evil.example/sns.pem',
    'https://sns.eu-west-2.amazonaws.com@evil.example/x.pem',
    'https://user:pw@sns.eu-west-2.amazonaws.com/x.pem',
    'https://sns.eu-west-2.amazonaws.com:8443/x.pem',
    'https://evilsns.eu-west-2.amazonaws.com/x.pem',
    'https://sqs.eu-west-2.amazonaws.com/x.pem',
    'https://sns.amazonaws.com/x.pem',
    'https://sns.eu-west-2.amazonaws.com./x.pem',
    'not a url',
  ])('refuses %s', (url) => {
    expect(isSnsHost(url)).toBe(false);
  });
});

describe('SNS verifier', () => {
  it.each(['1', '2'] as const)(
    'accepts the alarm and OK notifications signed with version %s',
    async (version) => {
      const { sns } = verifier();
      for (const name of ['sns-cloudwatch-alarm.json', 'sns-cloudwatch-ok.json']) {
        const message = freshSigned(name, version);
        const verdict = await sns.verify(JSON.stringify(message));
        expect(verdict).toEqual({ ok: true, message });
      }
    },
  );

  it('accepts a signed subscription confirmation', async () => {
    const { sns } = verifier();
    const verdict = await sns.verify(JSON.stringify(freshSigned('sns-subscription-confirmation.json')));
    expect(verdict.ok).toBe(true);
    if (verdict.ok) {
      expect(verdict.message.Type).toBe('SubscriptionConfirmation');
      expect(verdict.message.SubscribeURL).toMatch(/^https:\/\/sns\.eu-west-2\.amazonaws\.com\//);
    }
  });

  it('refuses a signature with a flipped byte', async () => {
    const { sns } = verifier();
    const message = freshSigned('sns-cloudwatch-alarm.json');
    const bytes = Buffer.from(message.Signature, 'base64');
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    const verdict = await sns.verify(JSON.stringify({ ...message, Signature: bytes.toString('base64') }));
    expect(verdict).toEqual({ ok: false, status: 403, reason: 'signature does not match' });
  });

  it('refuses a message signed with another key', async () => {
    const { sns } = verifier();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    const message = signSns(
      { ...fixture('sns-cloudwatch-alarm.json'), Timestamp: NOW.toISOString() },
      '2',
      other,
    );
    expect(refused(await sns.verify(JSON.stringify(message)))).toEqual({ status: 403 });
  });

  it('refuses a message changed after signing', async () => {
    const { sns } = verifier();
    const message = freshSigned('sns-cloudwatch-ok.json');
    const changed = { ...message, Message: message.Message.replace('"OK"', '"ALARM"') };
    expect(refused(await sns.verify(JSON.stringify(changed)))).toEqual({ status: 403 });
    // A signature made for version 2 does not pass as version 1.
    expect(refused(await sns.verify(JSON.stringify({ ...message, SignatureVersion: '1' })))).toEqual({
      status: 403,
    });
  });

  it.each([
    'https://sns.eu-west-2.amazonaws.com.evil.example/x.pem',
    'http://sns.eu-west-2.amazonaws.com/SimpleNotificationService-abc.pem',
    'https://evil.example/sns.pem',
    'https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-abc.txt',
    'https://sns.eu-west-2.amazonaws.com/?x=.pem',
  ])('refuses the certificate URL %s without fetching it', async (url) => {
    const { sns, calls } = verifier();
    const verdict = await sns.verify(
      JSON.stringify(freshSigned('sns-cloudwatch-alarm.json', '2', { SigningCertURL: url })),
    );
    expect(refused(verdict)).toEqual({ status: 403 });
    expect(verdict.ok ? '' : verdict.reason).toMatch(/^certificate URL is not/);
    expect(calls).toEqual([]);
  });

  it.each([
    `${CERT_URL}?x=1`,
    `${CERT_URL}?`,
    `${CERT_URL}#part`,
    `${CERT_URL}#`,
    'https://sns.eu-west-2.amazonaws.com/a/../SimpleNotificationService-0123.pem',
    'https://sns.eu-west-2.amazonaws.com//SimpleNotificationService-0123.pem',
    'https://sns.eu-west-2.amazonaws.com/%53impleNotificationService-0123.pem',
    'https://sns.eu-west-2.amazonaws.com/certs/SimpleNotificationService-0123.pem',
    'https://sns.eu-west-2.amazonaws.com:443/SimpleNotificationService-0123.pem',
    'https://SNS.eu-west-2.amazonaws.com/SimpleNotificationService-0123.pem',
  ])('refuses another spelling of a certificate URL (%s) without fetching it', async (url) => {
    const { sns, calls } = verifier();
    const verdict = await sns.verify(
      JSON.stringify(freshSigned('sns-cloudwatch-alarm.json', '2', { SigningCertURL: url })),
    );
    expect(verdict).toEqual({
      ok: false,
      status: 403,
      reason: 'certificate URL is not a .pem file on the SNS host without query or fragment',
    });
    expect(calls).toEqual([]);
  });

  it('keeps at most 16 certificates, dropping the least recently used', async () => {
    const { sns, calls } = verifier();
    const urlOf = (i: number) =>
      `https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-${String(i).padStart(32, '0')}.pem`;
    const verifyWith = async (i: number) =>
      sns.verify(JSON.stringify(freshSigned('sns-cloudwatch-alarm.json', '2', { SigningCertURL: urlOf(i) })));
    for (let i = 0; i < 50; i++) expect((await verifyWith(i)).ok).toBe(true);
    expect(calls).toHaveLength(50);
    // The 16 most recent are kept: no download for them.
    for (let i = 34; i < 50; i++) await verifyWith(i);
    expect(calls).toHaveLength(50);
    // Older ones were dropped: asked again, they are downloaded again.
    await verifyWith(0);
    expect(calls).toHaveLength(51);
    expect(calls.at(-1)).toBe(urlOf(0));
    // Taking 0 back dropped the least recently used of the others (34), not a recent one.
    await verifyWith(49);
    expect(calls).toHaveLength(51);
    await verifyWith(34);
    expect(calls).toHaveLength(52);
  });

  it('runs at most 4 certificate downloads at once; callers of one URL share its download', async () => {
    const started: string[] = [];
    const release: Array<() => void> = [];
    const sns = createSnsVerifier({
      topicArns: [TOPIC],
      now: () => NOW,
      fetchCertificate: (url) => {
        started.push(url);
        return new Promise((resolve) => release.push(() => resolve(testCertPem)));
      },
    });
    const body = (i: number) =>
      JSON.stringify(
        freshSigned('sns-cloudwatch-alarm.json', '2', {
          SigningCertURL: `https://sns.eu-west-2.amazonaws.com/SimpleNotificationService-${i}.pem`,
        }),
      );
    // Ten messages for one certificate, then twenty for twenty others, all at once.
    const same = Array.from({ length: 10 }, () => sns.verify(body(0)));
    const others = Array.from({ length: 20 }, (_, i) => sns.verify(body(i + 1)));
    const refusedAtOnce = await Promise.all(others.slice(3));
    expect(started).toHaveLength(4);
    for (const verdict of refusedAtOnce) {
      expect(verdict).toMatchObject({ ok: false, status: 503 });
      expect(verdict.ok ? '' : verdict.reason).toMatch(/already being fetched; try again/);
    }
    for (const go of release) go();
    expect((await Promise.all(same)).every((v) => v.ok)).toBe(true);
    expect((await Promise.all(others.slice(0, 3))).every((v) => v.ok)).toBe(true);
    // Once those downloads ended, there is room again.
    const later = sns.verify(body(30));
    await vi.waitFor(() => expect(started).toHaveLength(5));
    release.at(-1)?.();
    expect((await later).ok).toBe(true);
  });

  it('refuses a certificate larger than 64 KB from the default fetch', async () => {
    vi.stubGlobal('fetch', async () => new Response('x'.repeat(70 * 1024), { status: 200 }));
    try {
      const sns = createSnsVerifier({ topicArns: [TOPIC], now: () => NOW });
      const verdict = await sns.verify(JSON.stringify(freshSigned('sns-cloudwatch-alarm.json')));
      expect(refused(verdict)).toEqual({ status: 403 });
      expect(verdict.ok ? '' : verdict.reason).toContain('larger than 64 KB');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('refuses a topic that is not allowed, before fetching anything', async () => {
    const { sns, calls } = verifier({ topicArns: ['arn:aws:sns:eu-west-2:111122223333:other-topic'] });
    const verdict = await sns.verify(JSON.stringify(freshSigned('sns-cloudwatch-alarm.json')));
    expect(refused(verdict)).toEqual({ status: 403 });
    expect(verdict.ok ? '' : verdict.reason).toContain(TOPIC);
    expect(calls).toEqual([]);
  });

  it('refuses stale messages and messages from the future', async () => {
    const { sns } = verifier({ maxAgeSeconds: 600 });
    const old = new Date(NOW.getTime() - 601_000).toISOString();
    const verdict = await sns.verify(
      JSON.stringify(freshSigned('sns-cloudwatch-alarm.json', '2', { Timestamp: old })),
    );
    expect(refused(verdict)).toEqual({ status: 403 });
    expect(verdict.ok ? '' : verdict.reason).toMatch(/stale/);

    const original = signSns(fixture('sns-cloudwatch-alarm.json'), '2'); // sent at 10:00:12, NOW is 10:05
    expect((await sns.verify(JSON.stringify(original))).ok).toBe(true);
    expect((await verifier({ maxAgeSeconds: 60 }).sns.verify(JSON.stringify(original))).ok).toBe(false);

    const future = new Date(NOW.getTime() + 6 * 60_000).toISOString();
    expect(
      refused(
        await sns.verify(
          JSON.stringify(freshSigned('sns-cloudwatch-alarm.json', '2', { Timestamp: future })),
        ),
      ),
    ).toEqual({ status: 403 });
    const slightlyAhead = new Date(NOW.getTime() + 60_000).toISOString();
    expect(
      (
        await sns.verify(
          JSON.stringify(freshSigned('sns-cloudwatch-alarm.json', '2', { Timestamp: slightlyAhead })),
        )
      ).ok,
    ).toBe(true);
  });

  it('answers 400 for bad JSON, missing fields and unknown versions', async () => {
    const { sns, calls } = verifier();
    expect(await sns.verify('{not json')).toEqual({ ok: false, status: 400, reason: 'body is not JSON' });
    expect(refused(await sns.verify('[]'))).toEqual({ status: 400 });
    expect(refused(await sns.verify('null'))).toEqual({ status: 400 });

    const message = freshSigned('sns-cloudwatch-alarm.json') as unknown as Record<string, unknown>;
    for (const field of [
      'Type',
      'MessageId',
      'TopicArn',
      'Message',
      'Timestamp',
      'Signature',
      'SigningCertURL',
    ]) {
      const { [field]: _dropped, ...rest } = message;
      const verdict = await sns.verify(JSON.stringify(rest));
      expect(verdict).toEqual({ ok: false, status: 400, reason: `missing field ${field}` });
    }
    const confirmation = freshSigned('sns-subscription-confirmation.json') as unknown as Record<
      string,
      unknown
    >;
    for (const field of ['Token', 'SubscribeURL']) {
      const { [field]: _dropped, ...rest } = confirmation;
      expect(await sns.verify(JSON.stringify(rest))).toEqual({
        ok: false,
        status: 400,
        reason: `missing field ${field}`,
      });
    }
    expect(refused(await sns.verify(JSON.stringify({ ...message, Type: 'Surprise' })))).toEqual({
      status: 400,
    });
    expect(refused(await sns.verify(JSON.stringify({ ...message, MessageId: 42 })))).toEqual({ status: 400 });
    expect(refused(await sns.verify(JSON.stringify({ ...message, SignatureVersion: '3' })))).toEqual({
      status: 400,
    });
    expect(refused(await sns.verify(JSON.stringify({ ...message, Timestamp: 'yesterday' })))).toEqual({
      status: 400,
    });
    expect(calls).toEqual([]);
  });

  it('fetches each certificate once across many verifications', async () => {
    const { sns, calls } = verifier();
    const bodies = Array.from({ length: 12 }, (_, i) =>
      JSON.stringify(
        freshSigned(i % 2 ? 'sns-cloudwatch-alarm.json' : 'sns-cloudwatch-ok.json', i % 3 ? '2' : '1'),
      ),
    );
    const verdicts = await Promise.all(bodies.map((body) => sns.verify(body)));
    expect(verdicts.every((v) => v.ok)).toBe(true);
    expect((await sns.verify(bodies[0] ?? '')).ok).toBe(true);
    expect(calls).toEqual([CERT_URL]);
  });

  it('answers 403 when the certificate cannot be fetched, and fetches it again next time', async () => {
    const calls: string[] = [];
    let fail = true;
    const sns = createSnsVerifier({
      topicArns: [TOPIC],
      now: () => NOW,
      fetchCertificate: async (url) => {
        calls.push(url);
        if (fail) throw new Error('HTTP 503 from the certificate host');
        return testCertificateFetcher().fetch(url);
      },
    });
    const body = JSON.stringify(freshSigned('sns-cloudwatch-alarm.json'));
    expect(await sns.verify(body)).toEqual({
      ok: false,
      status: 403,
      reason: 'could not get the signing certificate: HTTP 503 from the certificate host',
    });
    fail = false;
    expect((await sns.verify(body)).ok).toBe(true);
    expect((await sns.verify(body)).ok).toBe(true);
    expect(calls).toEqual([CERT_URL, CERT_URL]);
  });

  it('answers 403 when the fetched certificate is not a certificate', async () => {
    const sns = createSnsVerifier({
      topicArns: [TOPIC],
      now: () => NOW,
      fetchCertificate: async () => '<html/>',
    });
    const verdict = await sns.verify(JSON.stringify(freshSigned('sns-cloudwatch-alarm.json')));
    expect(refused(verdict)).toEqual({ status: 403 });
  });

  describe('default certificate fetch', () => {
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it('uses the global fetch, refuses redirects and needs a 200', async () => {
      const seen: Array<{ url: string; init: RequestInit | undefined }> = [];
      let status = 404;
      vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
        seen.push({ url, init });
        return new Response(status === 200 ? testCertPem : 'nope', { status });
      });
      const sns = createSnsVerifier({ topicArns: [TOPIC], now: () => NOW });
      const body = JSON.stringify(freshSigned('sns-cloudwatch-alarm.json'));
      const first = await sns.verify(body);
      expect(refused(first)).toEqual({ status: 403 });
      expect(first.ok ? '' : first.reason).toContain('HTTP 404');
      status = 200;
      expect((await sns.verify(body)).ok).toBe(true);
      expect(seen.map((s) => s.url)).toEqual([CERT_URL, CERT_URL]);
      expect(seen[0]?.init?.redirect).toBe('error');
      expect(seen[0]?.init?.signal).toBeInstanceOf(AbortSignal);
    });
  });
});

describe('confirmSubscription', () => {
  function fakeFetch(status = 200) {
    const calls: string[] = [];
    const impl: ConfirmFetch = async (url) => {
      calls.push(url);
      return { status, text: async () => (status === 200 ? '<ConfirmSubscriptionResponse/>' : 'denied') };
    };
    return { impl, calls };
  }

  it('visits the SubscribeURL of a good confirmation', async () => {
    const message = fixture('sns-subscription-confirmation.json');
    const { impl, calls } = fakeFetch();
    await confirmSubscription(message, impl);
    expect(calls).toEqual([message.SubscribeURL]);
  });

  it.each([
    'https://evil.example/?Action=ConfirmSubscription',
    'http://sns.eu-west-2.amazonaws.com/?Action=ConfirmSubscription',
    'https://sns.eu-west-2.amazonaws.com.evil.example/?Action=ConfirmSubscription',
  ])('refuses to visit %s', async (url) => {
    const { impl, calls } = fakeFetch();
    await expect(
      confirmSubscription({ ...fixture('sns-subscription-confirmation.json'), SubscribeURL: url }, impl),
    ).rejects.toThrow(/not an SNS host/);
    expect(calls).toEqual([]);
  });

  it('refuses a message without SubscribeURL', async () => {
    const { impl, calls } = fakeFetch();
    const { SubscribeURL: _url, ...message } = fixture('sns-subscription-confirmation.json');
    await expect(confirmSubscription(message, impl)).rejects.toThrow(/no SubscribeURL/);
    expect(calls).toEqual([]);
  });

  it('throws when SNS does not answer 200', async () => {
    const { impl, calls } = fakeFetch(403);
    await expect(confirmSubscription(fixture('sns-subscription-confirmation.json'), impl)).rejects.toThrow(
      /HTTP 403 denied/,
    );
    expect(calls).toHaveLength(1);
  });
});
