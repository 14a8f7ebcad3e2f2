import { describe, expect, it } from 'vitest';
import { readVersionAt } from '../../src/domain/configFile.js';
import { buildCatalog, namingFrom } from '../../src/domain/iterations.js';
import { driftNotes, liveModel, type Served, versionRows } from '../../src/domain/overview.js';
import { fixtureBucket, readFixture } from '../../world/fixtures.js';

const naming = namingFrom();
const served: Served[] = [
  { environment: 'development', deployPhase: 'pull_request', modelVersion: '1.25.4-4b5c6d7', healthy: true },
  { environment: 'staging', deployPhase: 'merge', modelVersion: '1.25.3-3a4b5c6', healthy: true },
  { environment: 'production', deployPhase: 'merge', modelVersion: '1.25.3-3a4b5c6', healthy: true },
];

describe('live model and drift', () => {
  it('takes the last environment, or the configured version when it cannot be read', () => {
    expect(liveModel(served, '1.25.3', naming)).toEqual({
      version: '1.25.3',
      iteration: '1.25.3-3a4b5c6',
      source: 'healthcheck',
      environment: 'production',
    });
    const prodDown = served.map((s) =>
      s.environment === 'production' ? { ...s, modelVersion: undefined } : s,
    );
    expect(liveModel(prodDown, '1.25.0', naming)).toEqual({ version: '1.25.0', source: 'configured' });
  });

  it('names each mismatch plainly', () => {
    expect(driftNotes(served, { branch: 'main', version: '1.25.0' }, naming)).toEqual([
      'development serves 1.25.4-4b5c6d7 while main configures 1.25.0 (development is deployed from pull requests)',
      'staging serves 1.25.3-3a4b5c6 but main configures 1.25.0',
      'production serves 1.25.3-3a4b5c6 but main configures 1.25.0',
    ]);
    expect(
      driftNotes(
        served.slice(1),
        { branch: 'main', version: '1.25.3', resolvesTo: '1.25.3-3a4b5c6' },
        naming,
      ),
    ).toEqual([]);
    expect(
      driftNotes([{ ...served[2], healthy: false } as Served], { branch: 'main', version: '1.25.3' }, naming),
    ).toEqual(['production reports healthy: false']);
  });

  it('builds version rows that say who serves and who configures each version', () => {
    const catalog = buildCatalog(fixtureBucket(), {
      prefix: '',
      naming,
      environments: ['development', 'staging', 'production'],
    });
    const rules = { promotedEnvironments: ['staging', 'production'], liveVersion: '1.25.3' };
    const rows = versionRows(catalog, served, '1.25.3', rules, naming);
    const row = (v: string) => rows.find((r) => r.version === v);
    expect(row('1.25.3')).toMatchObject({ servedBy: ['staging', 'production'], configured: true });
    expect(row('1.25.4')?.servedBy).toEqual(['development']);
    expect(row('1.24.0')).toMatchObject({ iterationCount: 2, deploys: { name: '1.24.0-0718293' } });
    expect(row('1.1.1')?.deploys).toBeUndefined();
    expect(row('1.1.1')?.assessment.resolved?.directory).toBe('1.1.10-b2c3d4e');
  });
});

describe('config file', () => {
  it('reads only the configured key path', () => {
    expect(readVersionAt(readFixture('search-config.toml'), ['version'])).toEqual({
      ok: true,
      version: '1.25.3',
    });
    const commented = readFixture('search-config-commented.toml');
    expect(readVersionAt(commented, ['model', 'version'])).toEqual({ ok: true, version: '2.4.1' });
    expect(readVersionAt(commented, ['version'])).toEqual({
      ok: false,
      problem: 'the file has no key `version`',
    });
    expect(readVersionAt(commented, ['serving', 'replicas'])).toMatchObject({ ok: false });
    expect(readVersionAt('version = ', ['version'])).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/not valid TOML/),
    });
  });
});
