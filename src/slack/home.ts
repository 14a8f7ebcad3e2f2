/**
 * Publishing the Home tab (views.publish). Built after the event is acknowledged, from the store and
 * the status sources; published only when it differs from what the person last got: the hash of what
 * was published is kept per person in the database and set by compare-and-set before publishing, so
 * an open without change publishes nothing and, of two replicas reacting to one change, one publishes.
 * When a request or pin changes, everyone who opened their Home tab in the last 30 minutes gets it
 * republished. Publishes are coalesced per person (a burst becomes one view of the latest state) and
 * paced within views.publish's rate tier (Tier 4, about 100 a minute); every call is bounded in time
 * by the Web API client (app/slackApp.ts).
 */
import { createHash } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import Bottleneck from 'bottleneck';
import type { BotConfig } from '../config/botConfig.js';
import type { RequestCards } from '../ports/slack.js';
import type { Logger } from '../support/log.js';
import type { WorkflowDeps } from '../workflows/deps.js';
import { homeFor, type PinLine, pageOf, sharedStatus, visibleTo } from '../workflows/home.js';
import { HOME_AS_OF_BLOCK, homeView } from './blocks/home.js';

/** Who gets a republish when something changes: those who opened their Home tab this recently. */
export const HOME_RECENT_MS = 30 * 60_000;
/** views.publish is Tier 4 (100+ a minute): one publish every 600 ms stays inside it. */
export const HOME_PUBLISH_INTERVAL_MS = 600;
/** A status read is shared by the people one change is published to for this long. */
const STATUS_SHARE_MS = 5000;

export interface HomeTab {
  /** `app_home_opened`: records the open and publishes unless the person already has this view. */
  opened(user: string): Promise<void>;
  /** "Refresh": reads everything again and publishes to this person whatever the stored hash says. */
  refresh(user: string): Promise<void>;
  /** Page buttons and the service picker. */
  showPage(user: string, page: number): Promise<void>;
  showService(user: string, service: string): Promise<void>;
  /** A request or pin changed: republish (coalesced) for everyone who opened it recently. */
  changed(): void;
  /** Waits until queued publishes are done (tests, shutdown). */
  flush(): Promise<void>;
}

export interface HomeTabDeps {
  readonly client: webApi.WebClient;
  readonly workflows: Pick<WorkflowDeps, 'config' | 'directory' | 'now' | 'store' | 'status'>;
  readonly config: BotConfig;
  readonly log: Logger;
  readonly publishIntervalMs?: number;
  /** Pins, when known (another part adds them): the Home tab shows the pin line when given. */
  readonly pinOf?: (service: string) => Promise<PinLine | undefined>;
}

/** The hash of a view without its "read at" line. */
const hashOf = (view: ReturnType<typeof homeView>) =>
  createHash('sha256')
    .update(
      JSON.stringify(view.blocks.filter((b) => (b as { block_id?: string }).block_id !== HOME_AS_OF_BLOCK)),
    )
    .digest('hex');

export function createHomeTab(deps: HomeTabDeps): HomeTab {
  const { store, now } = deps.workflows;
  const limiter = new Bottleneck({
    maxConcurrent: 1,
    minTime: deps.publishIntervalMs ?? HOME_PUBLISH_INTERVAL_MS,
  });
  const statusOf = sharedStatus(deps.workflows, STATUS_SHARE_MS, () => now().getTime());
  /** People with a publish queued, and whether it must be sent even when unchanged. */
  const queued = new Map<string, { force: boolean }>();
  const sending = new Set<Promise<unknown>>();
  let changeQueued = false;

  const track = <T>(job: Promise<T>): Promise<T> => {
    sending.add(job);
    job.finally(() => sending.delete(job)).catch(() => undefined);
    return job;
  };

  async function publish(user: string, force: boolean): Promise<void> {
    const page = await store.homePage(user);
    const data = await homeFor(
      {
        workflows: deps.workflows,
        statusOf: (service) => statusOf(service, force),
        ...(deps.pinOf ? { pinOf: deps.pinOf } : {}),
      },
      user,
      page,
    );
    const view = homeView(data, deps.config.tracking.consecutiveReads);
    const hash = hashOf(view);
    if (force) await store.setHomeHash(user, null);
    // Another replica (or an earlier publish) already sent exactly this: nothing to do.
    if (!(await store.setHomeHash(user, hash))) return;
    try {
      await deps.client.views.publish({
        user_id: user,
        view: view as unknown as webApi.ViewsPublishArguments['view'],
      });
    } catch (err) {
      // Forget what was not shown, so the next open or change sends it again.
      await store.setHomeHash(user, null).catch(() => undefined);
      throw err;
    }
  }

  /** Queues one publish for `user`; a publish already queued for them takes this one's place. */
  function schedule(user: string, force: boolean): Promise<void> {
    const waiting = queued.get(user);
    if (waiting) {
      waiting.force ||= force;
      return Promise.resolve();
    }
    const entry = { force };
    queued.set(user, entry);
    return track(
      limiter
        .schedule(() => {
          queued.delete(user);
          return publish(user, entry.force);
        })
        .catch((err) => deps.log.warn('home tab publish failed', { user, error: err })),
    );
  }

  return {
    async opened(user) {
      await store.homeOpened(user, now());
      await schedule(user, false);
    },
    refresh: (user) => schedule(user, true),
    async showPage(user, page) {
      await store.setHomePage(user, Math.max(0, Math.floor(page)), now());
      await schedule(user, false);
    },
    async showService(user, service) {
      // The page is counted among the services this person sees: read them as the view does.
      const page = pageOf(await visibleTo(deps, user), service);
      if (page !== undefined) await store.setHomePage(user, page, now());
      await schedule(user, false);
    },
    changed() {
      if (changeQueued) return;
      changeQueued = true;
      track(
        (async () => {
          // Let the change that called this land first (a card refresh follows the same move).
          await new Promise((resolve) => setImmediate(resolve));
          changeQueued = false;
          const since = new Date(now().getTime() - HOME_RECENT_MS);
          const openers = await store.homeOpeners(since);
          await Promise.all(openers.map((user) => schedule(user, false)));
        })().catch((err) => deps.log.warn('home tab republish failed', { error: err })),
      );
    },
    async flush() {
      while (sending.size > 0) await Promise.allSettled([...sending]);
    },
  };
}

/**
 * The request cards, telling the Home tab about every change: a card is published or refreshed exactly
 * when a request changes, so the Home tab follows the same moves without another hook in the workflows.
 */
export function cardsTellingHome(
  cards: RequestCards,
  home: Pick<HomeTab, 'changed' | 'flush'>,
): RequestCards {
  return {
    ...cards,
    /** Card updates, then the Home tab publishes they caused. */
    async flush() {
      await cards.flush();
      await home.flush();
    },
    async publish(request) {
      const where = await cards.publish(request);
      home.changed();
      return where;
    },
    refresh(requestId) {
      cards.refresh(requestId);
      home.changed();
    },
  };
}
