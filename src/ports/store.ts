/**
 * The database, as workflows and the Slack and HTTP layers need it: requests with their approvals and
 * audit trail, rolled-back-from versions, and what makes several replicas act as one (leases,
 * heartbeats, the thread-post outbox, delivery ids, alert episodes). Implemented on SQLite and
 * PostgreSQL in adapters/store/. Every state change is a compare-and-set and every "only one" is a
 * constraint, so concurrent clicks, two replicas or a kill -9 can never act twice.
 */
import type { RequestEvent, RequestState } from '../domain/lifecycle.js';
import type { Pin } from '../domain/pin.js';
import type { Plan } from '../domain/plan.js';
import type { Progress } from '../domain/progress.js';
import type { AlarmRef, Approval, RollbackRequest } from '../domain/request.js';

export interface StoredEvent {
  readonly at: Date;
  readonly kind: string;
  readonly actor?: string;
  readonly actorName?: string;
  readonly detail: Record<string, unknown>;
}

export interface AuditEntry extends StoredEvent {
  readonly requestId?: string;
  readonly service: string;
}

export type ApprovalOutcome =
  | {
      readonly kind: 'not_pending';
      readonly state: RequestState;
      readonly approvals: readonly Approval[];
    }
  | { readonly kind: 'duplicate'; readonly approvals: readonly Approval[] }
  | { readonly kind: 'counted'; readonly approvals: readonly Approval[]; readonly complete: boolean };

export type CreateOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly problem: 'id_taken' | 'service_active' };

/** Fields that may change after creation; `state` only through `transition`. */
export type RequestPatch = Partial<{
  cardTs: string;
  threadTs: string;
  channel: string;
  plan: Plan;
  pr: { number: number; url: string; branch: string; openedAt: Date };
  lastError: string | null;
  decidedBy: string;
  decisionNote: string;
  completedAt: Date;
  expiresAt: Date;
  progress: Progress;
  /** When the PR was closed unmerged; null when it is open again. */
  prClosedAt: Date | null;
}>;

export interface Store extends Coordination, HomeViews {
  /** Which database it is (the CLI and readiness name it). */
  readonly dialect: 'sqlite' | 'postgres';
  /** Answers when the database does (readiness). */
  ping(): Promise<void>;
  /**
   * Inserts a request; refused by the database when the id is taken or the service has an active one.
   * `cardHolder`: the replica that will post its card (the claim the repair round takes over if it dies).
   */
  createRequest(request: RollbackRequest, cardHolder?: string): Promise<CreateOutcome>;
  getRequest(id: string): Promise<RollbackRequest | undefined>;
  findActive(service: string): Promise<RollbackRequest | undefined>;
  /** When `user`'s requests since `since` were made, those that got a card (the per-person limit). */
  requestTimesBy(user: string, since: Date): Promise<Date[]>;
  /** The latest rollback that changed something: a PR opened, or an alias the bot moved (cooldown). */
  lastRollbackAction(service: string): Promise<{ id: string; at: Date } | undefined>;
  history(service: string | undefined, count: number): Promise<RollbackRequest[]>;
  inStates(states: readonly RequestState[]): Promise<RollbackRequest[]>;
  /** Rollbacks to follow: PR open or merged, and abandoned ones whose PR was closed since `closedSince`. */
  tracked(closedSince: Date): Promise<RollbackRequest[]>;
  /**
   * Active requests whose card is due to be posted by the repair round: its poster's heartbeat lapsed,
   * or it was created before `before` and never got its card, or a failed repair's retry time came.
   * `attempts`: repair attempts so far.
   */
  cardsDue(before: Date): Promise<Array<{ request: RollbackRequest; attempts: number }>>;
  /** Records a failed repair attempt of a card: try again later, or give up (no `retryInMs`). */
  cardFailed(id: string, failure: SendFailure): Promise<boolean>;
  countByState(): Promise<Record<string, number>>;
  /**
   * Moves `id` by `event` of the lifecycle, only if it is in one of the event's `from` states (a
   * compare-and-set); true when this call made the move. Nothing else changes a request's state.
   * `plan_changed` also deletes the approvals, in the same transaction (they were given to the old
   * plan). Throws
   * ServiceBusyError when the move would make a second request of the service active.
   */
  transition(id: string, event: RequestEvent, patch?: RequestPatch): Promise<boolean>;
  update(id: string, patch: RequestPatch): Promise<void>;
  /** Records the PR on a request that has none yet (an early webhook, or the opener); true when set. */
  setPrIfUnset(id: string, pr: NonNullable<RequestPatch['pr']>): Promise<boolean>;
  /** Stores the hash of the card about to be sent; false when Slack already shows exactly that. */
  setCardHash(id: string, hash: string | null): Promise<boolean>;
  /** Records an approval while pending; completes the request atomically when enough are in. */
  approve(id: string, user: string, at: Date, required: number, userName?: string): Promise<ApprovalOutcome>;
  /** The request whose PR branch is exactly `branch` (stored when the request was made). */
  findByBranch(service: string, branch: string): Promise<RollbackRequest | undefined>;
  recordEvent(e: {
    requestId?: string;
    service: string;
    kind: string;
    actor?: string;
    actorName?: string;
    detail?: object;
    at?: Date;
  }): Promise<void>;
  events(requestId: string): Promise<StoredEvent[]>;
  /** The audit trail, oldest first: the last `count` entries, of one service or all. */
  auditTrail(service: string | undefined, count: number): Promise<AuditEntry[]>;
  addRolledBackFrom(service: string, iteration: string, version: string, requestId: string): Promise<void>;
  rolledBackFrom(service: string): Promise<Set<string>>;
  /**
   * Records that an MLflow alias pointed to `version` (seen or moved by the bot); the first record of a
   * version stands. A registry's "has reached production" reads this back.
   */
  recordAliasVersion(
    service: string,
    alias: string,
    version: string,
    since: Date,
    requestId?: string,
  ): Promise<void>;
  aliasHistory(service: string, alias: string): Promise<Map<string, Date>>;
  findByPr(service: string, number: number): Promise<RollbackRequest | undefined>;
  /**
   * Pins the service (replacing any earlier pin, ended or not: a later rollback re-pins). True when this
   * call wrote it; false when the same request's pin is already there (a second replica, a resume).
   */
  setPin(pin: Pin): Promise<boolean>;
  /** The service's pin, ended or not; undefined when it was never pinned. */
  getPin(service: string): Promise<Pin | undefined>;
  /** Ends the pin (a compare-and-set on it being in force); the ended pin when this call ended it. */
  unpin(service: string, by: string, note: string, at: Date): Promise<Pin | undefined>;
  close(): Promise<void>;
}

/** The Home tab per person (see slack/home.ts). */
export interface HomeViews {
  /** Records that `user` opened their Home tab at `at` (a first open starts with no hash, page 0). */
  homeOpened(user: string, at: Date): Promise<void>;
  /** Who opened their Home tab at or after `since`. */
  homeOpeners(since: Date): Promise<string[]>;
  /** The page of services `user` is on (0 when none was chosen). */
  homePage(user: string): Promise<number>;
  setHomePage(user: string, page: number, at: Date): Promise<void>;
  /**
   * Stores the hash of the view about to be published to `user`; false when it is already the stored
   * one (nothing to publish) or `user` never opened the tab. null forgets it (the next build is sent).
   */
  setHomeHash(user: string, hash: string | null): Promise<boolean>;
}

export interface AlertThread {
  readonly key: string;
  readonly service: string;
  readonly channel: string;
  /** The thread's root: our alert card, or the alert message another tool posted; '' while being posted. */
  readonly threadTs: string;
  /** Our alert card, when we posted one (updated as the alarm changes). */
  readonly cardTs?: string;
  readonly state: string;
  readonly alarm: AlarmRef;
  readonly updatedAt: Date;
  /** Compare-and-set token: every write bumps it. */
  readonly version: number;
}

export interface LeaseInfo {
  readonly holder: string;
  /** Negative once expired. */
  readonly expiresInMs: number;
  readonly lastRoundAgoMs?: number;
}

export interface PruneCutoffs {
  /** Delivery ids seen, leases expired and heartbeats lapsed before this. */
  readonly deliveries: Date;
  /** Refusals and dry runs (audit rows of no request) and alert threads last changed before this. */
  readonly audit: Date;
}

export interface Coordination extends Outbox {
  /** Says `replica` is alive for `aliveMs` more (database clock). */
  heartbeat(replica: string, aliveMs: number): Promise<void>;
  /** A replica stopping cleanly: whatever it still holds may be taken over at once. */
  retire(replica: string): Promise<void>;

  /**
   * Takes `name` for `ttlMs` when it is free, expired, or its holder's heartbeat lapsed; renews it when
   * `holder` already has it. True when held now.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives a lease up at once, so another replica need not wait for it to expire. */
  releaseLease(name: string, holder: string): Promise<void>;
  leaseInfo(name: string): Promise<LeaseInfo | undefined>;
  /** Records that the holder finished a round of the work the lease guards (tracking lag). */
  markRound(name: string, holder: string): Promise<void>;

  /** True the first time a delivery id (SNS MessageId, GitHub delivery, Slack message) is seen. */
  claimMessage(id: string): Promise<boolean>;
  /** Forgets a claimed id, so a retried delivery is handled again after a failure. */
  releaseMessage(id: string): Promise<void>;
  /** Deletes what outlived its retention (see PruneCutoffs); returns how many rows. */
  prune(cutoffs: PruneCutoffs): Promise<number>;

  alertThread(key: string): Promise<AlertThread | undefined>;
  /**
   * Starts an alarm episode: inserts the thread when there is none (`expectVersion` undefined), or
   * replaces the row only if it is still at `expectVersion`. True for exactly one caller.
   */
  claimAlertEpisode(thread: AlertThread, expectVersion?: number): Promise<boolean>;
  saveAlertThread(thread: AlertThread): Promise<void>;
}

export interface UnpostedMilestone {
  readonly requestId: string;
  readonly key: string;
  readonly notice?: unknown;
  readonly claimedAt: string;
  /** Sends started so far (the first one included). */
  readonly attempts: number;
  readonly lastError?: string;
}

/** A failed send: the attempt it was, why, and when to try again (undefined: give up). */
export interface SendFailure {
  readonly attempt: number;
  readonly error: string;
  readonly retryInMs?: number;
}

export interface Outbox {
  /** True the first time `key` is claimed for a request; the notice is kept for a repost. */
  claimMilestone(requestId: string, key: string, notice?: unknown, holder?: string): Promise<boolean>;
  markMilestonePosted(requestId: string, key: string): Promise<void>;
  /**
   * Posts due for another attempt: failed ones whose retry time came, ones whose sender's heartbeat
   * lapsed, and ones claimed before `before` and never confirmed (a sender without a heartbeat, or hung).
   */
  unpostedMilestones(before: Date): Promise<UnpostedMilestone[]>;
  /** Takes over a due post as `holder`, counting one more attempt; true for exactly one caller. */
  reclaimMilestone(m: UnpostedMilestone, holder?: string): Promise<boolean>;
  /** Records a failed attempt (unless another sender took the post over since); true when recorded. */
  milestoneFailed(requestId: string, key: string, failure: SendFailure): Promise<boolean>;
  /** True when `key` was ever claimed for the request. */
  hasMilestone(requestId: string, key: string): Promise<boolean>;
}

/**
 * A move would make a second request of a service active (the database's one-active index refused it):
 * an old PR reopened or merged while another rollback of the service is in flight.
 */
export class ServiceBusyError extends Error {
  constructor(
    readonly service: string,
    readonly activeId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${activeId ?? 'another request'} is already active for ${service}`, options);
    this.name = 'ServiceBusyError';
  }
}
