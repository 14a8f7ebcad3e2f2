import { describe, expect, it } from 'vitest';
import { buildCatalog, namingFrom } from '../../src/domain/iterations.js';
import { versionRows } from '../../src/domain/overview.js';
import { ROLLED_BACK_TAG, registryCatalog, untilTag } from '../../src/domain/registry.js';
import { parseRolledBackObject, slackThreadLink } from '../../src/domain/rolledBack.js';
import { lastKnownGood } from '../../src/domain/targets.js';

const at = new Date('2026-03-01T10:00:00Z');
const iteration = (name: string, extra: string[] = []) =>
  ['model.zip', 'passed', 'production', ...extra].map((file) => ({
    key: `models/${name}/${file}`,
    lastModified: at,
    size: 10,
  }));

describe('the rolled-back mark in a bucket', () => {
  const objects = [
    ...iteration('1.24.0-0718293'),
    ...iteration('1.25.0-293a4b5', ['rolled_back']),
    ...iteration('1.25.3-3a4b5c6'),
  ];
  const options = { prefix: 'models/', naming: namingFrom(), environments: ['production'] };
  const rules = { promotedEnvironments: ['production'], liveVersion: '1.25.3' };

  it('is read from the listing, under its configured name, and last known good skips the version', () => {
    const catalog = buildCatalog(objects, options);
    expect(catalog.iterations.get('1.25.0-293a4b5')?.rolledBack).toEqual({ at });
    expect(catalog.iterations.get('1.24.0-0718293')?.rolledBack).toBeUndefined();
    expect(lastKnownGood(catalog, rules)?.iteration?.name).toBe('1.24.0-0718293');
    const rows = versionRows(catalog, [], undefined, rules, options.naming);
    expect(rows.find((r) => r.version === '1.25.0')?.rolledBack).toEqual({ at });

    const otherName = buildCatalog(objects, { ...options, rolledBackObject: 'ROLLED_BACK.json' });
    expect(otherName.iterations.get('1.25.0-293a4b5')?.rolledBack).toBeUndefined();
    expect(lastKnownGood(otherName, rules)?.iteration?.name).toBe('1.25.0-293a4b5');
  });

  it("reads the marker's content, keeping only the bot's shape", () => {
    const text = JSON.stringify({
      request: 'R-7KQ2',
      reason: 'PERFORMANCE_DEGRADATION: 5xx',
      by: 'requested by alice; approved by bob',
      at: '2026-03-02T08:00:00.000Z',
    });
    expect(parseRolledBackObject(text, at)).toEqual({
      request: 'R-7KQ2',
      reason: 'PERFORMANCE_DEGRADATION: 5xx',
      by: 'requested by alice; approved by bob',
      at: new Date('2026-03-02T08:00:00.000Z'),
    });
    expect(parseRolledBackObject('{"request":"<!channel>","at":"soon"}', at)).toEqual({
      at,
      request: undefined,
      reason: undefined,
      by: undefined,
    });
    expect(parseRolledBackObject('not json', at)).toEqual({ at });
    expect(slackThreadLink('C0123456789', '1700000000.000100')).toBe(
      'https://slack.com/archives/C0123456789/p1700000000000100',
    );
    expect(slackThreadLink('C0123456789', undefined)).toBeUndefined();
  });
});

describe('the rolled-back mark in a registry', () => {
  it("comes from the version's tags, with the request and when", () => {
    const catalog = registryCatalog(
      [
        { version: '3', status: 'READY', createdAt: at, tags: {} },
        {
          version: '4',
          status: 'READY',
          createdAt: at,
          tags: {
            [ROLLED_BACK_TAG]: 'R-7KQ2',
            [`${ROLLED_BACK_TAG}.by`]: 'requested by alice; approved by bob',
            [untilTag('champion')]: '2026-03-02T08:00:00.000Z',
          },
        },
      ],
      { alias: 'champion', validatedTag: { key: 'v', value: 'ok' }, reached: new Map() },
    );
    expect(catalog.iterations.get('3')?.rolledBack).toBeUndefined();
    expect(catalog.iterations.get('4')?.rolledBack).toEqual({
      at: new Date('2026-03-02T08:00:00.000Z'),
      request: 'R-7KQ2',
      by: 'requested by alice; approved by bob',
      reason: undefined,
    });
  });
});
