import { describe, expect, it } from 'vitest';
import { readVersionAt } from '../../src/domain/configFile.js';
import { buildCatalog, namingFrom } from '../../src/domain/iterations.js';
import { buildPlan, type Plan } from '../../src/domain/plan.js';
import {
  branchName,
  githubName,
  MAX_NAME_IN_PR,
  REQUEST_MARKER,
  renderBody,
  renderTitle,
} from '../../src/domain/prText.js';
import type { RollbackRequest } from '../../src/domain/request.js';
import { fixtureBucket, readFixture } from '../../world/fixtures.js';

const DEFAULT_TITLE = 'fix(model): roll back {service} to {version}';
const now = new Date('2026-11-02T12:00:00Z');
const text = readFixture('search-config.toml');
const catalog = buildCatalog(fixtureBucket(), {
  prefix: '',
  naming: namingFrom(),
  environments: ['development', 'staging', 'production'],
});

function planFor(force: boolean, lastRollbackHoursAgo?: number): Plan {
  return buildPlan({
    service: {
      name: 'fpo-search',
      versionKey: ['version'],
      configPath: 'search-config.toml',
      promotedEnvironments: ['staging', 'production'],
      cooldownHours: 24,
    },
    catalog,
    configured: { branch: 'main', blobSha: 'abc', text, version: readVersionAt(text, ['version']) },
    target: { kind: 'previous' },
    served: [
      { environment: 'development', modelVersion: '1.25.4-4b5c6d7' },
      { environment: 'staging', modelVersion: '1.25.3-3a4b5c6' },
      { environment: 'production', modelVersion: '1.25.3-3a4b5c6' },
    ],
    liveVersion: '1.25.3',
    lastRollback:
      lastRollbackHoursAgo === undefined
        ? undefined
        : { id: 'R-0LD1', at: new Date(now.getTime() - lastRollbackHoursAgo * 3_600_000) },
    force,
    now,
  });
}

const plan = planFor(false);

function request(overrides: Partial<RollbackRequest> = {}): RollbackRequest {
  return {
    id: 'R-7KQ2',
    service: 'fpo-search',
    state: 'approved',
    requester: 'U_REQ',
    reason: 'PERFORMANCE_DEGRADATION',
    note: 'p95 latency doubled after 1.25.3',
    force: false,
    plan,
    approvalsRequired: 1,
    approvals: [{ user: 'U_ALICE', at: new Date('2026-11-02T12:05:00Z') }],
    createdAt: now,
    expiresAt: new Date('2026-11-02T13:00:00Z'),
    updatedAt: new Date('2026-11-02T12:05:00Z'),
    channel: 'C_ROLLBACKS',
    ...overrides,
  };
}

const PERMALINK = 'https://example.slack.com/archives/C_ROLLBACKS/p1762084800000100';

describe('branchName', () => {
  it('joins prefix, service, version and the lower-cased request id', () => {
    expect(branchName('rollback/', 'fpo-search', '1.25.0', 'R-7KQ2')).toBe(
      'rollback/fpo-search-1.25.0-r-7kq2',
    );
  });

  it('ends with the random token when the request has one, so the card does not give the branch away', () => {
    expect(branchName('rollback/', 'fpo-search', '1.25.0', 'R-7KQ2', 'x3k9q0ab')).toBe(
      'rollback/fpo-search-1.25.0-r-7kq2-x3k9q0ab',
    );
  });

  it('is deterministic, so a retry finds its own branch', () => {
    const a = branchName('rollback/', 'fpo-search', '1.25.0', 'R-7KQ2');
    const b = branchName('rollback/', 'fpo-search', '1.25.0', 'R-7KQ2');
    expect(a).toBe(b);
    expect(branchName('rollback/', 'fpo-search', '1.25.0', 'R-7KQ3')).not.toBe(a);
  });

  it('replaces every character unsafe in a branch name with a dash', () => {
    const name = branchName('bot/rollback ', 'fpo search~x', '1.25.0+build:1', 'R-7KQ2');
    expect(name).toBe('bot/rollback-fpo-search-x-1.25.0-build-1-r-7kq2');
    expect(name).toMatch(/^[A-Za-z0-9._/-]+$/);
    expect(branchName('', 'svc?*[]^\\', '1.0.0', 'R-0000')).toMatch(/^[A-Za-z0-9._/-]+$/);
  });
});

describe('renderTitle', () => {
  it('fills the default Conventional Commit template', () => {
    expect(renderTitle(DEFAULT_TITLE, request())).toBe('fix(model): roll back fpo-search to 1.25.0');
  });

  it('knows iteration, from, reason and request', () => {
    expect(renderTitle('{iteration} {from} {reason} {request}', request())).toBe(
      '1.25.0-293a4b5 1.25.3-3a4b5c6 PERFORMANCE_DEGRADATION R-7KQ2',
    );
  });

  it('takes "from" from the last environment, or the configured version when it is unreadable', () => {
    const unreadable = { ...plan, from: [{ environment: 'production' }] };
    expect(renderTitle('{from}', request({ plan: unreadable }))).toBe('1.25.3');
  });

  it('leaves unknown placeholders as they are and fills repeated ones', () => {
    expect(renderTitle('{service}/{service}: {nope}', request())).toBe('fpo-search/fpo-search: {nope}');
  });
});

describe('renderBody', () => {
  const body = renderBody(request(), { permalink: PERMALINK, keyPath: 'version' });

  it('names the service, the served iterations and the target iteration', () => {
    expect(body).toContain('fpo-search');
    expect(body).toContain('1.25.4-4b5c6d7');
    expect(body).toContain('1.25.3-3a4b5c6');
    expect(body).toContain('`1.25.0`');
    expect(body).toContain('1.25.0-293a4b5');
    expect(body).toContain('`version`');
    expect(body).toContain('search-config.toml');
  });

  it('names the reason, the note, the requester and the approvers', () => {
    expect(body).toContain('PERFORMANCE_DEGRADATION');
    expect(body).toContain('p95 latency doubled after 1.25.3');
    expect(body).toContain('U_REQ');
    expect(body).toContain('U_ALICE');
  });

  it('links the request in Slack', () => {
    expect(body).toContain(PERMALINK);
    expect(body).toContain(`[R-7KQ2 in Slack](${PERMALINK})`);
  });

  it('lists every check with its text', () => {
    for (const check of plan.checks) expect(body).toContain(check.text);
    expect(body).not.toContain('❌');
  });

  it('shows the diff', () => {
    expect(body).toContain('```diff\n- version = "1.25.3"\n+ version = "1.25.0"\n```');
  });

  it('ends with the hidden marker of the request', () => {
    expect(body.endsWith('<!-- rollback-bot request=R-7KQ2 -->')).toBe(true);
    expect(REQUEST_MARKER('R-7KQ2')).toBe('<!-- rollback-bot request=R-7KQ2 -->');
  });

  it('mentions neither alarm nor break-glass when there is none', () => {
    expect(body).not.toContain('Alarm');
    expect(body).not.toContain('BREAK-GLASS');
  });

  it('shows the alarm when the request came from one', () => {
    const withAlarm = renderBody(
      request({
        alarm: {
          name: 'fpo-search-p95-latency',
          state: 'ALARM',
          reason: 'Threshold Crossed: 1 datapoint [812.0] was greater than the threshold (500.0).',
          at: new Date('2026-11-02T11:50:00Z'),
        },
      }),
      { keyPath: 'version' },
    );
    expect(withAlarm).toContain('fpo-search-p95-latency');
    expect(withAlarm).toContain('ALARM');
    expect(withAlarm).toContain('2026-11-02T11:50:00.000Z');
    expect(withAlarm).toContain('Threshold Crossed');
  });

  it('says BREAK-GLASS when the cooldown was lifted with --force', () => {
    const forced = planFor(true, 3);
    expect(forced.forced).toBe(true);
    const text = renderBody(request({ force: true, plan: forced, approvalsRequired: 2 }), {
      keyPath: 'version',
    });
    expect(text).toContain('BREAK-GLASS');
    expect(text).toContain(forced.checks.find((c) => c.id === 'cooldown')?.text);
  });

  it('without a permalink names the request by id and still ends with its marker', () => {
    const plain = renderBody(request(), { keyPath: 'version' });
    expect(plain).not.toContain('](');
    expect(plain).toContain('| Request | R-7KQ2 |');
    expect(plain.endsWith(REQUEST_MARKER('R-7KQ2'))).toBe(true);
  });

  it('keeps a note with pipes and newlines inside its table cell', () => {
    const tricky = renderBody(request({ note: 'a | b\nc' }), { keyPath: 'version' });
    const noteRow = tricky.split('\n').find((l) => l.startsWith('| Note |'));
    expect(noteRow).toBe('| Note | a \\| b c |');
  });

  it('says so when there is no note and no approval', () => {
    const bare = renderBody(request({ note: '', approvals: [] }), { keyPath: 'version' });
    expect(bare).toContain('| Note | _none_ |');
    expect(bare).toContain('| Approved by | _none_ |');
  });
});

/** What a healthcheck might answer instead of a model name (issue 14, finding 7). */
const HOSTILE =
  '<!channel> <https://evil.example|runbook> fixes #12 @octocat @org/team GH-7 [x](http://e.example) www.evil.example <!-- x --> `code` *b*';

describe('githubName', () => {
  it('keeps a model name as it is', () => {
    for (const name of ['1.25.3-3a4b5c6', '1.25.3', '2.0.0-rc.1_build-7', 'v1.2.3-ABCDEF0'])
      expect(githubName(name)).toBe(name);
  });

  it('reduces anything else to [A-Za-z0-9._-], capped, so no mention, reference, link or markup survives', () => {
    const safe = githubName(HOSTILE);
    expect(safe).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(safe.length).toBeLessThanOrEqual(MAX_NAME_IN_PR);
    for (const markup of ['<', '>', '@', '#', '[', '](', '://', '`', '*', '|', ' ', 'www.'])
      expect(safe).not.toContain(markup);
  });

  it('defuses what a short value could still do: www autolinks, issue references, mentions, control characters', () => {
    expect(githubName('www.evil.example')).toBe('www_evil.example');
    expect(githubName('WWW.Evil.Example')).toBe('WWW_Evil.Example');
    expect(githubName('#12')).toBe('_12');
    expect(githubName('@octocat')).toBe('_octocat');
    expect(githubName('1.0.0\u001b[31m\u0007')).toBe('1.0.0__31m_');
    expect(githubName('1.0.0\u202e')).toBe('1.0.0_');
  });

  it('caps a long value and says it was cut', () => {
    const long = githubName('a'.repeat(500));
    expect(long).toHaveLength(MAX_NAME_IN_PR);
    expect(long.endsWith('...')).toBe(true);
  });
});

describe('PR texts when a healthcheck answers hostile text', () => {
  const hostilePlan: Plan = {
    ...plan,
    from: [
      { environment: 'development', modelVersion: '1.25.4-4b5c6d7' },
      { environment: 'staging', modelVersion: HOSTILE },
      { environment: 'production', modelVersion: HOSTILE },
    ],
  };
  const hostile = request({ plan: hostilePlan, note: '' });
  const LIVE_MARKUP = /[<>@#`[\]|]|:\/\/|fixes #|www\./;

  it('the title (also the commit message) carries only the reduced name', () => {
    const title = renderTitle('fix(model): roll back {service} from {from} to {version}', hostile);
    expect(title).toBe(`fix(model): roll back fpo-search from ${githubName(HOSTILE)} to 1.25.0`);
    expect(title).not.toMatch(LIVE_MARKUP);
  });

  it("the body's From row shows each environment's answer reduced, inside a code span", () => {
    const body = renderBody(hostile, { keyPath: 'version' });
    const fromRow = body.split('\n').find((l) => l.startsWith('| From |')) ?? '';
    expect(fromRow).toBe(
      `| From | development: \`1.25.4-4b5c6d7\`, staging: \`${githubName(HOSTILE)}\`, production: \`${githubName(HOSTILE)}\` |`,
    );
    // Only the bot's own marker is HTML; nothing the healthcheck said reaches the body as markup.
    const withoutMarker = body.replace(REQUEST_MARKER('R-7KQ2'), '');
    expect(withoutMarker).not.toMatch(/<|@octocat|#12|https?:\/\/|www\.evil/);
  });
});
