/**
 * A real S3 API (s3rver) holding a model bucket, for the real `@aws-sdk/client-s3` client.
 *
 * Objects are written straight into s3rver's filesystem store rather than uploaded, because what the
 * bot reads from a listing is LastModified and Size, and s3rver derives both from the object file:
 * `LastModified` is the file's mtime (FilesystemStore.getMetadata: `stat.mtime.toUTCString()`, so whole
 * seconds, like S3's listings) and `Size` is `stat.size`. So each object becomes a sparse file
 * (truncate: a 190 MB model.zip costs no disk and no time) with its mtime set by utimes. The ETag comes
 * from the `<object>.md5` file beside it; we write it ourselves, otherwise s3rver would hash every file
 * on the first listing.
 *
 * Listing past 1000 keys: s3rver's ListObjectsV2 continuation tokens are encrypted with single DES
 * (`crypto.createCipheriv('des', …)` in controllers/bucket.js). OpenSSL 3 (Node 17+) keeps DES in its
 * legacy provider, so without `--openssl-legacy-provider` a truncated listing answers 500
 * ("error:0308010C:digital envelope routines::unsupported"). That flag can only be given at process
 * start, so instead `installContinuationTokens` swaps the tokens for plain opaque ones; it works with or
 * without the flag.
 *
 * Big buckets (benchmarks: a synthetic bucket of 100,000 iterations is ~460,000 objects) have two options.
 * `bulkLoad` writes the initial objects with one mkdir per directory and nothing else than the object and
 * its `.md5` file (about 2x faster: 460k objects in ~12 s on tmpfs). `indexedListing` answers
 * ListObjectsV2 from a sorted index of the keys written through this fake: s3rver's own listing walks the
 * bucket's directory tree from the top on every page (a readdir and a stat of every iteration directory),
 * so a page of a 100k-iteration bucket costs about 1 s where S3's pages cost the same whatever the bucket's
 * size. With the index only the walk goes: each listed key's LastModified, Size and ETag are still read
 * from its files by s3rver's store, as without it. Keys uploaded through the S3 API (not `putObjects`) are
 * not in the index.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  ftruncateSync,
  futimesSync,
  mkdirSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface FakeS3Object {
  key: string;
  /** ISO timestamp; becomes the object's LastModified (sub-second digits are dropped, as in S3). */
  lastModified: string | Date;
  /** Byte size reported by listings; the object reads back as that many zero bytes. */
  size?: number;
  /** Real content (e.g. a check_result.json the bot reads); wins over `size`. */
  body?: string | Uint8Array;
}

export interface FakeS3 {
  /** Endpoint for the S3 client (`endpoint`, or `AWS_ENDPOINT_URL_S3`). */
  url: string;
  bucket: string;
  /**
   * s3rver's directory, removed by close(). A process holding a big bucket may instead remove it with
   * `rm -rf` and exit: close() removes files one by one (~45 s for 460k objects).
   */
  directory: string;
  /** Client options that work against this server; `client()` uses them. */
  clientConfig(): S3ClientConfig;
  /** A new real S3Client pointed at this server; destroyed by close(). */
  client(): S3Client;
  /** Adds or replaces objects while running (a new iteration trained, a marker written). */
  putObjects(objects: FakeS3Object[]): Promise<void>;
  /** Deletes objects while running (the garbage collector removing an iteration). */
  deleteObjects(keys: string[]): Promise<void>;
  /**
   * Accepts another key pair (s3rver refuses an access key it does not know, InvalidAccessKeyId), e.g.
   * the temporary credentials the local STS issues for an assumed role.
   */
  acceptCredentials(credentials: { accessKeyId: string; secretAccessKey: string }): void;
  /** Who signed each request so far, and for which region (SigV4 credential scope), in order. */
  signers(): ReadonlyArray<{ accessKeyId: string; region: string; sessionToken: boolean }>;
  close(): Promise<void>;
}

export interface StartFakeS3Options {
  bucket: string;
  objects: FakeS3Object[];
  /** Big buckets: write the initial objects without per-object checks (see the file comment). */
  bulkLoad?: boolean;
  /** Big buckets: list from an index of the keys instead of walking the directories (file comment). */
  indexedListing?: boolean;
}

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export async function startFakeS3(opts: StartFakeS3Options): Promise<FakeS3> {
  // tmpfs when there is one: creating thousands of small files on a journaling disk costs ~2 ms each.
  const directory = await mkdtemp(join('/dev/shm', 'fake-s3-')).catch(() =>
    mkdtemp(join(tmpdir(), 'fake-s3-')),
  );
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: opts.bucket }],
  });
  const index = opts.indexedListing ? new KeyIndex() : undefined;
  installContinuationTokens(s3rver, index ? { bucket: opts.bucket, index } : undefined);

  let address: Awaited<ReturnType<S3rver['run']>>;
  try {
    address = await s3rver.run();
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const url = `http://127.0.0.1:${address.port}`;
  const clients: S3Client[] = [];
  const signers: Array<{ accessKeyId: string; region: string; sessionToken: boolean }> = [];
  s3rver.httpServer?.on('request', (req: IncomingMessage) => {
    const scope = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '');
    if (scope?.[1] && scope[2]) {
      signers.push({
        accessKeyId: scope[1],
        region: scope[2],
        sessionToken: req.headers['x-amz-security-token'] !== undefined,
      });
    }
  });

  const putObjects = async (objects: FakeS3Object[]): Promise<void> => {
    for (const object of objects) {
      writeObject(s3rver, opts.bucket, object);
      index?.add(object.key);
    }
  };
  try {
    if (opts.bulkLoad) {
      writeFreshObjects(s3rver, opts.bucket, opts.objects);
      index?.addMany(opts.objects.map((o) => o.key));
    } else {
      await putObjects(opts.objects);
    }
  } catch (err) {
    s3rver.httpServer?.closeAllConnections();
    await s3rver.close();
    await rm(directory, { recursive: true, force: true });
    throw err;
  }

  const clientConfig = (): S3ClientConfig => ({
    endpoint: url,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { ...S3RVER_CREDENTIALS },
    // Without these the SDK sends and expects aws-chunked bodies with trailing checksums, which
    // s3rver stores verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    bucket: opts.bucket,
    directory,
    clientConfig,
    client() {
      const client = new S3Client(clientConfig());
      clients.push(client);
      return client;
    },
    putObjects,
    acceptCredentials({ accessKeyId, secretAccessKey }) {
      S3rverAccount.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
    },
    signers: () => signers,
    async deleteObjects(keys) {
      for (const key of keys) {
        index?.delete(key);
        const objectPath = s3rver.store.getResourcePath(opts.bucket, key, 'object');
        await Promise.all(
          [
            objectPath,
            `${objectPath}.md5`,
            s3rver.store.getResourcePath(opts.bucket, key, 'metadata.json'),
          ].map((path) => rm(path, { force: true })),
        );
      }
    },
    close() {
      closing ??= (async () => {
        for (const client of clients) client.destroy();
        const closed = s3rver.close();
        // the SDK's agent keeps sockets alive; don't wait for them to idle out
        s3rver.httpServer?.closeAllConnections();
        await closed;
        await rm(directory, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/**
 * Synchronous on purpose: each object is a few tiny metadata operations, and the sync calls skip the
 * libuv thread pool round trip (on tmpfs 2500 objects take ~0.1 s this way, seconds with fs/promises).
 */
function writeObject(s3rver: S3rver, bucket: string, object: FakeS3Object): void {
  const modified = new Date(object.lastModified);
  if (Number.isNaN(modified.getTime())) {
    throw new Error(`fake S3: bad lastModified ${String(object.lastModified)} for ${object.key}`);
  }
  const objectPath = s3rver.store.getResourcePath(bucket, object.key, 'object');
  mkdirSync(dirname(objectPath), { recursive: true });
  let etag: string;
  const fd = openSync(objectPath, 'w');
  try {
    if (object.body !== undefined) {
      const content = typeof object.body === 'string' ? Buffer.from(object.body) : object.body;
      writeSync(fd, content);
      etag = createHash('md5').update(content).digest('hex');
    } else {
      const size = object.size ?? 0;
      ftruncateSync(fd, size); // sparse: reads back as zeros, takes no space
      etag = zeroFilledEtag(size);
    }
    futimesSync(fd, modified, modified);
  } finally {
    closeSync(fd);
  }
  writeFileSync(`${objectPath}.md5`, etag);
  // a replaced object must not keep the metadata (content-type…) of the one before
  rmSync(s3rver.store.getResourcePath(bucket, object.key, 'metadata.json'), { force: true });
}

/**
 * `writeObject` for many objects into a fresh bucket: one mkdir per directory, no metadata file to remove
 * (none exists yet), no truncate for empty objects. The same files, half the system calls.
 */
function writeFreshObjects(s3rver: S3rver, bucket: string, objects: readonly FakeS3Object[]): void {
  const directories = new Set<string>();
  for (const object of objects) {
    if (object.body !== undefined) {
      writeObject(s3rver, bucket, object);
      continue;
    }
    const modified = new Date(object.lastModified);
    if (Number.isNaN(modified.getTime())) {
      throw new Error(`fake S3: bad lastModified ${String(object.lastModified)} for ${object.key}`);
    }
    const objectPath = s3rver.store.getResourcePath(bucket, object.key, 'object');
    const directory = dirname(objectPath);
    if (!directories.has(directory)) {
      mkdirSync(directory, { recursive: true });
      directories.add(directory);
    }
    const size = object.size ?? 0;
    const fd = openSync(objectPath, 'w');
    try {
      if (size > 0) ftruncateSync(fd, size);
      futimesSync(fd, modified, modified);
    } finally {
      closeSync(fd);
    }
    writeFileSync(`${objectPath}.md5`, zeroFilledEtag(size));
  }
}

/** The keys of a bucket in S3's listing order, for `indexedListing`. */
class KeyIndex {
  private keys: string[] = [];

  addMany(keys: readonly string[]): void {
    this.keys = [...new Set([...this.keys, ...keys])].sort(byKey);
  }

  add(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  delete(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  /** Up to `max` keys after `startAfter` that start with `prefix`; `more` when the next one would too. */
  page(prefix: string, startAfter: string, max: number): { keys: string[]; more: boolean } {
    let at = this.lowerBound(startAfter > prefix ? startAfter : prefix);
    if (this.keys[at] === startAfter) at += 1;
    const keys: string[] = [];
    for (; at < this.keys.length; at++) {
      const key = this.keys[at] as string;
      if (!key.startsWith(prefix)) break;
      if (keys.length === max) return { keys, more: true };
      keys.push(key);
    }
    return { keys, more: false };
  }

  /** Index of the first key not below `key`. */
  private lowerBound(key: string): number {
    let [low, high] = [0, this.keys.length];
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.keys[mid] as string) < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// s3rver's object model, to build listing entries exactly as its own store does (no typings: internal).
const S3rverObject = createRequire(import.meta.url)('s3rver/lib/models/object') as new (
  bucket: string,
  key: string,
  content: null,
  metadata: Record<string, unknown>,
) => { key: string };

// s3rver's accounts (no typings: internal): the access keys its authentication accepts, process-wide.
const S3rverAccount = createRequire(import.meta.url)('s3rver/lib/models/account') as {
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
};

/** One ListObjectsV2 page from the index; LastModified, Size and ETag from s3rver's store, as it lists. */
async function listFromIndex(
  store: S3rver['store'],
  bucket: string,
  index: KeyIndex,
  options: Record<string, unknown>,
): Promise<{ objects: Array<{ key: string }>; commonPrefixes: string[]; isTruncated: boolean }> {
  const prefix = typeof options.prefix === 'string' ? options.prefix : '';
  const startAfter = typeof options.startAfter === 'string' ? options.startAfter : '';
  const max = typeof options.maxKeys === 'number' ? options.maxKeys : 1000;
  const { keys, more } = index.page(prefix, startAfter, max);
  const metadataStore = store as unknown as {
    getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
  };
  const entries = await Promise.all(
    keys.map((key) =>
      metadataStore.getMetadata(bucket, key).then(
        (metadata) => new S3rverObject(bucket, key, null, metadata),
        (err: NodeJS.ErrnoException) => {
          // deleted behind the index's back: not listed, as s3rver does for a vanished file
          if (err.code === 'ENOENT') return undefined;
          throw err;
        },
      ),
    ),
  );
  return {
    objects: entries.filter((e): e is { key: string } => e !== undefined),
    commonPrefixes: [],
    isTruncated: more,
  };
}

const PART_SIZE = 8 * 1024 * 1024;
const etagCache = new Map<number, string>();
const zeroPartMd5 = new Map<number, Buffer>();

const md5OfZeros = (size: number): Buffer => {
  let digest = zeroPartMd5.get(size);
  if (!digest) {
    digest = createHash('md5').update(Buffer.alloc(size)).digest();
    zeroPartMd5.set(size, digest);
  }
  return digest;
};

/**
 * The ETag S3 would give `size` zero bytes uploaded the way `aws s3 cp` does: a plain MD5 up to 8 MiB,
 * above that a multipart ETag (MD5 of the parts' MD5s, `-<parts>`). Cached: fixtures reuse sizes.
 */
function zeroFilledEtag(size: number): string {
  const cached = etagCache.get(size);
  if (cached) return cached;
  let etag: string;
  if (size <= PART_SIZE) {
    etag = md5OfZeros(size).toString('hex');
  } else {
    const fullParts = Math.floor(size / PART_SIZE);
    const rest = size % PART_SIZE;
    const digests = Array.from({ length: fullParts }, () => md5OfZeros(PART_SIZE));
    if (rest > 0) digests.push(md5OfZeros(rest));
    etag = `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}`;
  }
  etagCache.set(size, etag);
  return etag;
}

const TOKEN_PREFIX = 'fake-s3:';

/**
 * Replaces s3rver's DES-encrypted ListObjectsV2 continuation tokens (see the file comment) with
 * `fake-s3:<base64url of bucket NUL last key>`. Runs as Koa middleware just before s3rver's router:
 * an incoming token becomes `start-after`; the store is told to report "not truncated" so s3rver never
 * calls DES, and the truncation is put back into the response object before it is rendered as XML.
 * Must be called before `run()`: Koa composes its middleware when the server starts.
 */
function installContinuationTokens(
  s3rver: S3rver,
  indexed?: { readonly bucket: string; readonly index: KeyIndex },
): void {
  const routerIndex = s3rver.middleware.findIndex((mw) => mw.router !== undefined);
  if (routerIndex < 0) throw new Error('fake S3: s3rver router middleware not found (s3rver changed?)');

  s3rver.middleware.splice(routerIndex, 0, async (ctx, next) => {
    const bucket = /^\/([^/]+)\/?$/.exec(ctx.path)?.[1];
    if (ctx.method !== 'GET' || bucket === undefined || ctx.query['list-type'] !== '2') return next();

    const token = ctx.query['continuation-token'];
    if (typeof token === 'string') {
      const startAfter = decodeToken(token, bucket);
      // not one of ours: let s3rver answer as it would (InvalidArgument, or the DES error)
      if (startAfter === undefined) return next();
      const { 'continuation-token': _token, ...query } = ctx.query;
      ctx.query = { ...query, 'start-after': startAfter };
    }

    let lastKey: string | undefined;
    const store = ctx.store;
    ctx.store = Object.create(store, {
      listObjects: {
        value: async (name: string, options: Record<string, unknown>) => {
          // A delimiter (common prefixes) is left to s3rver's walk: the bot never lists with one.
          const result =
            indexed && name === indexed.bucket && !options.delimiter
              ? await listFromIndex(store, name, indexed.index, options)
              : await store.listObjects(name, options);
          if (!result.isTruncated) return result;
          lastKey = result.objects.at(-1)?.key;
          return { ...result, isTruncated: false };
        },
      },
    }) as typeof store;

    await next();

    const listing = (ctx.body as { ListBucketResult?: Record<string, unknown> } | undefined)
      ?.ListBucketResult;
    if (!listing) return;
    if (typeof token === 'string') {
      listing.ContinuationToken = token;
      delete listing.StartAfter;
    }
    if (lastKey !== undefined) {
      listing.IsTruncated = true;
      listing.NextContinuationToken = `${TOKEN_PREFIX}${Buffer.from(`${bucket}\0${lastKey}`).toString('base64url')}`;
    }
  });
}

function decodeToken(token: string, bucket: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const [tokenBucket, key] = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url')
    .toString('utf8')
    .split('\0');
  return tokenBucket === bucket && key ? key : undefined;
}

/** The fixture bucket as written in the JSONL file (one `{ key, lastModified, size }` per line). */
export async function loadBucketListing(
  path: string = fileURLToPath(new URL('./fixtures/bucket-listing.jsonl', import.meta.url)),
): Promise<Array<{ key: string; lastModified: string; size: number }>> {
  const text = await readFile(resolve(path), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const o = JSON.parse(line) as { key: string; lastModified: string; size: number };
      if (typeof o.key !== 'string' || typeof o.lastModified !== 'string' || typeof o.size !== 'number') {
        throw new Error(`${path}:${i + 1}: expected { key, lastModified, size }`);
      }
      return o;
    });
}

/**
 * `n` objects forming valid iterations `0.<minor>.<patch>-<sha>` (five objects each: model.zip,
 * search-config.toml, check_result.json, passed, staging), newer as the version grows; the last
 * iteration is cut short when n is not a multiple of five. For listings longer than one page.
 */
export function generateListing(n: number): Array<{ key: string; lastModified: string; size: number }> {
  const parts: Array<{ name: string; minutes: number; size: number }> = [
    { name: 'model.zip', minutes: 0, size: 190_000_000 },
    { name: 'search-config.toml', minutes: 1, size: 512 },
    { name: 'check_result.json', minutes: 2, size: 2048 },
    { name: 'passed', minutes: 10, size: 0 },
    { name: 'staging', minutes: 40, size: 0 },
  ];
  const start = Date.parse('2025-01-01T00:00:00Z');
  const objects: Array<{ key: string; lastModified: string; size: number }> = [];
  for (let i = 1; objects.length < n; i++) {
    const version = `0.${Math.floor(i / 1000)}.${i % 1000}`;
    const sha = createHash('sha1').update(`iteration ${i}`).digest('hex').slice(0, 7);
    for (const part of parts) {
      if (objects.length >= n) break;
      objects.push({
        key: `${version}-${sha}/${part.name}`,
        lastModified: new Date(start + i * 3_600_000 + part.minutes * 60_000)
          .toISOString()
          .replace('.000Z', 'Z'),
        size: part.size,
      });
    }
  }
  return objects;
}
