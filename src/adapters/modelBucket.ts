/**
 * The model bucket (S3). One paginated listing per service prefix, cached briefly and shared by
 * concurrent callers so a burst of slash commands lists the bucket once.
 */
import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { BucketObject } from '../domain/iterations.js';

export interface ModelBucket {
  list(bucket: string, prefix: string): Promise<BucketObject[]>;
  /** Drops cached listings, e.g. before a plan is re-checked. */
  invalidate(): void;
}

export function createModelBucket(
  s3: S3Client,
  options: { cacheSeconds: number; now?: () => number },
): ModelBucket {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; listing: Promise<BucketObject[]> }>();

  async function listAll(bucket: string, prefix: string): Promise<BucketObject[]> {
    const objects: BucketObject[] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 1000 },
      { Bucket: bucket, Prefix: prefix },
    )) {
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        objects.push({ key: o.Key, lastModified: o.LastModified ?? new Date(0), size: o.Size ?? 0 });
      }
    }
    return objects;
  }

  return {
    list(bucket, prefix) {
      const key = `${bucket}\u0000${prefix}`;
      const hit = cache.get(key);
      if (hit && now() - hit.at < options.cacheSeconds * 1000) return hit.listing;
      const listing = listAll(bucket, prefix);
      cache.set(key, { at: now(), listing });
      // A failed listing must not be served from the cache.
      listing.catch(() => {
        if (cache.get(key)?.listing === listing) cache.delete(key);
      });
      return listing;
    },
    invalidate() {
      cache.clear();
    },
  };
}
