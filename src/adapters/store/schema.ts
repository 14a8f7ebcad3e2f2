/**
 * Table shapes. Portable types only (text, integer) and ISO-8601 text for times, so a PostgreSQL
 * dialect can be added beside SQLite without changing a query.
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
}

export interface AlertThreadsTable {
  key: string;
  service: string;
  channel: string;
  thread_ts: string;
  card_ts: string | null;
  state: string;
  alarm: string;
  updated_at: string;
}

export interface SeenMessagesTable {
  id: string;
  at: string;
}

export interface ApprovalsTable {
  request_id: string;
  user_id: string;
  at: string;
}

export interface EventsTable {
  id: Generated<number>;
  request_id: string | null;
  service: string;
  at: string;
  kind: string;
  actor: string | null;
  detail: string;
}

export interface RolledBackFromTable {
  service: string;
  iteration: string;
  version: string;
  request_id: string;
  at: string;
}

/** Thread posts and other once-only effects, claimed before they happen. */
export interface MilestonesTable {
  request_id: string;
  key: string;
  at: string;
}

export interface Database {
  requests: RequestsTable;
  approvals: ApprovalsTable;
  events: EventsTable;
  rolled_back_from: RolledBackFromTable;
  milestones: MilestonesTable;
  alert_threads: AlertThreadsTable;
  seen_messages: SeenMessagesTable;
}
