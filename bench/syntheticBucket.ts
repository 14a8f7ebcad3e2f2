/**
 * A synthetic model bucket shaped like the reference deployment (world/fixtures/bucket-listing.jsonl), at
 * any size and the same for the same seed: `<prefix><semver>-<7 hex>/<file>` with `model.zip`,
 * `check_result.json`, `benchmark_results.zip`, a `passed` or `failed` marker and the environment markers
 * `development`, `staging`, `production`. About 4.6 keys per iteration.
 *
 * What it models:
 * - versions go up over time (mostly patch bumps, sometimes minor, rarely major), so patch numbers often
 *   pass 10 and `X.Y.1` sits next to the newer `X.Y.10`…`X.Y.19`: prefix-trap pairs;
 * - several iterations per version (1 + geometric, about 2.3 on average), newest trained last;
 * - some iterations without model.zip, unvalidated or failed, most never promoted past development;
 * - a few directories that do not follow the naming pattern (`<semver>-hotfix`), which CI still sees;
 * - two data files at the bucket root, which are not models.
 *
 * Returned sorted by key, as S3 lists them.
 */
import type { BucketObject } from '../src/domain/iterations.js';

export interface SyntheticBucketOptions {
  /** Model iterations (directories that follow the naming pattern). */
  readonly iterations: number;
  readonly seed?: number;
  /** Key prefix of the iterations, ending in `/` (default none). */
  readonly prefix?: string;
  /** When the first model was trained. */
  readonly start?: Date;
}

/** mulberry32: small, fast, and the same on every machine. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const MINUTE = 60_000;

export function syntheticBucket(options: SyntheticBucketOptions): BucketObject[] {
  const random = seededRandom(options.seed ?? 1);
  const prefix = options.prefix ?? '';
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const hex7 = () => between(0, 0xfffffff).toString(16).padStart(7, '0');

  const objects: BucketObject[] = [];
  const put = (directory: string, file: string, at: number, size: number) =>
    objects.push({ key: `${prefix}${directory}/${file}`, lastModified: new Date(at), size });

  let [major, minor, patch] = [1, 0, 0];
  let time = (options.start ?? new Date('2020-01-06T09:00:00Z')).getTime();
  let made = 0;
  while (made < options.iterations) {
    const version = `${major}.${minor}.${patch}`;
    const shas = new Set<string>();
    // 1 + geometric(p = 0.57): several iterations for some versions, 2.3 on average.
    let count = 1;
    while (random() < 0.57) count++;
    for (let i = 0; i < count && made < options.iterations; i++, made++) {
      time += between(20, 36 * 60) * MINUTE;
      let sha = hex7();
      while (shas.has(sha)) sha = hex7();
      shas.add(sha);
      const directory = `${version}-${sha}`;
      if (random() < 0.98) put(directory, 'model.zip', time, between(150, 250) * 1_000_000);
      if (random() < 0.9) put(directory, 'check_result.json', time + 2 * MINUTE, between(1, 4) * 1024);
      if (random() < 0.9) put(directory, 'benchmark_results.zip', time + 3 * MINUTE, between(1, 64) * 1024);
      const verdict = random();
      const passed = verdict < 0.85;
      if (passed) put(directory, 'passed', time + 10 * MINUTE, 0);
      else if (verdict < 0.95) put(directory, 'failed', time + 10 * MINUTE, 0);
      if (random() < 0.55) put(directory, 'development', time + 40 * MINUTE, 0);
      if (passed && random() < 0.24) {
        put(directory, 'staging', time + 70 * MINUTE, 0);
        if (random() < 0.75) put(directory, 'production', time + 100 * MINUTE, 0);
      }
    }
    // A hand-built model outside the naming pattern, under the version's prefix all the same.
    if (random() < 0.005) {
      time += between(5, 60) * MINUTE;
      put(`${version}-hotfix`, 'model.zip', time, between(150, 250) * 1_000_000);
    }
    const bump = random();
    if (bump < 0.93) patch++;
    else if (bump < 0.995) [minor, patch] = [minor + 1, 0];
    else [major, minor, patch] = [major + 1, 0, 0];
  }

  const epoch = options.start ?? new Date('2020-01-01T00:00:00Z');
  objects.push(
    { key: `${prefix}raw_source_data.zip`, lastModified: epoch, size: 500_000_000 },
    { key: `${prefix}benchmarking_data.zip`, lastModified: epoch, size: 9_000_000 },
  );
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
