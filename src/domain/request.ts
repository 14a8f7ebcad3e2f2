/**
 * A rollback request: what was asked, the plan, the approvals, and how far it got. Its states and the
 * only moves between them are in lifecycle.ts.
 */
import type { Reason } from './command.js';
import type { RequestState } from './lifecycle.js';
import type { Plan } from './plan.js';
import type { Progress } from './progress.js';

export {
  ACTIVE_STATES,
  allowedActions,
  FINAL_STATES,
  type RequestAction,
  type RequestEvent,
  type RequestState,
  STATES,
} from './lifecycle.js';

export interface Approval {
  readonly user: string;
  readonly at: Date;
  /** Display name when Slack told us (audit); the id is what counts. */
  readonly name?: string;
}

export interface RollbackRequest {
  readonly id: string;
  readonly service: string;
  readonly state: RequestState;
  readonly requester: string;
  readonly requesterName?: string;
  readonly reason: Reason;
  readonly note: string;
  readonly force: boolean;
  readonly plan: Plan;
  readonly approvalsRequired: number;
  readonly approvals: readonly Approval[];
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly updatedAt: Date;
  readonly channel: string;
  readonly cardTs?: string;
  /** Thread the card lives in when it was posted as a reply (an alert's thread). */
  readonly threadTs?: string;
  readonly pr?: {
    readonly number: number;
    readonly url: string;
    readonly branch: string;
    readonly openedAt: Date;
  };
  readonly lastError?: string;
  readonly alarm?: AlarmRef;
  /**
   * The head branch of the rollback PR, fixed (with a random part) when the request is made. Only a PR
   * from exactly this branch of the config repository, opened by the bot, is ever this request's PR.
   */
  readonly branch?: string;
  /** What made the bot open this request by itself (an alarm), for the audit trail. */
  readonly trigger?: Trigger;
  readonly decidedBy?: string;
  readonly decisionNote?: string;
  readonly completedAt?: Date;
  readonly progress?: Progress;
}

/** Requester of requests the bot opens by itself on an alarm (`on_alarm = "request"`). */
export const BOT_REQUESTER = 'rollback-bot';

/** The alarm (SNS) or the integration's alert message that made the bot open a request. */
export type Trigger =
  | { readonly kind: 'sns'; readonly alarm: string; readonly topicArn?: string; readonly messageId?: string }
  | {
      readonly kind: 'alert_message';
      readonly alarm: string;
      readonly channel: string;
      readonly ts: string;
      /** The integration that posted it: its bot id, and its name when Slack said. */
      readonly botId: string;
      readonly username?: string;
      readonly permalink?: string;
    };

export interface AlarmRef {
  readonly name: string;
  readonly state: string;
  readonly reason: string;
  readonly at: Date;
  readonly permalink?: string;
}

/** Short, readable, unambiguous ids: `R-7KQ2` (Crockford's alphabet: no I, L, O, U). */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export function newRequestId(random: () => number = Math.random): string {
  let id = 'R-';
  for (let i = 0; i < 4; i++) id += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return id;
}

/**
 * The unguessable part of a request's branch: the id is on the card for everyone to read, so a branch
 * named from it alone could be pushed in advance. 40 bits from the CSPRNG, lower-case for a branch.
 */
export function newBranchToken(bytes: (n: number) => Uint8Array): string {
  let token = '';
  for (const b of bytes(8)) token += ALPHABET[b & 31];
  return token.toLowerCase();
}
