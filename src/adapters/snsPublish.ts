/**
 * Publishing to Amazon SNS (`@aws-sdk/client-sns`): one client per topic region (a topic is published
 * to in its own region, read from its ARN), the SDK's credential chain, and `AWS_ENDPOINT_URL_SNS` when
 * set (the SDK reads it; tests point it at world/snsPublish.ts). Each call is bounded in time; a failure
 * is a PublishError whose code the outbox judges and whose cause is the SDK's error.
 */
import { PublishCommand, SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { PublishError, type SnsPublisher } from '../ports/sns.js';
import { type CallObserver, describeFailure, ignoreCalls, timed } from './outsideCall.js';

export function createSnsPublisher(
  options: {
    readonly timeoutMs: number;
    /** Overrides (a local endpoint); otherwise the SDK's own configuration from the environment. */
    readonly clientConfig?: SNSClientConfig;
    readonly observe?: CallObserver;
  } = { timeoutMs: 5000 },
): SnsPublisher {
  const clients = new Map<string, SNSClient>();
  const clientFor = (region: string) => {
    let client = clients.get(region);
    if (!client) {
      client = new SNSClient({ maxAttempts: 1, ...options.clientConfig, region });
      clients.set(region, client);
    }
    return client;
  };
  return {
    async publish(m) {
      const region = m.topicArn.split(':')[3] ?? '';
      try {
        const out = await timed('sns', options.timeoutMs, options.observe ?? ignoreCalls, (abortSignal) =>
          clientFor(region).send(
            new PublishCommand({
              TopicArn: m.topicArn,
              Subject: m.subject,
              Message: m.message,
              ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
              ...(m.dedupId ? { MessageDeduplicationId: m.dedupId } : {}),
            }),
            { abortSignal },
          ),
        );
        return { messageId: out.MessageId ?? '' };
      } catch (err) {
        const failure = describeFailure(err, options.timeoutMs);
        const sdk =
          (err as Error)?.name && failure.status ? ` ${(err as Error).name}: ${(err as Error).message}` : '';
        throw new PublishError(
          `SNS Publish to ${m.topicArn} failed: ${failure.text}${sdk}`,
          publishFailureCode(err),
          { cause: err },
        );
      }
    },
  };
}

/** How the outbox judges a failed Publish: throttling and 5xx are retried; other 4xx are not. */
export function publishFailureCode(err: unknown): string {
  const e = err as { name?: string };
  if (/throttl/i.test(e?.name ?? '')) return 'ratelimited';
  const failure = describeFailure(err);
  if (failure.status) return `http_${failure.status}`;
  return failure.outcome === 'timeout' ? 'timeout' : 'request_failed';
}
