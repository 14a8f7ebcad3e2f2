/**
 * Verification of Amazon SNS messages posted to the bot's HTTPS subscription (`POST /alerts/sns`).
 *
 * A message is accepted only when its signing certificate comes from an SNS host, its topic is on the
 * allowlist, it is fresh, and its signature (version 1 = SHA1withRSA, 2 = SHA256withRSA) verifies
 * against that certificate. The certificate URL must be a plain `.pem` path on an SNS host (no query, no
 * fragment, so one certificate has one URL), and what is fetched for it is bounded: see snsCertificates.ts.
 */
import { createVerify, type KeyObject, type X509Certificate } from 'node:crypto';
import type { SnsMessage, SnsVerdict, SnsVerifier } from '../ports/sns.js';
import { readCappedText } from './cappedBody.js';
import { CertificateBusyError, certificateCache } from './snsCertificates.js';

export interface SnsVerifierOptions {
  /** Topics whose messages are accepted; anything else is refused with 403. */
  topicArns: readonly string[];
  /** Returns the PEM text at a (already checked) certificate URL. Default: global fetch, 5 s timeout, 200 only. */
  fetchCertificate?: (url: string) => Promise<string>;
  /** A message whose Timestamp is older than this is refused. Default 3600. */
  maxAgeSeconds?: number;
  now?: () => Date;
  /** Certificates kept (least recently used dropped first). Default 16. */
  maxCachedCertificates?: number;
  /** Certificate downloads running at once; past it a message is answered 503 (SNS retries). Default 4. */
  maxConcurrentFetches?: number;
}

/** The subset of fetch that confirmSubscription needs; the global fetch fits it. */
export type ConfirmFetch = (
  url: string,
  init?: RequestInit,
) => Promise<{ status: number; statusText?: string; text(): Promise<string> }>;

const MESSAGE_TYPES: ReadonlySet<string> = new Set([
  'Notification',
  'SubscriptionConfirmation',
  'UnsubscribeConfirmation',
]);
const COMMON_FIELDS = [
  'MessageId',
  'TopicArn',
  'Message',
  'Timestamp',
  'SignatureVersion',
  'Signature',
  'SigningCertURL',
] as const;
const CONFIRMATION_FIELDS = ['Token', 'SubscribeURL'] as const;
const OPTIONAL_FIELDS = ['Subject', 'UnsubscribeURL', 'Token', 'SubscribeURL'] as const;
const ALGORITHMS: Readonly<Record<string, string>> = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' };

const DEFAULT_MAX_AGE_SECONDS = 3600;
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
const FETCH_TIMEOUT_MS = 5000;
// An SNS certificate is about 2 KB.
const MAX_CERTIFICATE_BYTES = 64 * 1024;
// One path segment naming a .pem file, as SNS's own (/SimpleNotificationService-<hex>.pem): no dot
// segments, no escapes, nothing that would let one certificate be asked for under many URLs.
const CERTIFICATE_PATH = /^\/[A-Za-z0-9_-]+\.pem$/;

// sns.<region>.amazonaws.com, or .amazonaws.com.cn in the China partition. Regions look like
// eu-west-2, us-gov-west-1, cn-north-1, ap-southeast-5.
const SNS_HOST = /^sns\.[a-z]{2}(?:-[a-z]+)+-\d+\.amazonaws\.com(?:\.cn)?$/;

/**
 * True when the URL is https on an SNS regional endpoint: no user info, no port other than 443.
 * Whether the path must name a certificate (.pem) is for the caller to check.
 */
export function isSnsHost(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // The URL parser drops an explicit :443 for https, so any remaining port is a different one.
  return (
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.port === '' &&
    SNS_HOST.test(parsed.hostname)
  );
}

/**
 * True for an SNS host URL whose path is one `.pem` file, with no query and no fragment. Each variant of
 * a URL is another download and another cache entry, so only one spelling of a certificate's URL passes.
 */
export function isCertificateUrl(url: string): boolean {
  if (!isSnsHost(url) || url.includes('?') || url.includes('#')) return false;
  const parsed = new URL(url);
  // Only the canonical spelling: `/a/../x.pem`, `:443` or an upper-case host name the same file again.
  return parsed.href === url && CERTIFICATE_PATH.test(parsed.pathname);
}

/** The text SNS signs: "Name\nvalue\n" for each field of the message type, in the fixed order. */
export function stringToSign(message: SnsMessage): string {
  const fields: ReadonlyArray<keyof SnsMessage> =
    message.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let text = '';
  for (const field of fields) {
    const value = message[field];
    if (value !== undefined) text += `${field}\n${value}\n`;
  }
  return text;
}

async function defaultFetchCertificate(url: string): Promise<string> {
  // Redirects are refused: a redirect could lead off the SNS host that was checked.
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status} from ${url}`);
  }
  return readCappedText(response, MAX_CERTIFICATE_BYTES);
}

const reject = (status: 400 | 403 | 503, reason: string): SnsVerdict => ({ ok: false, status, reason });

/** Checks the shape of a parsed body; returns the message or a 400 verdict naming what is wrong. */
function readMessage(parsed: unknown): SnsMessage | SnsVerdict {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return reject(400, 'body is not a JSON object');
  }
  const raw = parsed as Record<string, unknown>;
  const type = raw.Type;
  if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) {
    return reject(
      400,
      type === undefined ? 'missing field Type' : `unknown message Type ${JSON.stringify(type)}`,
    );
  }
  const required: string[] = [...COMMON_FIELDS];
  if (type !== 'Notification') required.push(...CONFIRMATION_FIELDS);
  for (const field of required) {
    const value = raw[field];
    if (value === undefined || value === null || value === '') return reject(400, `missing field ${field}`);
    if (typeof value !== 'string') return reject(400, `field ${field} is not a string`);
  }
  const message: SnsMessage = {
    Type: type as SnsMessage['Type'],
    MessageId: raw.MessageId as string,
    TopicArn: raw.TopicArn as string,
    Message: raw.Message as string,
    Timestamp: raw.Timestamp as string,
    SignatureVersion: raw.SignatureVersion as string,
    Signature: raw.Signature as string,
    SigningCertURL: raw.SigningCertURL as string,
  };
  for (const field of OPTIONAL_FIELDS) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return reject(400, `field ${field} is not a string`);
    message[field] = value;
  }
  return message;
}

export function createSnsVerifier(options: SnsVerifierOptions): SnsVerifier {
  const topics = new Set(options.topicArns);
  const fetchCertificate = options.fetchCertificate ?? defaultFetchCertificate;
  const maxAgeMs = (options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
  const now = options.now ?? (() => new Date());
  const certificates = certificateCache(fetchCertificate, {
    maxCached: options.maxCachedCertificates,
    maxConcurrent: options.maxConcurrentFetches,
  });

  async function verify(body: string): Promise<SnsVerdict> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return reject(400, 'body is not JSON');
    }
    const message = readMessage(parsed);
    if ('ok' in message) return message;

    const algorithm = ALGORITHMS[message.SignatureVersion];
    if (algorithm === undefined) {
      return reject(400, `unsupported SignatureVersion ${JSON.stringify(message.SignatureVersion)}`);
    }
    if (!isSnsHost(message.SigningCertURL)) {
      return reject(403, 'certificate URL is not an SNS host');
    }
    if (!isCertificateUrl(message.SigningCertURL)) {
      return reject(403, 'certificate URL is not a .pem file on the SNS host without query or fragment');
    }
    if (!topics.has(message.TopicArn)) {
      return reject(403, `topic ${message.TopicArn} is not allowed`);
    }

    const sentAt = Date.parse(message.Timestamp);
    if (Number.isNaN(sentAt)) return reject(400, 'Timestamp is not a date');
    const at = now();
    const ageMs = at.getTime() - sentAt;
    if (ageMs > maxAgeMs) return reject(403, `message is stale (sent ${message.Timestamp})`);
    if (-ageMs > MAX_FUTURE_SKEW_MS)
      return reject(403, `message Timestamp ${message.Timestamp} is in the future`);

    let certificate: X509Certificate;
    try {
      certificate = await certificates.get(message.SigningCertURL);
    } catch (err) {
      if (err instanceof CertificateBusyError) return reject(503, err.message);
      return reject(403, `could not get the signing certificate: ${(err as Error).message ?? String(err)}`);
    }

    let matches: boolean;
    try {
      const publicKey: KeyObject = certificate.publicKey;
      matches = createVerify(algorithm)
        .update(stringToSign(message), 'utf8')
        .verify(publicKey, message.Signature, 'base64');
    } catch {
      matches = false;
    }
    if (!matches) return reject(403, 'signature does not match');
    return { ok: true, message };
  }

  return { verify };
}

/**
 * Confirms a subscription by visiting its SubscribeURL, after checking that the URL is on an SNS host.
 * Throws when the URL is missing or not SNS, or when SNS does not answer 200.
 */
export async function confirmSubscription(
  message: SnsMessage,
  fetchImpl: ConfirmFetch = fetch,
): Promise<void> {
  const url = message.SubscribeURL;
  if (url === undefined || url === '') {
    throw new Error('cannot confirm the SNS subscription: the message has no SubscribeURL');
  }
  if (!isSnsHost(url)) {
    throw new Error(`refusing to confirm the SNS subscription: SubscribeURL is not an SNS host (${url})`);
  }
  const response = await fetchImpl(url, {
    method: 'GET',
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    redirect: 'error',
  });
  // Read the body in every case, so the connection is released.
  const text = await response.text().catch(() => '');
  if (response.status !== 200) {
    const detail = text.trim().slice(0, 200);
    throw new Error(
      `SNS refused the subscription confirmation for ${message.TopicArn}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`,
    );
  }
}
