/**
 * The state of the local Slack workspace: people and user groups, channels with their messages and
 * threads, ephemeral messages per person, open modals per person, trigger ids and response URLs.
 * The Web API (webApi.ts) and the demo's page read and change it; every change bumps `version` so
 * the page can follow live.
 *
 * Rules kept from Slack, because the bot relies on them:
 * - a message is identified by channel + ts; ts values are unique and increasing;
 * - a reply names its thread by the parent's ts; `reply_broadcast` also shows it in the channel;
 * - chat.update changes a message in place (blocks are kept when the update carries none);
 * - ephemeral messages belong to one person, cannot be updated by chat.update, and are shown only to them;
 * - a modal is opened with a trigger id (short-lived, tied to the person who acted); views.update keeps
 *   the view id and changes its hash;
 * - a response URL can be used a few times within 30 minutes.
 */

export class SlackApiError extends Error {
  constructor(readonly code: string) {
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

interface ResponseUrlState {
  readonly target: ResponseTarget;
  readonly expiresAt: number;
  uses: number;
  commandShown: boolean;
}

export interface WorkspaceOptions {
  readonly users?: readonly SlackUser[];
  readonly usergroups?: readonly UserGroup[];
  readonly channels?: readonly Channel[];
  readonly now?: () => number;
  /** Slack gives 3 s; the demo allows more so a cold start on a slow machine does not fail. */
  readonly triggerTtlMs?: number;
  /**
   * Tests build Slack's payloads by hand: trigger ids, message timestamps, view ids and channels the
   * workspace never issued. A lenient workspace takes them (a channel is made on first mention, an
   * unknown message, thread, view, trigger or person is taken on trust) so the bot's calls are still
   * answered and recorded; a strict one (the demo's) refuses them with Slack's error codes.
   */
  readonly lenient?: boolean;
}

const RESPONSE_URL_TTL_MS = 30 * 60_000;

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
const RESPONSE_URL_USES = 5;

const viewWithBlockIds = (view: Record<string, unknown>): Record<string, unknown> => ({
  ...view,
  blocks: withBlockIds(Array.isArray(view.blocks) ? view.blocks : [], 'v') ?? [],
});

export class Workspace {
  readonly users: ReadonlyMap<string, SlackUser>;
  /** How each user group is named (the page shows handles); members are in `members`. */
  readonly usergroups: ReadonlyMap<string, UserGroup>;
  /** User group id → member ids, read on every call: change it to move people in or out. */
  readonly members: Record<string, string[]>;
  private readonly channelsById: Map<string, Channel>;
  readonly lenient: boolean;
  /** Every message, public and ephemeral, in posting order. */
  private readonly messages: Message[] = [];
  private readonly views = new Map<string, OpenView[]>();
  private readonly triggers = new Map<string, { user: string; expiresAt: number }>();
  private readonly responseUrls = new Map<string, ResponseUrlState>();
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly triggerTtlMs: number;
  private lastTs = 0;
  private counter = 0;
  version = 0;

  constructor(options: WorkspaceOptions = {}) {
    this.users = new Map((options.users ?? []).map((u) => [u.id, u]));
    this.usergroups = new Map((options.usergroups ?? []).map((g) => [g.id, g]));
    this.members = Object.fromEntries((options.usergroups ?? []).map((g) => [g.id, [...g.members]]));
    this.channelsById = new Map((options.channels ?? []).map((c) => [c.id, c]));
    this.now = options.now ?? Date.now;
    this.triggerTtlMs = options.triggerTtlMs ?? 10_000;
    this.lenient = options.lenient ?? false;
  }

  get channels(): ReadonlyMap<string, Channel> {
    return this.channelsById;
  }

  // ---- change notification ----

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }

  private id(prefix: string): string {
    this.counter += 1;
    return `${prefix}${String(this.counter).padStart(8, '0')}`;
  }

  /** `<unix seconds>.<6 digits>`, unique and increasing (two posts in one microsecond still differ). */
  private nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  // ---- messages ----

  channelOrThrow(id: string): Channel {
    const known = this.channelsById.get(id);
    if (known) return known;
    if (!this.lenient || id === '') throw new SlackApiError('channel_not_found');
    const made: Channel = { id, name: `channel-${id.toLowerCase()}`, topic: '' };
    this.channelsById.set(id, made);
    return made;
  }

  find(channel: string, ts: string): Message | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts && !m.ephemeralTo);
  }

  /** The thread a new reply joins: replying to a reply joins the reply's thread, as in Slack. */
  private threadRoot(channel: string, threadTs: string | undefined): string | undefined {
    if (threadTs === undefined) return undefined;
    const parent = this.find(channel, threadTs);
    if (!parent) {
      if (this.lenient) return threadTs;
      throw new SlackApiError('thread_not_found');
    }
    return parent.threadTs ?? parent.ts;
  }

  post(input: {
    channel: string;
    content: MessageContent;
    user?: string;
    botId?: string;
    username?: string;
    threadTs?: string;
    broadcast?: boolean;
  }): Message {
    this.channelOrThrow(input.channel);
    this.checkContent(input.content);
    const threadTs = this.threadRoot(input.channel, input.threadTs);
    const message: Message = {
      channel: input.channel,
      ts: this.nextTs(),
      threadTs,
      broadcast: threadTs !== undefined && input.broadcast === true,
      user: input.user,
      botId: input.botId,
      username: input.username,
      text: input.content.text ?? '',
      blocks: withBlockIds(input.content.blocks, 'b'),
      attachments: input.content.attachments,
      rev: 1,
      postedAt: this.now(),
    };
    this.messages.push(message);
    this.changed();
    return message;
  }

  private checkContent(content: MessageContent): void {
    if (this.lenient || content.text || content.blocks?.length || content.attachments?.length) return;
    throw new SlackApiError('no_text');
  }

  /** chat.update: text is replaced; blocks and attachments only when the update carries them. */
  update(channel: string, ts: string, content: MessageContent): Message {
    this.channelOrThrow(channel);
    const message = this.find(channel, ts) ?? this.unknownMessage(channel, ts);
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks !== undefined) message.blocks = withBlockIds(content.blocks, 'b');
    if (content.attachments !== undefined) message.attachments = content.attachments;
    message.rev += 1;
    this.changed();
    return message;
  }

  /** A lenient workspace updates a message it never saw: kept from now on, where its ts says. */
  private unknownMessage(channel: string, ts: string): Message {
    if (!this.lenient) throw new SlackApiError('message_not_found');
    const message: Message = { channel, ts, broadcast: false, text: '', rev: 0, postedAt: this.now() };
    this.messages.push(message);
    return message;
  }

  delete(channel: string, ts: string): void {
    const index = this.messages.findIndex((m) => m.channel === channel && m.ts === ts && !m.ephemeralTo);
    if (index < 0) throw new SlackApiError('message_not_found');
    this.messages.splice(index, 1);
    this.changed();
  }

  postEphemeral(input: {
    channel: string;
    user: string;
    content: MessageContent;
    threadTs?: string;
    from?: string;
  }): Message {
    this.channelOrThrow(input.channel);
    if (!this.lenient && !this.users.has(input.user)) throw new SlackApiError('user_not_in_channel');
    this.checkContent(input.content);
    const message: Message = {
      channel: input.channel,
      ts: this.nextTs(),
      threadTs: input.threadTs === undefined ? undefined : this.threadRoot(input.channel, input.threadTs),
      broadcast: false,
      user: input.from,
      text: input.content.text ?? '',
      blocks: withBlockIds(input.content.blocks, 'b'),
      attachments: input.content.attachments,
      ephemeralTo: input.user,
      rev: 1,
      postedAt: this.now(),
    };
    this.messages.push(message);
    this.changed();
    return message;
  }

  findEphemeral(user: string, channel: string, ts: string): Message | undefined {
    return this.messages.find((m) => m.ephemeralTo === user && m.channel === channel && m.ts === ts);
  }

  dismissEphemeral(user: string, channel: string, ts: string): boolean {
    const index = this.messages.findIndex(
      (m) => m.ephemeralTo === user && m.channel === channel && m.ts === ts,
    );
    if (index < 0) return false;
    this.messages.splice(index, 1);
    this.changed();
    return true;
  }

  replaceEphemeral(message: Message, content: MessageContent): void {
    message.text = content.text ?? message.text;
    if (content.blocks !== undefined) message.blocks = withBlockIds(content.blocks, 'b');
    if (content.attachments !== undefined) message.attachments = content.attachments;
    message.rev += 1;
    this.changed();
  }

  /** What one person sees: every public message and their own ephemerals, oldest first. */
  visibleTo(user: string): readonly Message[] {
    return this.messages.filter((m) => !m.ephemeralTo || m.ephemeralTo === user);
  }

  /** Public messages of a channel (top level and replies), oldest first. */
  history(channel: string): readonly Message[] {
    return this.messages.filter((m) => m.channel === channel && !m.ephemeralTo);
  }

  // ---- modals ----

  issueTrigger(user: string): string {
    const id = `${Math.floor(this.now() / 1000)}.${this.id('')}.trigger`;
    this.triggers.set(id, { user, expiresAt: this.now() + this.triggerTtlMs });
    return id;
  }

  /** The person a trigger id was issued to; a lenient workspace takes an unknown one as nobody's. */
  private takeTrigger(triggerId: unknown): string {
    const trigger = typeof triggerId === 'string' ? this.triggers.get(triggerId) : undefined;
    if (!trigger && this.lenient) return '';
    if (!trigger) throw new SlackApiError('invalid_trigger_id');
    this.triggers.delete(String(triggerId));
    if (this.now() > trigger.expiresAt) throw new SlackApiError('expired_trigger_id');
    return trigger.user;
  }

  private newView(user: string, view: Record<string, unknown>): OpenView {
    return { id: this.id('V'), user, view: viewWithBlockIds(view), hash: this.id('h'), rev: 1 };
  }

  openView(triggerId: unknown, view: Record<string, unknown>): OpenView {
    const user = this.takeTrigger(triggerId);
    const opened = this.newView(user, view);
    this.views.set(user, [opened]);
    this.changed();
    return opened;
  }

  pushView(triggerId: unknown, view: Record<string, unknown>): OpenView {
    const user = this.takeTrigger(triggerId);
    const stack = this.views.get(user) ?? [];
    if (stack.length === 0 && !this.lenient) throw new SlackApiError('not_found');
    if (stack.length >= 3) throw new SlackApiError('push_limit_reached');
    const pushed = this.newView(user, view);
    stack.push(pushed);
    this.views.set(user, stack);
    this.changed();
    return pushed;
  }

  findView(viewId: unknown): OpenView | undefined {
    for (const stack of this.views.values()) {
      const found = stack.find((v) => v.id === viewId);
      if (found) return found;
    }
    return undefined;
  }

  updateView(viewId: unknown, view: Record<string, unknown>, hash?: unknown): OpenView {
    const found = this.findView(viewId) ?? this.unknownView(viewId);
    if (typeof hash === 'string' && hash !== found.hash) throw new SlackApiError('hash_conflict');
    found.view = viewWithBlockIds(view);
    found.hash = this.id('h');
    found.rev += 1;
    this.changed();
    return found;
  }

  /** A lenient workspace updates a view it never opened (a test's hand-made submission names one). */
  private unknownView(viewId: unknown): OpenView {
    if (!this.lenient || typeof viewId !== 'string') throw new SlackApiError('not_found');
    const made: OpenView = { id: viewId, user: '', view: {}, hash: this.id('h'), rev: 0 };
    this.views.set(`?${viewId}`, [made]);
    return made;
  }

  /** The modal a person sees: the top of their stack. */
  topView(user: string): OpenView | undefined {
    return this.views.get(user)?.at(-1);
  }

  /** Closes one view and everything pushed above it; `all` closes the whole stack. */
  closeView(user: string, viewId?: string, all = false): void {
    const stack = this.views.get(user);
    if (!stack) return;
    const index = viewId === undefined ? stack.length - 1 : stack.findIndex((v) => v.id === viewId);
    if (all || index <= 0) this.views.delete(user);
    else stack.splice(index);
    this.changed();
  }

  /** response_action "update": the submitted view is replaced, keeping its id. */
  replaceView(viewId: string, view: Record<string, unknown>): void {
    const found = this.findView(viewId);
    if (!found) return;
    this.updateView(viewId, view);
  }

  /** response_action "push" after a submission. */
  pushAfterSubmit(user: string, view: Record<string, unknown>): void {
    const stack = this.views.get(user) ?? [];
    stack.push(this.newView(user, view));
    this.views.set(user, stack);
    this.changed();
  }

  // ---- response URLs ----

  createResponseUrl(target: ResponseTarget): string {
    const id = this.id('R');
    this.responseUrls.set(id, {
      target,
      expiresAt: this.now() + RESPONSE_URL_TTL_MS,
      uses: 0,
      commandShown: false,
    });
    return id;
  }

  /** Whether `id` was made by createResponseUrl (a test's own response URLs are only recorded). */
  hasResponseUrl(id: string): boolean {
    return this.responseUrls.has(id);
  }

  /** Takes one use of a response URL; the error says why it cannot be used. */
  useResponseUrl(id: string): { target: ResponseTarget; firstInChannel: () => boolean } {
    const state = this.responseUrls.get(id);
    if (!state) throw new SlackApiError('no_such_url');
    if (this.now() > state.expiresAt) throw new SlackApiError('expired_url');
    if (state.uses >= RESPONSE_URL_USES) throw new SlackApiError('used_url');
    state.uses += 1;
    return {
      target: state.target,
      firstInChannel: () => {
        if (state.commandShown) return false;
        state.commandShown = true;
        return true;
      },
    };
  }

  // ---- directory ----

  displayName(id: string): string {
    return this.users.get(id)?.name ?? id;
  }
}
