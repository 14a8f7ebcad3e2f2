/**
 * Amazon SNS's Publish, as the bot's `@aws-sdk/client-sns` calls it (the Query API: a form-encoded
 * `Action=Publish` POST), answered with SNS's real XML PublishResponse and a MessageId. It records each
 * message, so a test can say a rollback's outcome arrived exactly once. `failNext` answers the next
 * publishes with an SNS error (a throttle, a refused topic) to exercise the outbox's retries.
 */
import { randomUUID } from 'node:crypto';
import { startHttpServer } from './http.js';

export interface PublishedMessage {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageId: string;
  readonly groupId?: string;
  readonly dedupId?: string;
}

export interface FakeSnsPublish {
  /** For AWS_ENDPOINT_URL_SNS. */
  readonly url: string;
  readonly messages: PublishedMessage[];
  /** Publishes to this topic, parsed from their JSON. */
  received(topicArn?: string): Record<string, unknown>[];
  /** The next `count` publishes fail with `code` (HTTP `status`). */
  failNext(count: number, code?: string, status?: number): void;
  reset(): void;
  close(): Promise<void>;
}

const XMLNS = 'https://sns.amazonaws.com/doc/2010-03-31/';

const errorXml = (code: string, message: string) =>
  `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;

export async function startFakeSnsPublish(): Promise<FakeSnsPublish> {
  const messages: PublishedMessage[] = [];
  let failures: Array<{ code: string; status: number }> = [];
  const server = await startHttpServer((req, res, body) => {
    const form = new URLSearchParams(body.toString('utf8'));
    const reply = (status: number, xml: string) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(xml);
    };
    if (req.method !== 'POST' || form.get('Action') !== 'Publish') {
      reply(400, errorXml('InvalidAction', `only Action=Publish is served here, not ${form.get('Action')}`));
      return;
    }
    const failure = failures.shift();
    if (failure) {
      reply(failure.status, errorXml(failure.code, 'the stand-in was told to fail this publish'));
      return;
    }
    const topicArn = form.get('TopicArn');
    const message = form.get('Message');
    if (!topicArn || message === null) {
      reply(400, errorXml('InvalidParameter', 'TopicArn and Message are required'));
      return;
    }
    const messageId = randomUUID();
    messages.push({
      topicArn,
      message,
      messageId,
      ...(form.get('Subject') !== null ? { subject: form.get('Subject') ?? '' } : {}),
      ...(form.get('MessageGroupId') ? { groupId: form.get('MessageGroupId') ?? '' } : {}),
      ...(form.get('MessageDeduplicationId') ? { dedupId: form.get('MessageDeduplicationId') ?? '' } : {}),
    });
    reply(
      200,
      `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  });
  return {
    url: server.url,
    messages,
    received: (topicArn) =>
      messages
        .filter((m) => topicArn === undefined || m.topicArn === topicArn)
        .map((m) => JSON.parse(m.message) as Record<string, unknown>),
    failNext(count, code = 'Throttling', status = 400) {
      failures = Array.from({ length: count }, () => ({ code, status }));
    },
    reset() {
      messages.length = 0;
      failures = [];
    },
    close: () => server.close(),
  };
}
