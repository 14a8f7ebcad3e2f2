import { describe, expect, it } from 'vitest';
import { type Approvers, approvalsNeeded, expiresAt, mayApprove } from '../../src/domain/policy.js';

const approvers: Approvers = { users: ['U_ALICE', 'U_BOB'], usergroups: ['S_MLOPS'] };
const groupMembers = new Set(['U_CAROL', 'U_DAVE']);

const ask = (user: string, overrides: Partial<Parameters<typeof mayApprove>[0]> = {}) =>
  mayApprove({ user, requester: 'U_REQ', approvers, groupMembers, approvedBy: [], ...overrides });

describe('mayApprove', () => {
  it('lets a listed user approve', () => {
    expect(ask('U_ALICE')).toEqual({ ok: true });
  });

  it('lets a member of an approver user group approve', () => {
    expect(ask('U_CAROL')).toEqual({ ok: true });
  });

  it('refuses someone who is neither listed nor in a group', () => {
    expect(ask('U_EVE')).toEqual({ ok: false, problem: 'not_approver' });
  });

  it('never counts the requester, even when listed as an approver', () => {
    expect(ask('U_ALICE', { requester: 'U_ALICE' })).toEqual({ ok: false, problem: 'requester' });
  });

  it('never counts the requester, even as a member of an approver group', () => {
    expect(ask('U_CAROL', { requester: 'U_CAROL' })).toEqual({ ok: false, problem: 'requester' });
  });

  it('never counts the requester, even when listed and in a group and not yet approved', () => {
    const both = new Set([...groupMembers, 'U_ALICE']);
    expect(ask('U_ALICE', { requester: 'U_ALICE', groupMembers: both })).toEqual({
      ok: false,
      problem: 'requester',
    });
  });

  it('refuses a second approval by the same person', () => {
    expect(ask('U_BOB', { approvedBy: ['U_BOB'] })).toEqual({ ok: false, problem: 'already_approved' });
    expect(ask('U_DAVE', { approvedBy: ['U_ALICE', 'U_DAVE'] })).toEqual({
      ok: false,
      problem: 'already_approved',
    });
  });

  it("another approver's approval does not block this one", () => {
    expect(ask('U_BOB', { approvedBy: ['U_ALICE'] })).toEqual({ ok: true });
  });

  it('refuses everyone when nobody is configured', () => {
    expect(ask('U_ALICE', { approvers: { users: [], usergroups: [] }, groupMembers: new Set() })).toEqual({
      ok: false,
      problem: 'not_approver',
    });
  });
});

describe('approvalsNeeded', () => {
  it('is the configured number normally', () => {
    expect(approvalsNeeded(1, { forced: false, botOpened: false })).toBe(1);
    expect(approvalsNeeded(2, { forced: false, botOpened: false })).toBe(2);
  });

  it('needs one more key when the cooldown was lifted with --force', () => {
    expect(approvalsNeeded(1, { forced: true, botOpened: false })).toBe(2);
    expect(approvalsNeeded(2, { forced: true, botOpened: false })).toBe(3);
  });

  it('needs one more key when the bot opened the request itself: two people, never one', () => {
    expect(approvalsNeeded(1, { forced: false, botOpened: true })).toBe(2);
    expect(approvalsNeeded(1, { forced: true, botOpened: true })).toBe(3);
  });
});

describe('expiresAt', () => {
  it('adds the time to live in minutes', () => {
    const created = new Date('2026-11-02T12:00:00Z');
    expect(expiresAt(created, 60).toISOString()).toBe('2026-11-02T13:00:00.000Z');
    expect(expiresAt(created, 90).toISOString()).toBe('2026-11-02T13:30:00.000Z');
    expect(expiresAt(created, 24 * 60).toISOString()).toBe('2026-11-03T12:00:00.000Z');
  });

  it('does not change the date it is given', () => {
    const created = new Date('2026-11-02T12:00:00Z');
    expiresAt(created, 30);
    expect(created.toISOString()).toBe('2026-11-02T12:00:00.000Z');
  });
});
