import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/domain/plan.js';
import { markedRolledBack, type RegistryVersion, registryCatalog } from '../../src/domain/registry.js';
import { compareVersions, sortNewestFirst } from '../../src/domain/semver.js';
import { assessVersion, lastKnownGood, resolveLikeCi } from '../../src/domain/targets.js';

const at = (day: number) => new Date(Date.UTC(2026, 10, day));
const v = (version: string, tags: Record<string, string> = {}, status = 'READY'): RegistryVersion => ({
  version,
  status,
  createdAt: at(Number(version)),
  tags: { validation_status: 'passed', ...tags },
});

const versions = [
  v('1'),
  v('2', { 'rollback_bot.champion_since': '2026-11-02T10:00:00Z' }),
  v('3', { validation_status: 'failed' }),
  v('7'),
  v('9', {}, 'PENDING_REGISTRATION'),
  v('10'),
  v('70'),
];
const catalog = registryCatalog(versions, {
  alias: 'champion',
  validatedTag: { key: 'validation_status', value: 'passed' },
  reached: new Map([['7', at(8)]]),
  aliasVersion: '10',
});
const rules = { promotedEnvironments: ['champion'], liveVersion: '10' };

describe('registry version numbers', () => {
  it('orders whole numbers numerically (10 after 9), semver as before', () => {
    expect(sortNewestFirst(['9', '10', '2'])).toEqual(['10', '9', '2']);
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
  });
});

describe('a registry read as a catalog', () => {
  it('holds READY versions only, newest first', () => {
    expect(catalog.versions).toEqual(['70', '10', '7', '3', '2', '1']);
    expect(catalog.registry?.alias).toBe('champion');
  });

  it('serves a version by its exact number: 7 never resolves to 70', () => {
    expect(resolveLikeCi(catalog, '7')?.directory).toBe('7');
    expect(assessVersion(catalog, '7', rules).safe).toBe(true);
    expect(assessVersion(catalog, '9', rules).reasons).toEqual([{ code: 'not_found', registry: true }]);
  });

  it('counts as promoted what the bot recorded, what the version tags say, and the alias now', () => {
    expect(catalog.iterations.get('7')?.reached).toEqual({ champion: at(8) });
    expect(catalog.iterations.get('2')?.reached).toEqual({ champion: new Date('2026-11-02T10:00:00Z') });
    expect(catalog.iterations.get('10')?.reached.champion).toBeInstanceOf(Date);
    expect(assessVersion(catalog, '1', rules).reasons).toEqual([
      { code: 'never_promoted', environments: ['champion'], alias: 'champion' },
    ]);
    expect(assessVersion(catalog, '3', rules).reasons.map((r) => r.code)).toEqual([
      'failed_validation',
      'never_promoted',
    ]);
  });

  it('refuses forward and live versions, and picks the newest safe older one as last known good', () => {
    expect(assessVersion(catalog, '70', rules).reasons.map((r) => r.code)).toContain('newer_than_live');
    expect(assessVersion(catalog, '10', rules).reasons.map((r) => r.code)).toContain('is_live');
    expect(lastKnownGood(catalog, rules)?.version).toBe('7');
    expect(lastKnownGood(catalog, { ...rules, rolledBackFrom: new Set(['7']) })?.version).toBe('2');
  });

  it('reads the rolled-back marks the bot leaves as tags', () => {
    expect(markedRolledBack([v('4', { 'rollback_bot.rolled_back': 'R-1' }), v('5')])).toEqual(new Set(['4']));
  });

  it('plans no prefix trap for a registry version', () => {
    const plan = buildPlan({
      service: {
        name: 'reco',
        versionKey: ['version'],
        configPath: 'c.toml',
        promotedEnvironments: ['champion'],
        cooldownHours: 0,
      },
      catalog,
      configured: {
        branch: 'main',
        blobSha: 'x',
        text: 'version = "10"\n',
        version: { ok: true, version: '10' },
      },
      target: { kind: 'version', version: '7' },
      served: [{ environment: 'production', modelVersion: '10' }],
      liveVersion: '10',
      force: false,
      now: at(20),
    });
    expect(plan.ok).toBe(true);
    expect(plan.targetIteration).toBe('7');
    expect(plan.diff).toMatchObject({ before: 'version = "10"', after: 'version = "7"' });
  });
});
