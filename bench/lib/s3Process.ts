/**
 * A process holding the fake S3 (s3rver) with synthetic buckets, so that its work (reading each listed
 * key's files, rendering XML) never runs on the event loop of the bot or of the process measuring it.
 * S3 stands for a remote service here.
 *
 * Input (env BENCH_S3): `{ "bucket": "...", "sets": [{ "prefix": "models/", "iterations": 10000, "seed": 1 }] }`.
 * Prints `READY {"url", "directory", "objects", "loadMs"}` once listening. On SIGTERM removes its
 * directory with `rm -rf` (s3rver's close() takes ~45 s for 460k objects) and exits.
 */
import { spawnSync } from 'node:child_process';
import { startFakeS3 } from '../../world/s3.js';
import { syntheticBucket } from '../syntheticBucket.js';

interface Input {
  readonly bucket: string;
  readonly sets: ReadonlyArray<{
    readonly prefix: string;
    readonly iterations: number;
    readonly seed: number;
  }>;
}

const input = JSON.parse(process.env.BENCH_S3 ?? '') as Input;
const started = performance.now();
const objects = input.sets.flatMap((set) =>
  syntheticBucket({ iterations: set.iterations, seed: set.seed, prefix: set.prefix }),
);
const s3 = await startFakeS3({ bucket: input.bucket, objects, bulkLoad: true, indexedListing: true });
const loadMs = performance.now() - started;

const quit = () => {
  spawnSync('rm', ['-rf', s3.directory]);
  process.exit(0);
};
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
console.log(
  `READY ${JSON.stringify({ url: s3.url, directory: s3.directory, objects: objects.length, loadMs })}`,
);
