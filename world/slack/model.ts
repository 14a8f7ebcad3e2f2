/** What the local Slack workspace holds (workspace.ts), and the error its checks throw. */

export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    /** What Slack lists in `response_metadata.messages` (an invalid view's problems). */
    readonly messages?: readonly string[],
  ) {
    super(code);
  }
}

export interface SlackUser {
  readonly id: string;
  readonly name: string;
  readonly realName: string;
  readonly color: string;
  readonly isBot: boolean;
  readonly botId?: string;
  /** What this person can do in the demo story (shown in the page). */
  readonly role?: string;
  /** A guest: `multi` (is_restricted) or `single` channel (is_ultra_restricted). */
  readonly guest?: 'multi' | 'single';
  /** Another workspace's member (Slack Connect); default the workspace's own team. */
  readonly teamId?: string;
}

export interface UserGroup {
  readonly id: string;
  readonly handle: string;
  readonly name: string;
  readonly members: readonly string[];
}

export interface Channel {
  readonly id: string;
  readonly name: string;
  readonly topic: string;
}

export interface MessageContent {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

export interface Message {
  readonly channel: string;
  readonly ts: string;
  /** Set on replies: the parent's ts. */
  readonly threadTs?: string;
  /** A reply also shown in the channel. */
  readonly broadcast: boolean;
  /** Author: a user id (people and the bot user) … */
  readonly user?: string;
  /** … or an integration that posts as a bot without a user (another alerting tool). */
  readonly botId?: string;
  readonly username?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  /** Only this person sees it. */
  readonly ephemeralTo?: string;
  /** Bumped on every change, so the page redraws only what changed. */
  rev: number;
  readonly postedAt: number;
}

export interface OpenView {
  readonly id: string;
  readonly user: string;
  hash: string;
  view: Record<string, unknown>;
  rev: number;
}

/** A person's Home tab as last published (views.publish). */
export interface HomeView {
  readonly id: string;
  readonly user: string;
  hash: string;
  view: Record<string, unknown>;
  /** Publishes so far. */
  rev: number;
}

/** Where a response URL posts: the person who acted and the place they acted in. */
export interface ResponseTarget {
  readonly kind: 'command' | 'action';
  readonly user: string;
  readonly channel: string;
  readonly threadTs?: string;
  /** The message the action was on (replace_original/delete_original act on it). */
  readonly messageTs?: string;
  /** The slash command as typed, shown in the channel with the first in_channel response. */
  readonly commandText?: string;
}

/**
 * Slack gives every block without a `block_id` one of its own (and returns it with the message), so
 * interaction payloads can name the block. Ours are derived from the position: stable across updates.
 */
export function withBlockIds(blocks: unknown[] | undefined, salt: string): unknown[] | undefined {
  return blocks?.map((block, i) =>
    block && typeof block === 'object' && !('block_id' in block)
      ? { ...block, block_id: `${salt}${i.toString(36)}` }
      : block,
  );
}
