/**
 * Who may do what for one service: requesters, who may break glass, and where requests are accepted
 * (domain/authority.ts applies them). Read apart from the rest of a service for the same reason the
 * model source is: a few keys with their own defaults and refusals.
 */
import type { Approvers } from '../domain/policy.js';
import type { Reader } from './reader.js';

export interface AuthorityConfig {
  /** Undefined: anyone may request (guests and other workspaces' people only when listed by id). */
  readonly requesters?: Approvers;
  /** Who may use --force (default: the approvers). */
  readonly breakGlass: Approvers;
  /** Channels besides `channel` and `alert_channel` where a request is accepted. */
  readonly requestChannels: readonly string[];
}

const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;
const USER_ID = /^[UW][A-Z0-9]{6,}$/;
const USERGROUP_ID = /^S[A-Z0-9]{6,}$/;

export function readPeople(r: Reader, key: string): Approvers | undefined {
  if (!r.has(key)) return undefined;
  const t = r.table(key);
  const people = {
    users: t.strings('users', { pattern: USER_ID, hint: 'Slack user IDs like "U0123456789"' }),
    usergroups: t.strings('usergroups', {
      pattern: USERGROUP_ID,
      hint: 'Slack user group IDs like "S0123456789"',
    }),
  };
  t.rejectUnknown();
  if (people.users.length === 0 && people.usergroups.length === 0) {
    r.problem(key, 'expected at least one user or user group (remove the table to allow the default)');
  }
  return people;
}

export function readAuthority(r: Reader, approvers: Approvers): AuthorityConfig {
  return {
    requesters: readPeople(r, 'requesters'),
    breakGlass: readPeople(r, 'break_glass') ?? approvers,
    requestChannels: r.strings('request_channels', { pattern: CHANNEL_ID, hint: 'Slack channel IDs' }),
  };
}
