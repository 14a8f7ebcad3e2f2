/**
 * The catalog's indexes must answer exactly as the obvious scans did: CI's prefix rule (resolveLikeCi
 * against resolveByScan) and everything built on it (version table, last known good, assessments),
 * on random buckets full of shared prefixes, ties and odd names, and on a large synthetic bucket.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticBucket } from '../../bench/syntheticBucket.js';
import {
  type BucketObject,
  buildCatalog,
  type Catalog,
  catalogBuilder,
  type IterationNaming,
  iterationsOf,
  namingFrom,
} from '../../src/domain/iterations.js';
import { type Served, versionRows } from '../../src/domain/overview.js';
import {
  assessIteration,
  assessVersion,
  lastKnownGood,
  resolveByScan,
  resolveLikeCi,
} from '../../src/domain/targets.js';
import {
  referenceAssessIteration,
  referenceAssessVersion,
  referenceIterationsOf,
  referenceLastKnownGood,
  referenceListing,
  referenceVersionRows,
  referenceVersions,
} from './catalogReference.js';

// Fixed seeds: a failure replays the same way on every machine.
const RUNS = { seed: 20_261_102, numRuns: 400 };
const ENVIRONMENTS = ['development', 'staging', 'production'];

const namings: Record<string, IterationNaming> = {
  default: namingFrom(),
  // Anything before the last `-<7 hex>` is the version: pre-releases, leading zeros, `1.1.1x`.
  loose: namingFrom('^(?<version>.+)-(?<sha>[0-9a-f]{7})$'),
};

// Version-like stems: some that share prefixes every way CI's plain string match can be fooled, and some
// that share none, so that safe targets and a last known good are common too.
const stem = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '1.1.1',
      '1.1.10',
      '1.1.11',
      '1.1.100',
      '1.1.1x',
      '1.10.1',
      '1.1',
      '01.1.1',
      '1.1.1-rc.1',
      '1.1.1-rc.10',
      '1.1.1é',
      '1.1.1😀',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('1.1.2', '1.2.0', '1.3.0', '2.0.0', '0.9.0') },
);
const suffix = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('-a1b2c3d', '-b2c3d4e', '-0000000', '-fffffff') },
  { weight: 1, arbitrary: fc.constantFrom('', '-hotfix', '-a1b2c3', '-A1B2C3D', 'x', '0-a1b2c3d', '_old') },
);
// Few distinct instants, so equal LastModified ties are common.
const instant = fc.integer({ min: 0, max: 6 }).map((minutes) => new Date(Date.UTC(2026, 0, 1, 9, minutes)));

/** One directory's files: often a model that passed and reached staging or production, often not. */
const directory = (prefix: string): fc.Arbitrary<BucketObject[]> =>
  fc
    .record({
      stem,
      suffix,
      model: fc.option(instant, { freq: 6 }),
      marked: instant,
      verdict: fc.constantFrom('passed', 'passed', 'passed', 'failed', undefined),
      reached: fc.subarray(ENVIRONMENTS),
      other: fc.subarray(['check_result.json', 'benchmark_results.zip', 'search-config.toml']),
      size: fc.nat(1000),
    })
    .map(({ stem, suffix, model, marked, verdict, reached, other, size }) => {
      const at = (file: string, lastModified: Date): BucketObject => ({
        key: `${prefix}${stem}${suffix}/${file}`,
        lastModified,
        size,
      });
      return [
        ...(model ? [at('model.zip', model)] : []),
        ...[...(verdict ? [verdict] : []), ...reached, ...other].map((file) => at(file, marked)),
      ];
    });

// Root files and keys outside the service's prefix are not models.
const stray = (prefix: string): fc.Arbitrary<BucketObject> =>
  fc
    .record({
      key: fc.constantFrom('raw_source_data.zip', 'other/1.1.1-a1b2c3d/model.zip', '1.1.1-a1b2c3d'),
      at: instant,
    })
    .map(({ key, at }) => ({
      key: `${key.startsWith('other/') ? '' : prefix}${key}`,
      lastModified: at,
      size: 1,
    }));

interface Bucket {
  readonly objects: readonly BucketObject[];
  readonly options: { prefix: string; naming: IterationNaming; environments: readonly string[] };
  readonly catalog: Catalog;
  readonly naming: IterationNaming;
}

// S3 keys are unique, but a listing read twice or merged could repeat one; repeats are kept (with another
// size) so that the last tie-break, the first listed wins, is exercised too. Listed in key order as S3
// does (`1.1.1/…` right before `1.1.10-…/…`), or a directory's files together, or shuffled.
const objects = (prefix: string): fc.Arbitrary<BucketObject[]> =>
  fc
    .tuple(fc.array(directory(prefix), { maxLength: 12 }), fc.array(stray(prefix), { maxLength: 2 }))
    .map(([directories, strays]) => [...directories.flat(), ...strays])
    .chain((listed) =>
      fc
        .subarray(listed, { maxLength: Math.min(4, listed.length) })
        .map((again) => [...listed, ...again.map((o) => ({ ...o, size: o.size + 1 }))]),
    )
    .chain((listed) =>
      fc.oneof(
        {
          weight: 2,
          arbitrary: fc.constant([...listed].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))),
        },
        { weight: 2, arbitrary: fc.constant(listed) },
        { weight: 1, arbitrary: fc.shuffledSubarray(listed, { minLength: listed.length }) },
      ),
    );

const bucket: fc.Arbitrary<Bucket> = fc
  .record({ prefix: fc.constantFrom('', 'ranker/'), naming: fc.constantFrom('default', 'loose') })
  .chain(({ prefix, naming }) =>
    objects(prefix).map((listed) => {
      const options = { prefix, naming: namings[naming] as IterationNaming, environments: ENVIRONMENTS };
      return { objects: listed, options, naming: options.naming, catalog: buildCatalog(listed, options) };
    }),
  );

/** Every version and directory, and every string prefix of them: all the runs the index can be asked for. */
function questions(catalog: Catalog): string[] {
  const asked = new Set<string>(catalog.versions);
  for (const { directory } of catalog.models) {
    for (let end = 0; end <= directory.length; end++) asked.add(directory.slice(0, end));
  }
  return [...asked];
}

describe('the catalog of a bucket', () => {
  it('holds the iterations and models the key-by-key reading finds, in the same order', () => {
    fc.assert(
      fc.property(bucket, ({ objects, options, catalog }) => {
        const reference = referenceListing(objects, options);
        expect([...catalog.iterations]).toEqual([...reference.iterations]);
        expect(catalog.models).toEqual(reference.models);
      }),
      RUNS,
    );
  });
});

describe('the catalog built in slices', () => {
  it('is the catalog built at once, whatever the slices', () => {
    const objects = syntheticBucket({ iterations: 300, seed: 7 });
    const options = {
      prefix: '',
      naming: namingFrom(),
      environments: ['development', 'staging', 'production'],
    };
    const listedAt = new Date('2026-11-01T00:00:00Z');
    const whole = buildCatalog(objects, { ...options, listedAt });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 20 }), (sizes) => {
        const builder = catalogBuilder({ ...options, listedAt });
        let at = 0;
        for (const size of sizes) {
          builder.add(objects.slice(at, at + size));
          at += size;
        }
        builder.add(objects.slice(at));
        expect(builder.finish()).toEqual(whole);
      }),
      { seed: 20261127, numRuns: 50 },
    );
  });
});

describe("CI's rule from the prefix index", () => {
  it('is the scan for every version, every directory prefix and strings that match nothing', () => {
    const stray = fc.array(
      fc.oneof(fc.string({ maxLength: 8 }), fc.string({ maxLength: 4, unit: 'binary' }), stem),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(bucket, stray, ({ catalog }, strays) => {
        for (const version of [...questions(catalog), ...strays, 'zzz', '1.1.1-b', '\uffff']) {
          // The very same object, not a look-alike.
          expect(resolveLikeCi(catalog, version), version).toBe(resolveByScan(catalog, version));
        }
      }),
      RUNS,
    );
  });

  it('breaks equal LastModified ties like the scan: the greater name, then the first listed', () => {
    const at = new Date('2026-01-02T09:00:00Z');
    const objects: BucketObject[] = [
      { key: '1.1.1-a1b2c3d/model.zip', lastModified: at, size: 1 },
      { key: '1.1.10-b2c3d4e/model.zip', lastModified: at, size: 2 },
      { key: '1.1.1x/model.zip', lastModified: at, size: 3 },
      { key: '1.1.1x/model.zip', lastModified: at, size: 4 },
    ];
    const catalog = buildCatalog(objects, { prefix: '', naming: namingFrom(), environments: ENVIRONMENTS });
    expect(resolveLikeCi(catalog, '1.1.1')?.size).toBe(3);
    expect(resolveLikeCi(catalog, '1.1.1')).toBe(resolveByScan(catalog, '1.1.1'));
    expect(resolveLikeCi(catalog, '1.1.10')?.size).toBe(2);
    expect(resolveLikeCi(catalog, '1.1.2')).toBeUndefined();
  });

  it('keeps apart a directory and the next one that starts with its name', () => {
    const at = (minutes: number) => new Date(Date.UTC(2026, 0, 2, 9, minutes));
    const objects: BucketObject[] = [
      { key: 'ranker/1.1.1-a1b2c3d/model.zip', lastModified: at(0), size: 1 },
      { key: 'ranker/1.1.1-a1b2c3d/passed', lastModified: at(1), size: 0 },
      { key: 'ranker/1.1.1/model.zip', lastModified: at(2), size: 2 },
      { key: 'ranker/1.1.10-b2c3d4e/model.zip', lastModified: at(3), size: 3 },
      { key: 'ranker/1.1.10-b2c3d4e/failed', lastModified: at(4), size: 0 },
      { key: 'ranker/1.1.10-b2c3d4e0/model.zip', lastModified: at(5), size: 4 },
    ];
    const catalog = buildCatalog(objects, {
      prefix: 'ranker/',
      naming: namingFrom(),
      environments: ENVIRONMENTS,
    });
    expect(catalog.models.map((m) => m.directory)).toEqual([
      '1.1.1-a1b2c3d',
      '1.1.1',
      '1.1.10-b2c3d4e',
      '1.1.10-b2c3d4e0',
    ]);
    expect([...catalog.iterations.keys()]).toEqual(['1.1.1-a1b2c3d', '1.1.10-b2c3d4e']);
    expect(catalog.iterations.get('1.1.1-a1b2c3d')?.validation).toBe('passed');
    expect(catalog.iterations.get('1.1.10-b2c3d4e')?.validation).toBe('failed');
    expect(resolveLikeCi(catalog, '1.1.10-b2c3d4e')?.size).toBe(4);
  });

  it('finds nothing in an empty bucket', () => {
    const catalog = buildCatalog([], { prefix: '', naming: namingFrom(), environments: ENVIRONMENTS });
    expect(resolveLikeCi(catalog, '')).toBeUndefined();
    expect(resolveLikeCi(catalog, '1.1.1')).toBeUndefined();
  });
});

const served = (catalog: Catalog): fc.Arbitrary<Served[]> => {
  const names = [...catalog.iterations.keys(), ...catalog.versions, 'junk', '1.1.1-a1b2c3d'];
  return fc.array(
    fc.record({
      environment: fc.constantFrom(...ENVIRONMENTS),
      deployPhase: fc.constantFrom('pull_request' as const, 'merge' as const),
      modelVersion: fc.option(fc.constantFrom(...names), { nil: undefined }),
      healthy: fc.option(fc.boolean(), { nil: undefined }),
    }),
    { maxLength: 4 },
  );
};

const scenario = bucket.chain((b) => {
  const versions = [...b.catalog.versions, '1.1.1', '1.1.5', '9.9.9', '01.1.1', 'banana'];
  const names = [...b.catalog.iterations.keys(), ...versions];
  return fc.record({
    bucket: fc.constant(b),
    served: served(b.catalog),
    configured: fc.option(fc.constantFrom(...versions), { nil: undefined }),
    live: fc.option(fc.constantFrom(...versions), { nil: undefined }),
    promoted: fc.subarray(ENVIRONMENTS),
    rolledBackFrom: fc.subarray(names),
  });
});

describe('what status and versions compute, against the plain scans', () => {
  it('gives the same versions, iterations, version table, assessments and last known good', () => {
    fc.assert(
      fc.property(
        scenario,
        ({ bucket: { catalog, naming }, served, configured, live, promoted, rolledBackFrom }) => {
          const rules = { promotedEnvironments: promoted, liveVersion: live };
          expect(catalog.versions).toEqual(referenceVersions(catalog));
          for (const version of [...catalog.versions, '1.1', '9.9.9']) {
            expect(iterationsOf(catalog, version)).toEqual(referenceIterationsOf(catalog, version));
            expect(assessVersion(catalog, version, rules)).toEqual(
              referenceAssessVersion(catalog, version, rules),
            );
          }
          for (const iteration of catalog.iterations.values()) {
            expect(assessIteration(catalog, iteration, rules)).toEqual(
              referenceAssessIteration(catalog, iteration, rules),
            );
          }
          const reference = referenceVersionRows(catalog, served, configured, rules, naming);
          expect(versionRows(catalog, served, configured, rules, naming)).toEqual(reference);
          // A message shows the newest few: the limited table is the head of the whole one.
          expect(versionRows(catalog, served, configured, rules, naming, 3)).toEqual(reference.slice(0, 3));
          const excluded = { ...rules, rolledBackFrom: new Set(rolledBackFrom) };
          expect(lastKnownGood(catalog, excluded)).toEqual(referenceLastKnownGood(catalog, excluded));
          expect(lastKnownGood(catalog, rules)).toEqual(referenceLastKnownGood(catalog, rules));
        },
      ),
      RUNS,
    );
  });

  it('agrees on a 2,000-iteration synthetic bucket shaped like the reference deployment', () => {
    const naming = namingFrom();
    const catalog = buildCatalog(syntheticBucket({ iterations: 2000, seed: 7 }), {
      prefix: '',
      naming,
      environments: ENVIRONMENTS,
    });
    const traps = catalog.versions.filter((v) => {
      const resolved = resolveLikeCi(catalog, v);
      expect(resolved, v).toBe(resolveByScan(catalog, v));
      return resolved && catalog.iterations.get(resolved.directory)?.version !== v;
    });
    // The generator makes prefix-trap pairs (X.Y.1 beside a newer X.Y.1z), so the trap path is exercised.
    expect(traps.length).toBeGreaterThan(5);

    const newest = [...catalog.iterations.values()]
      .filter((i) => i.reached.production && i.model)
      .reduce((a, b) => ((b.model?.lastModified ?? 0) > (a.model?.lastModified ?? 0) ? b : a));
    const served: Served[] = [{ environment: 'production', deployPhase: 'merge', modelVersion: newest.name }];
    const rules = { promotedEnvironments: ['staging', 'production'], liveVersion: newest.version };
    expect(versionRows(catalog, served, newest.version, rules, naming)).toEqual(
      referenceVersionRows(catalog, served, newest.version, rules, naming),
    );
    const rolledBackFrom = new Set(catalog.versions.filter((_, i) => i % 3 === 0));
    expect(lastKnownGood(catalog, { ...rules, rolledBackFrom })).toEqual(
      referenceLastKnownGood(catalog, { ...rules, rolledBackFrom }),
    );
  });
});
