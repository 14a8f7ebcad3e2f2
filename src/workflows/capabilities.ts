/**
 * What one person may do for each service (`/rollback help`): request (and where), approve, break
 * glass, unpin — and why not where not. Read with the same rules that refuse the acts themselves
 * (domain/authority.ts, domain/policy.ts), so help never promises what a click would refuse.
 */
import type { ServiceConfig } from '../config/botConfig.js';
import { mayRequest, type Refusal } from '../domain/authority.js';
import { isApprover } from '../domain/policy.js';
import { membersOfList, requestChannels } from './authority.js';
import type { WorkflowDeps } from './deps.js';

export interface Capabilities {
  readonly service: ServiceConfig;
  /** Undefined: may request (in `channels`). */
  readonly requestRefusal?: Refusal['code'];
  readonly channels: readonly string[];
  readonly approve: boolean;
  readonly breakGlass: boolean;
}

export async function capabilitiesOf(
  deps: Pick<WorkflowDeps, 'config' | 'directory' | 'now'>,
  user: string,
): Promise<Capabilities[] | { problem: string }> {
  // Each list's user groups are read apart (cached): membership of one list never counts for another.
  const groupsOf = (list?: readonly string[]) => membersOfList(deps, list);
  let person: Awaited<ReturnType<WorkflowDeps['directory']['person']>>;
  let lists: {
    approvers: ReadonlySet<string>;
    breakGlass: ReadonlySet<string>;
    requesters: ReadonlySet<string>;
  }[];
  try {
    [person, lists] = await Promise.all([
      deps.directory.person(user),
      Promise.all(
        deps.config.services.map(async (s) => ({
          approvers: await groupsOf(s.approvers.usergroups),
          breakGlass: await groupsOf(s.breakGlass.usergroups),
          requesters: await groupsOf(s.requesters?.usergroups),
        })),
      ),
    ]);
  } catch (err) {
    return { problem: `Slack could not say who you are (${(err as Error).message})` };
  }
  return deps.config.services.map((service, i) => {
    const members = lists[i] ?? { approvers: new Set(), breakGlass: new Set(), requesters: new Set() };
    const channels = requestChannels(service);
    // Where and how often are the moment's business: help answers who, wherever it is typed.
    const verdict = mayRequest({
      person,
      rules: {
        requesters: service.requesters,
        breakGlass: service.breakGlass,
        channels,
        perPerson: { count: Number.POSITIVE_INFINITY, windowMinutes: 1 },
      },
      members,
      force: false,
      recent: [],
      now: deps.now(),
    });
    const approve = isApprover(user, service.approvers, members.approvers);
    return {
      service,
      requestRefusal: verdict.ok ? undefined : verdict.refusal.code,
      channels,
      approve,
      breakGlass: verdict.ok && isApprover(user, service.breakGlass, members.breakGlass),
    };
  });
}
