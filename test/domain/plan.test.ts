import { describe, expect, it } from 'vitest';
import type { Target } from '../../src/domain/command.js';
import { readVersionAt } from '../../src/domain/configFile.js';
import { type BucketObject, buildCatalog, type Catalog, namingFrom } from '../../src/domain/iterations.js';
import {
  buildPlan,
  type Check,
  type CheckId,
  failedChecks,
  type Plan,
  type PlanInputs,
  rebind,
} from '../../src/domain/plan.js';
import { fixtureBucket, readFixture } from '../../world/fixtures.js';

const environments = ['development', 'staging', 'production'];
const catalog = buildCatalog(fixtureBucket(), { prefix: '', naming: namingFrom(), environments });
const text = readFixture('search-config.toml');
const now = new Date('2026-11-02T12:00:00Z');
const hoursBefore = (hours: number) => new Date(now.getTime() - hours * 3_600_000);

const service: PlanInputs['service'] = {
  name: 'fpo-search',
  versionKey: ['version'],
  configPath: 'search-config.toml',
  promotedEnvironments: ['staging', 'production'],
  cooldownHours: 24,
};

const served: PlanInputs['served'] = [
  { environment: 'development', modelVersion: '1.25.4-4b5c6d7' },
  { environment: 'staging', modelVersion: '1.25.3-3a4b5c6' },
  { environment: 'production', modelVersion: '1.25.3-3a4b5c6' },
];

const previous: Target = { kind: 'previous' };
const version = (v: string): Target => ({ kind: 'version', version: v });
const iteration = (name: string): Target => ({
  kind: 'iteration',
  iteration: name,
  version: name.slice(0, name.lastIndexOf('-')),
});

function plan(overrides: Partial<PlanInputs> = {}): Plan {
  return buildPlan({
    service,
    catalog,
    configured: { branch: 'main', blobSha: 'abc', text, version: readVersionAt(text, ['version']) },
    target: previous,
    served,
    liveVersion: '1.25.3',
    force: false,
    now,
    ...overrides,
  });
}

function checkOf(p: Plan, id: CheckId): Check {
  const found = p.checks.find((c) => c.id === id);
  if (!found) throw new Error(`plan has no ${id} check; it has ${p.checks.map((c) => c.id).join(', ')}`);
  return found;
}

const failedIds = (p: Plan) => failedChecks(p).map((c) => c.id);

/** Every plan's verdict must be exactly "all checks passed". */
function expectConsistent(p: Plan): void {
  expect(p.ok).toBe(p.checks.every((c) => c.ok));
  expect(failedChecks(p)).toEqual(p.checks.filter((c) => !c.ok));
}

describe('buildPlan: `previous` on the fixture bucket', () => {
  const p = plan();

  it('targets the last known good, the iteration CI deploys for it', () => {
    expect(p.targetVersion).toBe('1.25.0');
    expect(p.targetIteration).toBe('1.25.0-293a4b5');
    expect(p.configuredVersion).toBe('1.25.3');
  });

  it('passes every check', () => {
    expectConsistent(p);
    expect(p.ok).toBe(true);
    expect(failedIds(p)).toEqual([]);
    expect(p.checks.map((c) => c.id)).toEqual([
      'target_exists',
      'validated',
      'promoted',
      'not_shadowed',
      'lower_than_configured',
      'not_configured',
      'no_active_request',
      'cooldown',
      'config_file',
    ]);
    expect(p.forced).toBe(false);
  });

  it('plans the one-line diff of the version line', () => {
    expect(p.diff).toEqual({ lineNumber: 2, before: 'version = "1.25.3"', after: 'version = "1.25.0"' });
  });

  it('carries the file as planned, where it came from and what is served', () => {
    expect(p).toMatchObject({
      branch: 'main',
      blobSha: 'abc',
      configPath: 'search-config.toml',
      configText: text,
      madeAt: '2026-11-02T12:00:00.000Z',
    });
    expect(p.from).toEqual(served);
  });

  it('explains each passing check', () => {
    expect(checkOf(p, 'target_exists').text).toContain('1.25.0-293a4b5');
    expect(checkOf(p, 'validated').text).toContain('passed validation');
    expect(checkOf(p, 'promoted').text).toBe('1.25.0-293a4b5 reached staging and production');
    expect(checkOf(p, 'not_shadowed').text).toBe('CI resolves 1.25.0 to 1.25.0-293a4b5');
    expect(checkOf(p, 'not_configured').text).toContain('1.25.3');
    expect(checkOf(p, 'config_file').text).toContain('`version`');
  });

  it('skips what the bot already rolled back from', () => {
    const again = plan({ rolledBackFrom: new Set(['1.25.0-293a4b5']) });
    expectConsistent(again);
    expect(again.targetVersion).toBe('1.24.0');
    expect(again.targetIteration).toBe('1.24.0-0718293');
    expect(again.ok).toBe(true);
    expect(again.diff?.after).toBe('version = "1.24.0"');
  });

  it('falls back to the configured version as "live" when no healthcheck could be read', () => {
    const blind = plan({ liveVersion: undefined });
    expectConsistent(blind);
    expect(blind.targetIteration).toBe('1.25.0-293a4b5');
    expect(blind.ok).toBe(true);
  });

  it('refuses with a hint when nothing older is safe', () => {
    const bare = plan({
      rolledBackFrom: new Set(['1.25.0', '1.24.0', '1.23.0', '1.22.0', '1.1.1', '1.1.10']),
    });
    expectConsistent(bare);
    expect(bare.ok).toBe(false);
    expect(checkOf(bare, 'target_exists').ok).toBe(false);
    expect(checkOf(bare, 'target_exists').text).toContain('/rollback versions');
    expect(bare.diff).toBeUndefined();
  });
});

describe('buildPlan: refusals', () => {
  it('version 1.1.1 is refused by not_shadowed: the prefix trap names 1.1.10-b2c3d4e', () => {
    const p = plan({ target: version('1.1.1') });
    expectConsistent(p);
    expect(p.ok).toBe(false);
    expect(failedIds(p)).toEqual(['not_shadowed']);
    const trap = checkOf(p, 'not_shadowed').text;
    expect(trap).toContain('prefix trap');
    expect(trap).toContain('1.1.10-b2c3d4e');
    // 1.1.10's own markers must not be passed off as 1.1.1's.
    expect(p.checks.map((c) => c.text).join('\n')).not.toContain('1.1.10-b2c3d4e passed validation');
  });

  it('version 1.1.1 shows the iteration CI would really deploy: 1.1.10-b2c3d4e', () => {
    const p = plan({ target: version('1.1.1') });
    expectConsistent(p);
    expect(p.targetVersion).toBe('1.1.1');
    expect(p.targetIteration).toBe('1.1.10-b2c3d4e');
  });

  it('iteration 1.1.1-a1b2c3d is refused by not_shadowed: the prefix trap names 1.1.10-b2c3d4e', () => {
    const p = plan({ target: iteration('1.1.1-a1b2c3d') });
    expectConsistent(p);
    expect(p.ok).toBe(false);
    expect(failedIds(p)).toEqual(['not_shadowed']);
    const trap = checkOf(p, 'not_shadowed').text;
    expect(trap).toContain('prefix trap');
    expect(trap).toContain('1.1.10-b2c3d4e');
  });

  it('iteration 1.24.0-f607182: failed validation, never promoted, CI resolves to the newer 0718293', () => {
    const p = plan({ target: iteration('1.24.0-f607182') });
    expectConsistent(p);
    expect(p.ok).toBe(false);
    expect(p.targetIteration).toBe('1.24.0-f607182');
    expect(failedIds(p)).toEqual(['validated', 'promoted', 'not_shadowed']);
    expect(checkOf(p, 'validated').text).toContain('failed validation');
    expect(checkOf(p, 'promoted').text).toContain('never reached staging or production');
    expect(checkOf(p, 'not_shadowed').text).toBe(
      'CI resolves 1.24.0 to the newer 1.24.0-0718293, not 1.24.0-f607182',
    );
  });

  it('iteration 1.24.0-0718293, the one CI deploys, is accepted', () => {
    const p = plan({ target: iteration('1.24.0-0718293') });
    expectConsistent(p);
    expect(p.ok).toBe(true);
    expect(p.diff?.after).toBe('version = "1.24.0"');
  });

  it('version 1.24.1 never left development: refused by promoted', () => {
    const p = plan({ target: version('1.24.1') });
    expectConsistent(p);
    expect(p.targetIteration).toBe('1.24.1-1829304');
    expect(failedIds(p)).toEqual(['promoted']);
    expect(checkOf(p, 'promoted').text).toContain('garbage collector');
  });

  it('version 1.25.4 is higher than main: refused by lower_than_configured', () => {
    const p = plan({ target: version('1.25.4') });
    expectConsistent(p);
    expect(p.ok).toBe(false);
    expect(failedIds(p)).toContain('lower_than_configured');
    const higher = checkOf(p, 'lower_than_configured').text;
    expect(higher).toContain('1.25.4 is higher than 1.25.3');
    expect(higher).toContain('train a new model');
    expect(higher).toContain('release it normally');
  });

  it('version 1.25.3 is what main configures: refused by not_configured', () => {
    const p = plan({ target: version('1.25.3') });
    expectConsistent(p);
    expect(failedIds(p)).toEqual(['not_configured']);
    expect(checkOf(p, 'not_configured').text).toBe('main already configures 1.25.3');
    expect(checkOf(p, 'lower_than_configured').ok).toBe(true);
    expect(p.diff).toBeUndefined();
  });

  it('version 9.9.9 is not in the bucket: refused by target_exists', () => {
    const p = plan({ target: version('9.9.9') });
    expectConsistent(p);
    expect(p.ok).toBe(false);
    expect(failedIds(p)).toContain('target_exists');
    expect(checkOf(p, 'target_exists').text).toBe('9.9.9 has no model.zip in the bucket');
    expect(p.targetIteration).toBeUndefined();
  });

  it('an unknown iteration is refused by target_exists', () => {
    const p = plan({ target: iteration('1.25.0-fffffff') });
    expectConsistent(p);
    expect(checkOf(p, 'target_exists')).toEqual({
      id: 'target_exists',
      ok: false,
      text: '1.25.0-fffffff has no model.zip in the bucket',
    });
  });

  it('an active request for the service is named in no_active_request', () => {
    const p = plan({ activeRequest: { id: 'R-7KQ2', state: 'pending' } });
    expectConsistent(p);
    expect(failedIds(p)).toEqual(['no_active_request']);
    const text = checkOf(p, 'no_active_request').text;
    expect(text).toContain('R-7KQ2');
    expect(text).toContain('pending');
  });
});

describe('buildPlan: cooldown', () => {
  const recent = { id: 'R-AB12', at: hoursBefore(3) };

  it('a rollback PR 3 h ago fails the cooldown and points at --force', () => {
    const p = plan({ lastRollback: recent });
    expectConsistent(p);
    expect(failedIds(p)).toEqual(['cooldown']);
    const text = checkOf(p, 'cooldown').text;
    expect(text).toContain('R-AB12');
    expect(text).toContain('3 h ago');
    expect(text).toContain('--force');
    expect(p.forced).toBe(false);
  });

  it('force lifts the cooldown and marks the plan forced', () => {
    const p = plan({ lastRollback: recent, force: true });
    expectConsistent(p);
    expect(p.ok).toBe(true);
    expect(checkOf(p, 'cooldown').ok).toBe(true);
    expect(checkOf(p, 'cooldown').text).toContain('break-glass');
    expect(p.forced).toBe(true);
  });

  it('force does not lift other checks', () => {
    const p = plan({ lastRollback: recent, force: true, target: version('1.24.1') });
    expectConsistent(p);
    expect(failedIds(p)).toEqual(['promoted']);
  });

  it('a rollback 30 h ago is outside the cooldown; force then changes nothing', () => {
    for (const force of [false, true]) {
      const p = plan({ lastRollback: { id: 'R-AB12', at: hoursBefore(30) }, force });
      expectConsistent(p);
      expect(p.ok).toBe(true);
      expect(checkOf(p, 'cooldown').ok).toBe(true);
      expect(p.forced).toBe(false);
    }
  });
});

describe('buildPlan: the config file', () => {
  it('fails config_file when the file has no version key', () => {
    const without = text.replace(/^version = .*\n/m, '');
    const p = plan({
      configured: {
        branch: 'main',
        blobSha: 'abc',
        text: without,
        version: readVersionAt(without, ['version']),
      },
    });
    expectConsistent(p);
    expect(p.ok).toBe(false);
    expect(p.configuredVersion).toBeUndefined();
    expect(failedIds(p)).toEqual(['config_file']);
    expect(checkOf(p, 'config_file').text).toContain('version');
    expect(p.diff).toBeUndefined();
  });

  it('fails config_file when the file is not TOML', () => {
    const broken = `${text}\nthis is = = not toml\n`;
    const p = plan({
      configured: {
        branch: 'main',
        blobSha: 'abc',
        text: broken,
        version: readVersionAt(broken, ['version']),
      },
    });
    expectConsistent(p);
    expect(failedIds(p)).toEqual(['config_file']);
    expect(checkOf(p, 'config_file').text).toContain('not valid TOML');
  });
});

describe('buildPlan: a commented config with the version at model.version', () => {
  const commented = readFixture('search-config-commented.toml');
  const at = (iso: string) => new Date(`2026-03-${iso}Z`);
  const objects: BucketObject[] = [
    { key: 'ranker/2.4.0-aaaaaaa/model.zip', lastModified: at('01T09:00:00'), size: 100 },
    { key: 'ranker/2.4.0-aaaaaaa/passed', lastModified: at('01T09:10:00'), size: 0 },
    { key: 'ranker/2.4.0-aaaaaaa/staging', lastModified: at('01T10:00:00'), size: 0 },
    { key: 'ranker/2.4.0-aaaaaaa/production', lastModified: at('01T11:00:00'), size: 0 },
    { key: 'ranker/2.4.1-bbbbbbb/model.zip', lastModified: at('05T09:00:00'), size: 100 },
    { key: 'ranker/2.4.1-bbbbbbb/passed', lastModified: at('05T09:10:00'), size: 0 },
    { key: 'ranker/2.4.1-bbbbbbb/staging', lastModified: at('05T10:00:00'), size: 0 },
    { key: 'ranker/2.4.1-bbbbbbb/production', lastModified: at('05T11:00:00'), size: 0 },
  ];
  const ranker: Catalog = buildCatalog(objects, { prefix: 'ranker/', naming: namingFrom(), environments });
  const versionKey = ['model', 'version'];
  const p = buildPlan({
    service: { ...service, name: 'ranker', versionKey, configPath: 'serving.toml' },
    catalog: ranker,
    configured: {
      branch: 'main',
      blobSha: 'def',
      text: commented,
      version: readVersionAt(commented, versionKey),
    },
    target: previous,
    served: [{ environment: 'production', modelVersion: '2.4.1-bbbbbbb' }],
    liveVersion: '2.4.1',
    force: false,
    now,
  });

  it('reads the configured version from model.version, not the feature schema version', () => {
    expect(p.configuredVersion).toBe('2.4.1');
  });

  it('targets 2.4.0-aaaaaaa and passes', () => {
    expectConsistent(p);
    expect(p.targetVersion).toBe('2.4.0');
    expect(p.targetIteration).toBe('2.4.0-aaaaaaa');
    expect(p.ok).toBe(true);
    expect(checkOf(p, 'config_file').text).toContain('`model.version`');
  });

  it('changes only the model.version line, keeping its comment', () => {
    const lines = commented.split('\n');
    const lineNumber = lines.findIndex((l) => l.startsWith('version = "2.4.1"')) + 1;
    expect(lineNumber).toBeGreaterThan(0);
    expect(p.diff).toEqual({
      lineNumber,
      before: lines[lineNumber - 1],
      after: 'version = "2.4.0"   # bumped by the training pipeline; lower it to roll back',
    });
    expect(p.diff?.before).not.toContain('"7"');
  });
});

describe('rebind: what a plan rebuilt before the PR means for the approvals', () => {
  const approved = plan({ target: version('1.25.0') });
  const configured = (v: string) => {
    const t = text.replace('version = "1.25.3"', `version = "${v}"`);
    return { branch: 'main', blobSha: 'def', text: t, version: readVersionAt(t, ['version']) };
  };

  it('leaves them standing when only what environments serve or unrelated bytes changed', () => {
    const again = plan({ target: version('1.25.0'), served: served.slice(0, 1) });
    expect(rebind(approved, again)).toEqual({ kind: 'same' });
  });

  it('voids them when CI would deploy another iteration, or main configures another version', () => {
    const moved = plan({ target: version('1.25.0'), configured: configured('1.25.4') });
    expect(rebind(approved, moved)).toEqual({
      kind: 'changed',
      why: 'main now configures 1.25.4, not 1.25.3',
    });
    expect(rebind({ ...approved, targetIteration: '1.25.0-0000000' }, approved)).toMatchObject({
      kind: 'changed',
      why: expect.stringContaining('CI now resolves 1.25.0 to 1.25.0-293a4b5'),
    });
  });

  it('refuses on any failed check, and says "nothing to do" when main already configures the target', () => {
    const trapped = plan({ target: version('1.1.1') });
    expect(rebind(approved, trapped)).toMatchObject({ kind: 'failed' });
    const cooling = plan({ target: version('1.25.0'), lastRollback: { id: 'R-0001', at: hoursBefore(1) } });
    expect(rebind(approved, cooling)).toMatchObject({ kind: 'failed', failed: [{ id: 'cooldown' }] });
    expect(rebind(approved, plan({ target: version('1.25.0'), configured: configured('1.25.0') }))).toEqual({
      kind: 'already_configured',
    });
  });
});
