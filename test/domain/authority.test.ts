import { describe, expect, it } from 'vitest';
import { mayRequest, type RequestRules } from '../../src/domain/authority.js';

const now = new Date('2026-12-02T12:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const rules: RequestRules = {
  breakGlass: { users: ['UBOB'], usergroups: ['SONCALL'] },
  channels: ['CSERVICE', 'CALERTS'],
  perPerson: { count: 3, windowMinutes: 10 },
};
const member = { user: 'UALICE', guest: false, external: false };
const ask = (over: Partial<Parameters<typeof mayRequest>[0]> = {}) =>
  mayRequest({
    person: member,
    rules,
    members: { requesters: new Set(), breakGlass: new Set() },
    channel: 'CSERVICE',
    force: false,
    recent: [],
    now,
    ...over,
  });

describe('who may ask for a rollback', () => {
  it('lets a member ask in the service channels, and nowhere else', () => {
    expect(ask()).toEqual({ ok: true });
    expect(ask({ channel: 'CALERTS' })).toEqual({ ok: true });
    expect(ask({ channel: 'CRANDOM' })).toEqual({
      ok: false,
      refusal: { code: 'wrong_channel', channels: ['CSERVICE', 'CALERTS'] },
    });
  });

  it('refuses guests and other workspaces unless listed by user id (a group is not enough)', () => {
    expect(ask({ person: { ...member, guest: true } })).toMatchObject({ refusal: { code: 'guest' } });
    expect(ask({ person: { ...member, external: true } })).toMatchObject({ refusal: { code: 'external' } });
    const listed = { ...rules, requesters: { users: ['UALICE'], usergroups: [] } };
    expect(ask({ person: { ...member, guest: true }, rules: listed })).toEqual({ ok: true });
    const byGroup = { ...rules, requesters: { users: [], usergroups: ['SML'] } };
    expect(
      ask({
        person: { ...member, external: true },
        rules: byGroup,
        members: { requesters: new Set(['UALICE']), breakGlass: new Set() },
      }),
    ).toMatchObject({ refusal: { code: 'external' } });
  });

  it('keeps requests to the listed requesters when there are some', () => {
    const some = { ...rules, requesters: { users: ['UCAROL'], usergroups: ['SML'] } };
    expect(ask({ rules: some })).toMatchObject({ refusal: { code: 'not_requester' } });
    expect(ask({ rules: some, members: { requesters: new Set(['UALICE']), breakGlass: new Set() } })).toEqual(
      {
        ok: true,
      },
    );
    // A break-glass group member is not thereby a requester.
    expect(
      ask({ rules: some, members: { requesters: new Set(), breakGlass: new Set(['UALICE']) } }),
    ).toMatchObject({
      refusal: { code: 'not_requester' },
    });
  });

  it('lets only the break-glass people use --force', () => {
    expect(ask({ force: true })).toMatchObject({ refusal: { code: 'not_break_glass' } });
    expect(ask({ force: true, members: { requesters: new Set(), breakGlass: new Set(['UALICE']) } })).toEqual(
      {
        ok: true,
      },
    );
    // A requesters group member may not break glass by that.
    expect(
      ask({ force: true, members: { requesters: new Set(['UALICE']), breakGlass: new Set() } }),
    ).toMatchObject({
      refusal: { code: 'not_break_glass' },
    });
  });

  it('limits requests per person over a sliding window, saying when to try again', () => {
    expect(ask({ recent: [minutesAgo(9), minutesAgo(5)] })).toEqual({ ok: true });
    expect(ask({ recent: [minutesAgo(9), minutesAgo(5), minutesAgo(1), minutesAgo(30)] })).toEqual({
      ok: false,
      refusal: { code: 'rate_limited', count: 3, windowMinutes: 10, retryAt: minutesAgo(-1) },
    });
  });
});
