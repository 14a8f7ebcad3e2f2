/**
 * Whether this person may ask for a rollback of this service from here, before any plan is made: the
 * per-service requesters and break-glass lists, guests and other workspaces' people, the channel
 * guardrail and the per-person rate limit. Every refusal is audited once (pruned with the other
 * refusals after audit_retention_days). The bot's own requests (on an alarm) are not a person's.
 */
import type { ServiceConfig } from '../config/botConfig.js';
import { mayRequest, type Refusal } from '../domain/authority.js';
import { audit } from './audit.js';
import type { WorkflowDeps } from './deps.js';

export interface Asker {
  readonly user: string;
  readonly name?: string;
  /** The channel the person asked from; undefined when not from a channel (no guardrail). */
  readonly channel?: string;
  readonly force: boolean;
}

/** Members of one list's user groups (none: no call); lists are never read as one set. */
export const membersOfList = (
  deps: Pick<WorkflowDeps, 'directory'>,
  groups: readonly string[] | undefined,
): Promise<ReadonlySet<string>> =>
  groups?.length ? deps.directory.membersOf(groups) : Promise.resolve(new Set<string>());

/** The channels a request for `service` is accepted in. */
export const requestChannels = (service: ServiceConfig): string[] => [
  ...new Set([service.channel, service.alertChannel, ...service.requestChannels]),
];

export type AskRefusal = Refusal | { readonly code: 'unverified'; readonly detail: string };

export async function checkRequester(
  deps: WorkflowDeps,
  service: ServiceConfig,
  asker: Asker,
): Promise<{ ok: true } | { ok: false; refusal: AskRefusal }> {
  const now = deps.now();
  const windowStart = new Date(now.getTime() - deps.config.requestsPerPerson.windowMinutes * 60_000);
  let verdict: ReturnType<typeof mayRequest>;
  try {
    // Each list's groups apart: a requesters group grants no break glass, and the reverse.
    const groupsOf = (list?: readonly string[]) => membersOfList(deps, list);
    const [person, requesters, breakGlass, recent] = await Promise.all([
      deps.directory.person(asker.user),
      groupsOf(service.requesters?.usergroups),
      asker.force ? groupsOf(service.breakGlass.usergroups) : Promise.resolve(new Set<string>()),
      deps.store.requestTimesBy(asker.user, windowStart),
    ]);
    verdict = mayRequest({
      person,
      rules: {
        requesters: service.requesters,
        breakGlass: service.breakGlass,
        channels: requestChannels(service),
        perPerson: deps.config.requestsPerPerson,
      },
      members: { requesters, breakGlass },
      channel: asker.channel,
      force: asker.force,
      recent,
      now,
    });
  } catch (err) {
    // Who is asking could not be checked: refused, never let through unchecked.
    const detail = (err as Error).message;
    await refused(deps, service, asker, { code: 'unverified', detail });
    return { ok: false, refusal: { code: 'unverified', detail } };
  }
  if (verdict.ok) return verdict;
  await refused(deps, service, asker, verdict.refusal);
  return verdict;
}

async function refused(
  deps: WorkflowDeps,
  service: ServiceConfig,
  asker: Asker,
  refusal: AskRefusal,
): Promise<void> {
  await audit(deps, {
    service: service.name,
    kind: 'refused',
    actor: asker.user,
    actorName: asker.name,
    detail: { refusal: refusal.code, channel: asker.channel, force: asker.force },
  });
}
