import { describe, expect, it } from 'vitest';
import { buildCatalog, iterationsOf, namingFrom } from '../../src/domain/iterations.js';
import { assessIteration, assessVersion, lastKnownGood, resolveLikeCi } from '../../src/domain/targets.js';
import { fixtureBucket } from '../../world/fixtures.js';

const environments = ['development', 'staging', 'production'];
const rules = { promotedEnvironments: ['staging', 'production'], liveVersion: '1.25.3' };
const catalog = buildCatalog(fixtureBucket(), { prefix: '', naming: namingFrom(), environments });
const iteration = (name: string) => {
  const found = catalog.iterations.get(name);
  if (!found) throw new Error(`fixture has no ${name}`);
  return found;
};

describe('catalog from the fixture bucket', () => {
  it('groups iterations by version, newest version first, ignoring root files', () => {
    expect(catalog.versions).toEqual([
      '1.25.4',
      '1.25.3',
      '1.25.0',
      '1.24.1',
      '1.24.0',
      '1.23.0',
      '1.22.0',
      '1.1.10',
      '1.1.1',
    ]);
    expect(catalog.iterations.size).toBe(11);
    expect([...catalog.iterations.keys()].some((k) => k.includes('raw_source_data'))).toBe(false);
    expect(catalog.models.map((m) => m.directory)).not.toContain('raw_source_data.zip');
    expect(iterationsOf(catalog, '1.23.0').map((i) => i.name)).toEqual(['1.23.0-e5f6071', '1.23.0-d4e5f60']);
  });

  it('reads markers with the time each appeared', () => {
    const it = iteration('1.25.3-3a4b5c6');
    expect(it.validation).toBe('passed');
    expect(it.reached.production?.toISOString()).toBe('2026-09-18T10:40:00.000Z');
    expect(it.model?.size).toBe(190_000_000);
    expect(iteration('1.24.0-f607182').validation).toBe('failed');
    expect(Object.keys(iteration('1.25.4-4b5c6d7').reached)).toEqual(['development']);
  });
});

describe('resolution like CI', () => {
  it('takes the newest model.zip of a version', () => {
    expect(resolveLikeCi(catalog, '1.24.0')?.directory).toBe('1.24.0-0718293');
    expect(resolveLikeCi(catalog, '1.23.0')?.directory).toBe('1.23.0-e5f6071');
  });

  it('falls into the prefix trap exactly as CI does, and flags it', () => {
    expect(resolveLikeCi(catalog, '1.1.1')?.directory).toBe('1.1.10-b2c3d4e');
    const assessment = assessVersion(catalog, '1.1.1', rules);
    expect(assessment.safe).toBe(false);
    expect(assessment.reasons).toEqual([{ code: 'prefix_trap', by: '1.1.10-b2c3d4e' }]);
    // Asked by iteration name, the trap is still found.
    expect(assessIteration(catalog, iteration('1.1.1-a1b2c3d'), rules).reasons).toContainEqual({
      code: 'prefix_trap',
      by: '1.1.10-b2c3d4e',
    });
  });

  it('knows nothing of a version absent from the bucket', () => {
    expect(assessVersion(catalog, '9.9.9', rules).reasons).toEqual([{ code: 'not_found' }]);
  });
});

describe('safety', () => {
  it('accepts an iteration that passed, reached production and is what CI deploys', () => {
    expect(assessVersion(catalog, '1.25.0', rules)).toMatchObject({ safe: true, reasons: [] });
    expect(assessVersion(catalog, '1.23.0', rules).iteration?.name).toBe('1.23.0-e5f6071');
  });

  it('refuses an iteration that never left development', () => {
    const a = assessVersion(catalog, '1.24.1', rules);
    expect(a.safe).toBe(false);
    expect(a.reasons).toEqual([{ code: 'never_promoted', environments: ['staging', 'production'] }]);
  });

  it('refuses a failed iteration and one superseded by a newer iteration', () => {
    const a = assessIteration(catalog, iteration('1.24.0-f607182'), rules);
    expect(a.reasons.map((r) => r.code)).toEqual(['failed_validation', 'never_promoted', 'superseded']);
    expect(assessIteration(catalog, iteration('1.23.0-d4e5f60'), rules).reasons).toEqual([
      { code: 'superseded', by: '1.23.0-e5f6071' },
    ]);
  });

  it('refuses what is live or newer than live', () => {
    expect(assessVersion(catalog, '1.25.3', rules).reasons).toEqual([{ code: 'is_live' }]);
    expect(assessVersion(catalog, '1.25.4', rules).reasons.map((r) => r.code)).toEqual([
      'never_promoted',
      'newer_than_live',
    ]);
  });
});

describe('last known good', () => {
  it('is 1.25.0-293a4b5 below a live 1.25.3', () => {
    expect(lastKnownGood(catalog, rules)?.iteration?.name).toBe('1.25.0-293a4b5');
  });

  it('skips versions already rolled back from, and unsafe ones', () => {
    const found = lastKnownGood(catalog, { ...rules, rolledBackFrom: new Set(['1.25.0-293a4b5']) });
    // 1.24.1 never reached staging, so 1.24.0's newest iteration is next.
    expect(found?.iteration?.name).toBe('1.24.0-0718293');
  });

  it('is undefined when nothing older is safe', () => {
    expect(lastKnownGood(catalog, { ...rules, liveVersion: '1.1.1' })).toBeUndefined();
  });
});
