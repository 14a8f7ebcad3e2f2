/**
 * Who may ask for a rollback, and where: per service requesters (absent: anyone in the service's
 * channels except guests and people of other workspaces, unless listed by user id), who may break glass
 * (`--force`; default the approvers), the channels a request is accepted in, and a per-person rate limit
 * on requests that got a card. Pure: the caller looks the person and the counts up.
 */
import type { Approvers } from './policy.js';

export interface Person {
  readonly user: string;
  /** A guest: multi- or single-channel (Slack's is_restricted / is_ultra_restricted). */
  readonly guest: boolean;
  /** A member of another workspace (Slack Connect): their team is not the app's. */
  readonly external: boolean;
}

export interface RequestRules {
  /** Undefined: anyone (but guests and external people, unless listed by user id). */
  readonly requesters?: Approvers;
  readonly breakGlass: Approvers;
  /** Where a request is accepted: the service's channel, alert channel and request_channels. */
  readonly channels: readonly string[];
  readonly perPerson: { readonly count: number; readonly windowMinutes: number };
}

export type Refusal =
  | { readonly code: 'guest' }
  | { readonly code: 'external' }
  | { readonly code: 'not_requester' }
  | { readonly code: 'not_break_glass' }
  | { readonly code: 'wrong_channel'; readonly channels: readonly string[] }
  | {
      readonly code: 'rate_limited';
      readonly count: number;
      readonly windowMinutes: number;
      readonly retryAt: Date;
    };

export type RequestVerdict = { readonly ok: true } | { readonly ok: false; readonly refusal: Refusal };

const listed = (user: string, who: Approvers, members: ReadonlySet<string>) =>
  who.users.includes(user) || members.has(user);

export function mayRequest(input: {
  readonly person: Person;
  readonly rules: RequestRules;
  /**
   * Members of the requesters' user groups and of the break-glass ones, each list's own: someone in a
   * requesters group is not thereby allowed to break glass.
   */
  readonly members: { readonly requesters: ReadonlySet<string>; readonly breakGlass: ReadonlySet<string> };
  /** Undefined: not asked from a channel (the bot's own request, the CLI). */
  readonly channel?: string;
  readonly force: boolean;
  /** When this person's recent requests (that got a card) were made. */
  readonly recent: readonly Date[];
  readonly now: Date;
}): RequestVerdict {
  const { person, rules, members } = input;
  const refuse = (refusal: Refusal): RequestVerdict => ({ ok: false, refusal });
  if (input.channel !== undefined && !rules.channels.includes(input.channel)) {
    return refuse({ code: 'wrong_channel', channels: rules.channels });
  }
  // A guest or someone from another workspace is trusted only when named, never through a group.
  const byId = rules.requesters?.users.includes(person.user) ?? false;
  if (person.guest && !byId) return refuse({ code: 'guest' });
  if (person.external && !byId) return refuse({ code: 'external' });
  if (rules.requesters && !listed(person.user, rules.requesters, members.requesters)) {
    return refuse({ code: 'not_requester' });
  }
  if (input.force && !listed(person.user, rules.breakGlass, members.breakGlass)) {
    return refuse({ code: 'not_break_glass' });
  }
  const windowMs = rules.perPerson.windowMinutes * 60_000;
  const inWindow = input.recent
    .filter((at) => input.now.getTime() - at.getTime() < windowMs)
    .sort((a, b) => a.getTime() - b.getTime());
  if (inWindow.length >= rules.perPerson.count) {
    // Sliding: the oldest request in the window leaves it first.
    const oldest = inWindow[inWindow.length - rules.perPerson.count] as Date;
    return refuse({
      code: 'rate_limited',
      count: inWindow.length,
      windowMinutes: rules.perPerson.windowMinutes,
      retryAt: new Date(oldest.getTime() + windowMs),
    });
  }
  return { ok: true };
}
