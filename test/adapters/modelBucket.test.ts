import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelBucket } from '../../src/adapters/modelBucket.js';
import { type FakeS3, generateListing, loadBucketListing, startFakeS3 } from '../fakes/s3.js';

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
});
