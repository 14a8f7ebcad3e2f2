/**
 * The model bucket (S3). One paginated listing per service prefix, cached briefly and shared by
 * concurrent callers so a burst of slash commands lists the bucket once. Every page is bounded in time
 * (a bucket that accepts connections and never answers must not hold an answer for minutes), and so is
 * the listing as a whole, in time and in keys: a prefix that also holds millions of raw-data files would
 * otherwise be read into memory to the last key. A failure says what really happened: timeout, DNS,
 * refused, access denied, no such bucket, too many keys, and what to change.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { BucketObject } from '../domain/iterations.js';
import type { ModelBucket } from '../ports/models.js';
import { sharedCalls } from '../support/sharedCalls.js';
import { type CallObserver, describeFailure, ignoreCalls, timed } from './outsideCall.js';

export class BucketError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BucketError';
  }
}

/** S3's error codes in words an operator can act on. */
function explain(err: unknown, bucket: string, timeoutMs: number): string {
  const code = (err as { name?: string; Code?: string }).name ?? '';
  if (code === 'NoSuchBucket') return `bucket ${bucket} does not exist (NoSuchBucket)`;
  if (code === 'AccessDenied' || code === 'Forbidden')
    return `access denied to ${bucket}: the credentials need s3:ListBucket (${code})`;
  if (code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || code === 'ExpiredToken')
    return `the AWS credentials were refused (${code})`;
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed')
    return `${bucket} is in another region than AWS_REGION (${code})`;
  const failure = describeFailure(err, timeoutMs);
  return failure.status !== undefined && code && !/^\d+$/.test(code)
    ? `${failure.text} (${code})`
    : failure.text;
}

export const DEFAULT_MAX_LISTING_KEYS = 1_000_000;
export const DEFAULT_LISTING_TIMEOUT_MS = 300_000;

export function createModelBucket(
  s3: S3Client,
  options: {
    cacheSeconds: number;
    /** Bound on each page. */
    timeoutMs?: number;
    /** Bound on a whole listing (config: listing_timeout_seconds). */
    listingTimeoutMs?: number;
    /** A listing with more keys than this is refused (config: max_listing_keys). */
    maxKeys?: number;
    observe?: CallObserver;
    now?: () => number;
  },
): ModelBucket {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5000;
  const listingTimeoutMs = options.listingTimeoutMs ?? DEFAULT_LISTING_TIMEOUT_MS;
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_LISTING_KEYS;
  const observe = options.observe ?? ignoreCalls;
  const listings = sharedCalls<string, BucketObject[]>({ keepMs: options.cacheSeconds * 1000, now });

  async function listAll(bucket: string, prefix: string): Promise<BucketObject[]> {
    const objects: BucketObject[] = [];
    const where = `bucket ${bucket}, prefix ${JSON.stringify(prefix)}`;
    const deadline = performance.now() + listingTimeoutMs;
    const overdue = () =>
      new BucketError(
        `${where}: the listing did not finish within ${Math.round(listingTimeoutMs / 1000)} s (${objects.length.toLocaleString('en')} keys read): set the service's prefix to the directory that holds only the model iterations, or raise [bot] listing_timeout_seconds`,
      );
    let token: string | undefined;
    do {
      const left = deadline - performance.now();
      if (left <= 0) throw overdue();
      // The last page may only have what is left of the whole listing's time.
      const pageMs = Math.min(timeoutMs, Math.ceil(left));
      const page = await timed('s3', pageMs, observe, (abortSignal) =>
        s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            MaxKeys: 1000,
            ContinuationToken: token,
          }),
          { abortSignal },
        ),
      ).catch((err: unknown) => {
        if (pageMs < timeoutMs && describeFailure(err).outcome === 'timeout') throw overdue();
        throw new BucketError(explain(err, bucket, timeoutMs), { cause: err });
      });
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        objects.push({ key: o.Key, lastModified: o.LastModified ?? new Date(0), size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (objects.length > maxKeys) {
        throw new BucketError(
          `${where}: more than ${maxKeys.toLocaleString('en')} keys under the prefix (the listing stopped there): set the service's prefix to the directory that holds only the model iterations, or raise [bot] max_listing_keys`,
        );
      }
    } while (token);
    return objects;
  }

  // Small files (an iteration's metrics) are read once and kept: a written iteration does not change.
  const files = sharedCalls<string, string | undefined>({ keepMs: 3_600_000, now });
  async function readFile(bucket: string, key: string, maxBytes: number): Promise<string | undefined> {
    const got = await timed('s3', timeoutMs, observe, (abortSignal) =>
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }),
    ).catch((err: unknown) => {
      const code = (err as { name?: string }).name;
      if (code === 'NoSuchKey' || code === 'NotFound') return undefined;
      if (code === 'AccessDenied' || code === 'Forbidden')
        throw new BucketError(`access denied to ${bucket}/${key}: the credentials need s3:GetObject on it`);
      throw new BucketError(explain(err, bucket, timeoutMs), { cause: err });
    });
    if (!got?.Body) return undefined;
    if ((got.ContentLength ?? 0) > maxBytes) {
      throw new BucketError(`${bucket}/${key} is larger than ${maxBytes} bytes: not read`);
    }
    return got.Body.transformToString('utf8');
  }

  return {
    list: (bucket, prefix) => listings.get(`${bucket}\u0000${prefix}`, () => listAll(bucket, prefix)),
    readSmall: (bucket, key, maxBytes) =>
      files.get(`${bucket}\u0000${key}`, () => readFile(bucket, key, maxBytes)),
    invalidate: () => listings.clear(),
  };
}
