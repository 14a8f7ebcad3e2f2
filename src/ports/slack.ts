/** Slack as workflows need it: the request card and its thread, alert cards, and user groups. */
import type { Person } from '../domain/authority.js';
import type { AlarmRef, RollbackRequest } from '../domain/request.js';
import type { AlertNotice, Notice, OutcomeSummary } from './notices.js';

/** The request card and its thread in Slack. */
export interface RequestCards {
  /** Posts the card (in the channel, or in `request.threadTs`'s thread); returns where it landed. */
  publish(request: RollbackRequest): Promise<{ channel: string; ts: string }>;
  /** Re-renders the card from the store; calls are coalesced per card. */
  refresh(requestId: string): void;
  /** One reply in the card's thread (outcomes are also shown in the channel). */
  notify(request: RollbackRequest, notice: Notice): Promise<void>;
  permalink(request: RollbackRequest): Promise<string | undefined>;
  /** The one-line outcome in a stakeholder channel (`[notify] channels`). */
  summarize(channel: string, summary: OutcomeSummary): Promise<void>;
  /** Waits until pending card updates are sent (tests, shutdown). */
  flush(): Promise<void>;
}

/** Alert cards and offers in Slack. */
export interface AlertPosts {
  /** Posts a new alert card; returns its ts. */
  postCard(channel: string, view: AlertView): Promise<string>;
  updateCard(channel: string, ts: string, view: AlertView): Promise<void>;
  /** A reply in an alert's thread: a state change, or the offer under another tool's alert message. */
  notify(channel: string, threadTs: string, notice: AlertNotice, offer?: AlertView): Promise<void>;
  /** A link to a message (the alert that made the bot open a request: for the audit trail). */
  permalink(channel: string, ts: string): Promise<string | undefined>;
}

export interface AlertView {
  readonly service: string;
  readonly alarm: AlarmRef & { readonly description?: string; readonly metric?: string };
  readonly headline: 'firing' | 'resolved' | 'firing_again' | 'insufficient_data';
  readonly served: readonly { readonly environment: string; readonly modelVersion?: string }[];
  readonly lastKnownGood?: { readonly version: string; readonly iteration: string };
  /** Key of the alert thread, carried by the buttons so a request can attach the alarm. */
  readonly threadKey: string;
  readonly request?: { readonly id: string; readonly state: string };
}

export interface Directory {
  /**
   * Whether a person is a guest or from another workspace (Slack Connect), cached like user groups.
   * Throws when Slack cannot say: a request is then refused, never let through unchecked.
   */
  person(user: string): Promise<Person>;
  /**
   * Members of Slack user groups, cached briefly; `fresh` asks Slack now (a click that would complete an
   * approval: someone just removed from the group must not count).
   */
  membersOf(groups: readonly string[], options?: { readonly fresh?: boolean }): Promise<Set<string>>;
}
