import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelBucket } from '../../src/adapters/modelBucket.js';
import { startHttpServer } from '../../world/http.js';
import { type FakeS3, generateListing, loadBucketListing, startFakeS3 } from '../../world/s3.js';

/** Counts ListObjectsV2 requests the real client sends. */
function countListings(client: S3Client): { count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'ListObjectsV2Command') counter.count++;
      return next(args);
    },
    { step: 'initialize', name: 'countListings' },
  );
  return counter;
}

describe('model bucket on a local S3', () => {
  let small: FakeS3;
  let large: FakeS3;
  beforeAll(async () => {
    [small, large] = await Promise.all([
      startFakeS3({ bucket: 'models', objects: await loadBucketListing() }),
      startFakeS3({ bucket: 'many', objects: generateListing(2500) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([small?.close(), large?.close()]);
  });

  it('lists every object with its LastModified and size', async () => {
    const bucket = createModelBucket(small.client(), { cacheSeconds: 0 });
    const objects = await bucket.list('models', '');
    expect(objects).toHaveLength(84);
    const model = objects.find((o) => o.key === '1.24.0-0718293/model.zip');
    expect(model?.lastModified.toISOString()).toBe('2026-07-01T14:00:00.000Z');
    expect(model?.size).toBe(190_000_000);
  });

  it('follows continuation tokens past 1000 keys', async () => {
    const client = large.client();
    const counter = countListings(client);
    const objects = await createModelBucket(client, { cacheSeconds: 0 }).list('many', '');
    expect(objects).toHaveLength(2500);
    expect(new Set(objects.map((o) => o.key)).size).toBe(2500);
    expect(counter.count).toBe(3);
  });

  it('lists once for a burst of callers, and again once the cache expires', async () => {
    const client = small.client();
    const counter = countListings(client);
    let now = 1_000_000;
    const bucket = createModelBucket(client, { cacheSeconds: 60, now: () => now });
    await Promise.all(Array.from({ length: 10 }, () => bucket.list('models', '')));
    expect(counter.count).toBe(1);
    now += 61_000;
    await bucket.list('models', '');
    expect(counter.count).toBe(2);
  });

  it('does not cache a failure', async () => {
    const client = small.client();
    const bucket = createModelBucket(client, { cacheSeconds: 60 });
    await expect(bucket.list('no-such-bucket', '')).rejects.toThrow(/bucket/i);
    await expect(bucket.list('models', '')).resolves.toHaveLength(84);
  });

  it('stops a listing past max_listing_keys, naming the bucket, the prefix and what to change', async () => {
    const client = large.client();
    const counter = countListings(client);
    const bucket = createModelBucket(client, { cacheSeconds: 0, maxKeys: 1500 });
    await expect(bucket.list('many', '')).rejects.toThrow(
      'bucket many, prefix "": more than 1,500 keys under the prefix (the listing stopped there): set the service\'s prefix to the directory that holds only the model iterations, or raise [bot] max_listing_keys',
    );
    // Two pages of 1,000 were enough to know: the third was never asked for.
    expect(counter.count).toBe(2);
    // At the bound exactly, the listing is whole.
    await expect(
      createModelBucket(large.client(), { cacheSeconds: 0, maxKeys: 2500 }).list('many', ''),
    ).resolves.toHaveLength(2500);
  });
});

describe('model bucket on an S3 whose listing never ends', () => {
  it("gives up at the whole listing's deadline though every page answers within its own bound", async () => {
    let pages = 0;
    // Each page: one key, 150 ms, "there is more" forever (a listing of millions, slowed down).
    const s3 = await startHttpServer((_req, res) => {
      pages++;
      const body = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>raw</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>t${pages}</NextContinuationToken><Contents><Key>raw/part-${pages}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><Size>1</Size></Contents></ListBucketResult>`;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(body);
      }, 150);
    });
    const client = new S3Client({
      endpoint: s3.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const bucket = createModelBucket(client, { cacheSeconds: 0, timeoutMs: 5000, listingTimeoutMs: 1000 });
      const started = performance.now();
      const failure = await bucket.list('raw', '').then(
        () => undefined,
        (err: Error) => err.message,
      );
      expect(failure).toMatch(
        /^bucket raw, prefix "": the listing did not finish within 1 s \(\d+ keys read\): set the service's prefix to the directory that holds only the model iterations, or raise \[bot\] listing_timeout_seconds$/,
      );
      expect(performance.now() - started).toBeLessThan(2500);
      expect(pages).toBeLessThan(10);
    } finally {
      client.destroy();
      await s3.close();
    }
  });
});
