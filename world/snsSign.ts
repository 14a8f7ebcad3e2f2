/**
 * Signs SNS messages with the test key (world/fixtures/sns-test-key.pem), the way SNS does, and serves
 * the matching certificate. The string to sign is built here independently of src/adapters/snsVerify.ts,
 * so a mistake there cannot be mirrored by the tests.
 */
import { createSign } from 'node:crypto';
import { readFixture } from './fixtures.js';

export const testKeyPem = readFixture('sns-test-key.pem');
export const testCertPem = readFixture('sns-test-cert.pem');

const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const CONFIRMATION_KEYS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];

function canonical(message: Record<string, unknown>): string {
  const keys = message.Type === 'Notification' ? NOTIFICATION_KEYS : CONFIRMATION_KEYS;
  return keys
    .filter((key) => typeof message[key] === 'string')
    .map((key) => `${key}\n${message[key] as string}\n`)
    .join('');
}

export type Signed<T> = T & { SignatureVersion: '1' | '2'; Signature: string };

/** A copy of the message with SignatureVersion set and a Signature made by the key (the test key by default). */
export function signSns<T extends object>(
  message: T,
  version: '1' | '2',
  keyPem: string = testKeyPem,
): Signed<T> {
  const signed = { ...message, SignatureVersion: version } as Signed<T>;
  const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(canonical(signed as unknown as Record<string, unknown>), 'utf8');
  signed.Signature = signer.sign(keyPem, 'base64');
  return signed;
}

/** A certificate fetcher that always answers the test certificate and records the URLs asked for. */
export function testCertificateFetcher(): { fetch: (url: string) => Promise<string>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetch: async (url: string) => {
      calls.push(url);
      return testCertPem;
    },
  };
}
