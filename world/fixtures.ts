import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BucketObject } from '../src/domain/iterations.js';

export const fixturePath = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export const readFixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');

/** The fixture bucket as the S3 adapter would hand it to the domain. */
export function fixtureBucket(): BucketObject[] {
  return readFixture('bucket-listing.jsonl')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const o = JSON.parse(line) as { key: string; lastModified: string; size: number };
      return { key: o.key, lastModified: new Date(o.lastModified), size: o.size };
    });
}
