/**
 * The model bucket (S3). One paginated listing per service prefix, cached briefly and shared by
 * concurrent callers so a burst of slash commands lists the bucket once. Every page is bounded in time
 * (a bucket that accepts connections and never answers must not hold an answer for minutes), and so is
 * the listing as a whole, in time and in keys: a prefix that also holds millions of raw-data files would
 * otherwise be read into memory to the last key. A failure says what really happened: timeout, DNS,
 * refused, access denied, no such bucket, too many keys, and what to change.
 *
 * A service whose bucket is in another region or account (aws_region, aws_role_arn) is listed with a
 * client of its own, one per (region, role), made with the default client's settings (endpoint, path
 * style, checksums). A role's credentials come from the SDK's `fromTemporaryCredentials` (STS
 * AssumeRole with the bot's own identity); the client keeps them and assumes the role again five
 * minutes before they expire. Credentials are never written anywhere.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { BucketObject } from '../domain/iterations.js';
import type { BucketAccess, ModelBucket } from '../ports/models.js';
import { sharedCalls } from '../support/sharedCalls.js';
import { type CallObserver, describeFailure, ignoreCalls, timed } from './outsideCall.js';

export class BucketError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BucketError';
  }
}

/** STS refused (or could not be asked) to let the bot assume a service's role. */
class AssumeRoleFailure extends Error {
  constructor(
    readonly roleArn: string,
    cause: unknown,
  ) {
    super(`assuming role ${roleArn} failed`, { cause });
    this.name = 'AssumeRoleFailure';
  }
}

/** STS's own words, on one line and bounded (they name ARNs, never credentials). */
const stsMessage = (err: unknown): string => {
  const message = String((err as { message?: unknown }).message ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return message.length > 300 ? `${message.slice(0, 299)}…` : message;
};

function explainAssumeRole(failure: AssumeRoleFailure, timeoutMs: number): string {
  const err = failure.cause;
  const code = (err as { name?: string }).name ?? '';
  const said = stsMessage(err);
  const start = `assuming role ${failure.roleArn} failed`;
  if (code === 'AccessDenied')
    return `${start}: AccessDenied (${said}): the bot's own identity needs sts:AssumeRole on it, and the role's trust policy must name the bot`;
  if (code === 'InvalidClientTokenId' || code === 'SignatureDoesNotMatch' || code === 'ExpiredTokenException')
    return `${start}: STS refused the bot's own AWS credentials (${code})`;
  if (code === 'RegionDisabledException')
    return `${start}: STS is not activated in the service's region (${code}): activate it in the bot's account or set another aws_region`;
  if (code === 'CredentialsProviderError')
    return `${start}: the bot has no AWS credentials of its own to assume it with (${said})`;
  const described = describeFailure(err, timeoutMs);
  return described.status !== undefined && code && !/^\d+$/.test(code)
    ? `${start}: ${described.text} (${code})`
    : `${start}: ${described.text}`;
}

/** S3's error codes in words an operator can act on. */
function explain(err: unknown, bucket: string, timeoutMs: number, access: BucketAccess = {}): string {
  if (err instanceof AssumeRoleFailure) return explainAssumeRole(err, timeoutMs);
  const code = (err as { name?: string; Code?: string }).name ?? '';
  if (code === 'NoSuchBucket') return `bucket ${bucket} does not exist (NoSuchBucket)`;
  if (code === 'AccessDenied' || code === 'Forbidden') {
    return access.roleArn
      ? `access denied to ${bucket}: the role ${access.roleArn} needs s3:ListBucket on it (${code})`
      : `access denied to ${bucket}: the credentials need s3:ListBucket (${code})`;
  }
  if (code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || code === 'ExpiredToken') {
    return access.roleArn
      ? `the temporary credentials of role ${access.roleArn} were refused (${code})`
      : `the AWS credentials were refused (${code})`;
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed') {
    return access.region
      ? `${bucket} is in another region than the service's aws_region ${access.region} (${code})`
      : `${bucket} is in another region than AWS_REGION: set the service's aws_region (${code})`;
  }
  const failure = describeFailure(err, timeoutMs);
  return failure.status !== undefined && code && !/^\d+$/.test(code)
    ? `${failure.text} (${code})`
    : failure.text;
}

export const DEFAULT_MAX_LISTING_KEYS = 1_000_000;
export const DEFAULT_LISTING_TIMEOUT_MS = 300_000;
/** An assumed role's session (AssumeRole's DurationSeconds; a role's maximum is at least one hour). */
export const DEFAULT_ROLE_SESSION_SECONDS = 3600;
export const ROLE_SESSION_NAME = 'rollback-bot';

/**
 * The bot's S3 client settings. The SDK reads AWS_REGION, credentials and AWS_ENDPOINT_URL_S3 itself. A
 * custom endpoint is almost always S3-compatible storage (MinIO, localstack) that wants path-style
 * addressing.
 */
export function s3ClientConfig(source: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  return {
    forcePathStyle: Boolean(source.AWS_ENDPOINT_URL_S3),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

const accessKey = (access: BucketAccess | undefined): string =>
  `${access?.region ?? ''}\u0000${access?.roleArn ?? ''}`;

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
    /**
     * The default client's settings, from which the client of a service with its own region or role is
     * made (endpoint, path style, checksums; its credentials are the bot's own, that assume the role).
     * Default: s3ClientConfig() from the environment, as the default client is made.
     */
    clientConfig?: S3ClientConfig;
    /**
     * The STS client's settings beyond the region (e.g. a local STS's endpoint); otherwise the SDK's own
     * (AWS_ENDPOINT_URL_STS, the standard credential chain for the bot's identity).
     */
    sts?: { readonly endpoint?: string };
    /** DurationSeconds of an assumed role's session. */
    roleSessionSeconds?: number;
  },
): ModelBucket {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5000;
  const listingTimeoutMs = options.listingTimeoutMs ?? DEFAULT_LISTING_TIMEOUT_MS;
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_LISTING_KEYS;
  const observe = options.observe ?? ignoreCalls;
  const listings = sharedCalls<string, BucketObject[]>({ keepMs: options.cacheSeconds * 1000, now });
  const clients = new Map<string, S3Client>();

  /** The client of a region and role; the default client when the service names neither. */
  function clientFor(access: BucketAccess | undefined): S3Client {
    if (!access?.region && !access?.roleArn) return s3;
    const key = accessKey(access);
    let client = clients.get(key);
    if (!client) {
      client = createAccessClient(options.clientConfig ?? s3ClientConfig(), access, options);
      clients.set(key, client);
    }
    return client;
  }

  async function listAll(bucket: string, prefix: string, access?: BucketAccess): Promise<BucketObject[]> {
    const client = clientFor(access);
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
        client.send(
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
        throw new BucketError(explain(err, bucket, timeoutMs, access), { cause: err });
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
  async function readFile(
    bucket: string,
    key: string,
    maxBytes: number,
    access?: BucketAccess,
  ): Promise<string | undefined> {
    const client = clientFor(access);
    const got = await timed('s3', timeoutMs, observe, (abortSignal) =>
      client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }),
    ).catch((err: unknown) => {
      const code = (err as { name?: string }).name;
      if (code === 'NoSuchKey' || code === 'NotFound') return undefined;
      if (code === 'AccessDenied' || code === 'Forbidden') {
        const who = access?.roleArn ? `the role ${access.roleArn} needs` : 'the credentials need';
        throw new BucketError(`access denied to ${bucket}/${key}: ${who} s3:GetObject on it`);
      }
      throw new BucketError(explain(err, bucket, timeoutMs, access), { cause: err });
    });
    if (!got?.Body) return undefined;
    if ((got.ContentLength ?? 0) > maxBytes) {
      throw new BucketError(`${bucket}/${key} is larger than ${maxBytes} bytes: not read`);
    }
    return got.Body.transformToString('utf8');
  }

  async function putFile(bucket: string, key: string, body: string, access?: BucketAccess): Promise<void> {
    const client = clientFor(access);
    await timed('s3', timeoutMs, observe, (abortSignal) =>
      client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
        { abortSignal },
      ),
    ).catch((err: unknown) => {
      const code = (err as { name?: string }).name;
      if (code === 'AccessDenied' || code === 'Forbidden') {
        const who = access?.roleArn ? `the role ${access.roleArn} needs` : 'the credentials need';
        throw new BucketError(`access denied to ${bucket}/${key}: ${who} s3:PutObject on it (${code})`, {
          cause: err,
        });
      }
      throw new BucketError(explain(err, bucket, timeoutMs, access), { cause: err });
    });
    listings.clear();
  }

  return {
    // A listing is kept per access too: a service whose role is refused must not read another's.
    list: (bucket, prefix, access) =>
      listings.get(`${bucket}\u0000${prefix}\u0000${accessKey(access)}`, () =>
        listAll(bucket, prefix, access),
      ),
    readSmall: (bucket, key, maxBytes, access) =>
      files.get(`${bucket}\u0000${key}\u0000${accessKey(access)}`, () =>
        readFile(bucket, key, maxBytes, access),
      ),
    put: putFile,
    invalidate: () => listings.clear(),
  };
}

/**
 * An S3 client for a region and/or a role, with the default client's other settings. The role's
 * credentials: STS AssumeRole (in the service's region when it has one) signed with the bot's own
 * credentials; the S3 client memoizes them and assumes the role again when they are within five minutes
 * of their expiration, so a listing never starts with credentials about to expire.
 */
function createAccessClient(
  base: S3ClientConfig,
  access: BucketAccess,
  options: { sts?: { readonly endpoint?: string }; roleSessionSeconds?: number; timeoutMs?: number },
): S3Client {
  const config: S3ClientConfig = { ...base };
  if (access.region) config.region = access.region;
  const roleArn = access.roleArn;
  if (roleArn) {
    const assume = fromTemporaryCredentials({
      params: {
        RoleArn: roleArn,
        RoleSessionName: ROLE_SESSION_NAME,
        DurationSeconds: options.roleSessionSeconds ?? DEFAULT_ROLE_SESSION_SECONDS,
      },
      // Undefined: the standard credential chain (the bot's own identity).
      masterCredentials: base.credentials,
      clientConfig: {
        ...(access.region ? { region: access.region } : {}),
        ...(options.sts?.endpoint ? { endpoint: options.sts.endpoint } : {}),
      },
    });
    // The SDK's abort signal stops S3's own request, not the credential lookup before it: an STS that
    // accepts the connection and never answers is bounded here, like a page of the listing.
    const boundMs = options.timeoutMs ?? 5000;
    config.credentials = async (properties) => {
      let timer: NodeJS.Timeout | undefined;
      const overdue = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new DOMException(`STS did not answer within ${boundMs} ms`, 'TimeoutError')),
          boundMs,
        );
      });
      try {
        return await Promise.race([assume(properties), overdue]);
      } catch (err) {
        throw new AssumeRoleFailure(roleArn, err);
      } finally {
        clearTimeout(timer);
      }
    };
  }
  return new S3Client(config);
}
