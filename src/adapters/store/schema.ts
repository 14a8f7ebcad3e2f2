/**
 * Table shapes. Portable types only (text, integer, bigint) and ISO-8601 text for times, so every query
 * runs unchanged on SQLite and PostgreSQL. Lease times are epoch milliseconds from the database's own
 * clock, so replicas with skewed clocks still agree on who holds a lease.
 */
import type { Generated } from 'kysely';

export interface RequestsTable {
  id: string;
  service: string;
  state: string;
  requester: string;
  reason: string;
  note: string;
  force: number;
  plan: string;
  approvals_required: number;
  created_at: string;
  expires_at: string;
  updated_at: string;
  channel: string;
  card_ts: string | null;
  thread_ts: string | null;
  pr_number: number | null;
  pr_url: string | null;
  pr_branch: string | null;
  pr_opened_at: string | null;
  last_error: string | null;
  alarm: string | null;
  decided_by: string | null;
  decision_note: string | null;
  completed_at: string | null;
  progress: string | null;
  /** Hash of the card as last sent to Slack: an update that would change nothing is not sent. */
  card_hash: string | null;
  requester_name: string | null;
  branch: string | null;
  /** JSON of domain/request's Trigger. */
  trigger: string | null;
  /** The replica posting the card of a new request (it died if its heartbeat lapsed). */
  card_holder: string | null;
  /** Repair attempts at posting the card, the next one's time (database clock), the last error. */
  card_attempts: number;
  card_retry_at: number | string | null;
  card_error: string | null;
  card_gave_up_at: string | null;
  /** When the PR was closed without merge (the request abandoned); cleared when it is reopened. */
  pr_closed_at: string | null;
}

export interface AlertThreadsTable {
  key: string;
  service: string;
  channel: string;
  /** '' while the replica that claimed a new episode is posting its card. */
  thread_ts: string;
  card_ts: string | null;
  state: string;
  alarm: string;
  updated_at: string;
  /** Bumped by every write: the compare-and-set token for claiming a new alarm episode. */
  version: number;
}

export interface SeenMessagesTable {
  id: string;
  at: string;
}

export interface ApprovalsTable {
  request_id: string;
  user_id: string;
  at: string;
  user_name: string | null;
}

export interface EventsTable {
  id: Generated<number>;
  request_id: string | null;
  service: string;
  at: string;
  kind: string;
  actor: string | null;
  actor_name: string | null;
  detail: string;
}

export interface RolledBackFromTable {
  service: string;
  iteration: string;
  version: string;
  request_id: string;
  at: string;
}

/**
 * Thread posts and other once-only effects: claimed (a row) before they happen, marked posted after.
 * A claim never marked posted is sent again by the repair round (its notice is kept for that).
 */
export interface MilestonesTable {
  request_id: string;
  key: string;
  at: string;
  notice: string | null;
  posted_at: string | null;
  /** The replica sending it now; another takes it over once that one's heartbeat lapses. */
  holder: string | null;
  /** Sends started, the first included. */
  attempts: number;
  /** After a failed send: when to try again (database clock, epoch ms). */
  retry_at: number | string | null;
  last_error: string | null;
  gave_up_at: string | null;
}

/** Background work and per-request work held by one replica at a time, until `expires_at`. */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number | string;
  last_round_at: number | string | null;
}

/** Each process's heartbeat: alive until `alive_until` (database clock, epoch ms). */
export interface ReplicasTable {
  id: string;
  alive_until: number | string;
  started_at: number | string;
}

/** Versions an MLflow alias has pointed to, as the bot saw or made it (first time only). */
export interface AliasHistoryTable {
  service: string;
  alias: string;
  version: string;
  since: string;
  request_id: string | null;
}

/** The service's pin (one row per service; `unpinned_at` set once an approver unpinned it). */
export interface PinsTable {
  service: string;
  version: string;
  request_id: string;
  reason: string;
  pinned_at: string;
  pinned_by: string | null;
  thread_link: string | null;
  unpinned_at: string | null;
  unpinned_by: string | null;
  unpin_note: string | null;
}

/** The Home tab per person (migration 011). */
export interface HomeViewsTable {
  user_id: string;
  opened_at: string;
  /** Hash of the view last published to them; null: publish whatever is built next. */
  hash: string | null;
  page: number;
}

export interface Database {
  requests: RequestsTable;
  approvals: ApprovalsTable;
  events: EventsTable;
  rolled_back_from: RolledBackFromTable;
  alias_history: AliasHistoryTable;
  pins: PinsTable;
  milestones: MilestonesTable;
  alert_threads: AlertThreadsTable;
  seen_messages: SeenMessagesTable;
  leases: LeasesTable;
  replicas: ReplicasTable;
  home_views: HomeViewsTable;
}
