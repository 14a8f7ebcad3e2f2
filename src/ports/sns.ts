/** Amazon SNS as the alarm route needs it: a message whose signature and topic were checked. */

export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
  UnsubscribeURL?: string;
}

export type SnsVerdict =
  | { ok: true; message: SnsMessage }
  | { ok: false; status: 400 | 403 | 503; reason: string };

export interface SnsVerifier {
  verify(body: string): Promise<SnsVerdict>;
}

/** One message to publish to a topic (`[notify] sns_topic_arn`). */
export interface SnsPublish {
  readonly topicArn: string;
  readonly subject: string;
  readonly message: string;
  /** FIFO topics only. */
  readonly groupId?: string;
  readonly dedupId?: string;
}

/** Amazon SNS as the outcome notice needs it: Publish, bounded in time. */
export interface SnsPublisher {
  publish(m: SnsPublish): Promise<{ readonly messageId: string }>;
}

/**
 * A failed Publish: `code` is how the outbox judges it (`http_403`, `ratelimited`, `timeout`,
 * `request_failed`), and `cause` is the SDK's own error.
 */
export class PublishError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}
