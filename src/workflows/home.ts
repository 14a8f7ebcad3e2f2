/**
 * What one person's Home tab shows: the services they may see, a page of them at a time, each with
 * what its environments serve, what is configured, the last known good target, its pin (when pins are
 * known), its active request and its last five rollbacks. Read from the same sources as
 * `/rollback status` and `/rollback history`; the Slack layer renders and publishes it (slack/home.ts).
 */
import type { ServiceConfig } from '../config/botConfig.js';
import { ACTIVE_STATES } from '../domain/lifecycle.js';
import type { RollbackRequest } from '../domain/request.js';
import { type Capabilities, capabilitiesOf } from './capabilities.js';
import type { WorkflowDeps } from './deps.js';
import { getServiceStatus, type ServiceStatus } from './serviceStatus.js';

/** Services per page: 15 of them and the page's own blocks stay under views.publish's 100 blocks. */
export const HOME_PAGE_SIZE = 15;
/** How many past rollbacks each service shows. */
export const HOME_HISTORY = 5;

/**
 * A service's pin, as the Home tab shows it. Pins are another part's business (migration 008,
 * `/rollback unpin`): whoever knows them passes `pinOf`; without it no pin line is shown.
 */
export interface PinLine {
  /** What the service is pinned to. */
  readonly version: string;
  readonly by?: string;
  readonly reason?: string;
  readonly at?: Date;
  readonly until?: Date;
}

export interface HomeService {
  readonly service: ServiceConfig;
  /** Undefined when the status could not be read at all (its problem is in `problem`). */
  readonly status?: ServiceStatus;
  readonly problem?: string;
  readonly active?: RollbackRequest;
  /** Newest first, at most HOME_HISTORY. */
  readonly history: readonly RollbackRequest[];
  readonly pin?: PinLine;
  /** Whether this person approves for the service (Unpin is theirs). */
  readonly approver: boolean;
  /** Whether this person may ask for a rollback of the service (the "Roll back to" button). */
  readonly mayRequest: boolean;
}

export interface HomeData {
  readonly user: string;
  /** Every service this person may see (the picker lists them), in the config's order. */
  readonly visible: readonly string[];
  readonly page: number;
  readonly pages: number;
  /** The services of this page. */
  readonly services: readonly HomeService[];
  /** Set when Slack could not say who this person is: nothing is shown (fails closed). */
  readonly problem?: string;
  readonly at: Date;
}

export interface HomeDeps {
  readonly workflows: Pick<WorkflowDeps, 'config' | 'directory' | 'now' | 'store'>;
  /** A service's status (slack/home.ts shares one read among the people it publishes to). */
  readonly statusOf: (service: ServiceConfig) => Promise<ServiceStatus>;
  readonly pinOf?: (service: string) => Promise<PinLine | undefined>;
}

/**
 * Who sees which service: a workspace member sees every service; a guest or a member of another
 * workspace (who cannot read most channels) only those they may request for or approve.
 */
async function visibleServices(
  deps: Pick<HomeDeps, 'workflows'>,
  user: string,
): Promise<{ caps: Capabilities[] } | { problem: string }> {
  const caps = await capabilitiesOf(deps.workflows, user);
  if ('problem' in caps) return caps;
  let person: Awaited<ReturnType<WorkflowDeps['directory']['person']>>;
  try {
    person = await deps.workflows.directory.person(user);
  } catch (err) {
    return { problem: `Slack could not say who you are (${(err as Error).message})` };
  }
  if (!person.guest && !person.external) return { caps };
  return { caps: caps.filter((c) => c.requestRefusal === undefined || c.approve) };
}

/** The names of the services `user` may see, in the config's order (the picker's pages). */
export async function visibleTo(deps: Pick<HomeDeps, 'workflows'>, user: string): Promise<string[]> {
  const seen = await visibleServices(deps, user);
  return 'problem' in seen ? [] : seen.caps.map((c) => c.service.name);
}

const clampPage = (page: number, pages: number) =>
  Number.isInteger(page) ? Math.min(Math.max(page, 0), Math.max(pages - 1, 0)) : 0;

/** The page a service is on among the visible ones (the picker jumps there). */
export function pageOf(visible: readonly string[], service: string): number | undefined {
  const i = visible.indexOf(service);
  return i < 0 ? undefined : Math.floor(i / HOME_PAGE_SIZE);
}

export async function homeFor(deps: HomeDeps, user: string, page: number): Promise<HomeData> {
  const at = deps.workflows.now();
  const seen = await visibleServices(deps, user);
  if ('problem' in seen)
    return { user, visible: [], page: 0, pages: 0, services: [], problem: seen.problem, at };
  const visible = seen.caps.map((c) => c.service.name);
  const pages = Math.ceil(visible.length / HOME_PAGE_SIZE);
  const current = clampPage(page, pages);
  const onPage = seen.caps.slice(current * HOME_PAGE_SIZE, (current + 1) * HOME_PAGE_SIZE);
  const services = await Promise.all(
    onPage.map(async (c): Promise<HomeService> => {
      const { store } = deps.workflows;
      const [status, history, pin] = await Promise.all([
        deps.statusOf(c.service).then(
          (value) => ({ value }),
          (err: Error) => ({ problem: err.message ?? String(err) }),
        ),
        store.history(c.service.name, HOME_HISTORY + 1),
        deps.pinOf ? deps.pinOf(c.service.name).catch(() => undefined) : undefined,
      ]);
      const active = history.find((r) => ACTIVE_STATES.includes(r.state));
      return {
        service: c.service,
        ...('value' in status ? { status: status.value } : { problem: status.problem }),
        active: active ?? (await store.findActive(c.service.name)),
        history: history.filter((r) => r !== active).slice(0, HOME_HISTORY),
        ...(pin ? { pin } : {}),
        approver: c.approve,
        mayRequest: c.requestRefusal === undefined,
      };
    }),
  );
  return { user, visible, page: current, pages, services, at };
}

/** A status read per service for the people one change is published to, for `ttlMs`. */
export function sharedStatus(deps: Pick<WorkflowDeps, 'status'>, ttlMs: number, now: () => number) {
  const reads = new Map<string, { at: number; value: Promise<ServiceStatus> }>();
  return (service: ServiceConfig, fresh = false): Promise<ServiceStatus> => {
    const hit = reads.get(service.name);
    if (!fresh && hit && now() - hit.at < ttlMs) return hit.value;
    const value = getServiceStatus(deps.status, service);
    reads.set(service.name, { at: now(), value });
    value.catch(() => reads.delete(service.name));
    return value;
  };
}
