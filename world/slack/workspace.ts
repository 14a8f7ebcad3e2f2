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
 * - the app's direct messages with a person (its Messages tab: chat.postMessage to the person's user
 *   id lands in a `D…` channel) are shown only to that person;
 * - modals and trigger ids: see modals.ts;
 * - a response URL can be used a few times within 30 minutes.
 */
import { type ModalOptions, Modals } from './modals.js';
import {
  type Channel,
  type Message,
  type MessageContent,
  type ResponseTarget,
  SlackApiError,
  type SlackUser,
  type UserGroup,
  withBlockIds,
} from './model.js';

export * from './model.js';

interface ResponseUrlState {
  readonly target: ResponseTarget;
  readonly expiresAt: number;
  uses: number;
  commandShown: boolean;
}

export interface WorkspaceOptions extends ModalOptions {
  readonly users?: readonly SlackUser[];
  readonly usergroups?: readonly UserGroup[];
  readonly channels?: readonly Channel[];
  /**
   * Tests build Slack's payloads by hand: trigger ids, message timestamps, view ids and channels the
   * workspace never issued. A lenient workspace takes them (a channel is made on first mention, an
   * unknown message, thread, view, trigger or person is taken on trust) so the bot's calls are still
   * answered and recorded; a strict one (the demo's) refuses them with Slack's error codes.
   */
  readonly lenient?: boolean;
}

const RESPONSE_URL_TTL_MS = 30 * 60_000;
const RESPONSE_URL_USES = 5;

export class Workspace extends Modals {
  readonly users: ReadonlyMap<string, SlackUser>;
  /** How each user group is named (the page shows handles); members are in `members`. */
  readonly usergroups: ReadonlyMap<string, UserGroup>;
  /** User group id → member ids, read on every call: change it to move people in or out. */
  readonly members: Record<string, string[]>;
  private readonly channelsById: Map<string, Channel>;
  /** The app's DM channels, by channel id, with the person each is with. */
  private readonly ims = new Map<string, { readonly channel: Channel; readonly user: string }>();
  /** Every message, public and ephemeral, in posting order. */
  private readonly messages: Message[] = [];
  private readonly responseUrls = new Map<string, ResponseUrlState>();
  private lastTs = 0;

  constructor(options: WorkspaceOptions = {}) {
    super(options);
    this.users = new Map((options.users ?? []).map((u) => [u.id, u]));
    this.usergroups = new Map((options.usergroups ?? []).map((g) => [g.id, g]));
    this.members = Object.fromEntries((options.usergroups ?? []).map((g) => [g.id, [...g.members]]));
    this.channelsById = new Map((options.channels ?? []).map((c) => [c.id, c]));
  }

  get channels(): ReadonlyMap<string, Channel> {
    return this.channelsById;
  }

  /** `<unix seconds>.<6 digits>`, unique and increasing (two posts in one microsecond still differ). */
  private nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  // ---- messages ----

  channelOrThrow(id: string): Channel {
    const known = this.channelsById.get(id) ?? this.ims.get(id)?.channel;
    if (known) return known;
    if (!this.lenient || id === '') throw new SlackApiError('channel_not_found');
    const made: Channel = { id, name: `channel-${id.toLowerCase()}`, topic: '' };
    this.channelsById.set(id, made);
    return made;
  }

  /** The app's DM with a person (what Slack opens when the app posts to their user id). */
  imWith(user: string): Channel {
    if (!this.lenient && !this.users.has(user)) throw new SlackApiError('user_not_found');
    const id = `D${user.replace(/^U/, '')}`;
    const known = this.ims.get(id);
    if (known) return known.channel;
    const channel: Channel = { id, name: this.displayName(user), topic: '' };
    this.ims.set(id, { channel, user });
    return channel;
  }

  /** The person a DM channel is with; undefined for any other channel. */
  imUser(channel: string): string | undefined {
    return this.ims.get(channel)?.user;
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

  /** What one person sees: every public message, their own ephemerals and DMs, oldest first. */
  visibleTo(user: string): readonly Message[] {
    return this.messages.filter(
      (m) => (!m.ephemeralTo || m.ephemeralTo === user) && (this.imUser(m.channel) ?? user) === user,
    );
  }

  /** Public messages of a channel (top level and replies), oldest first. */
  history(channel: string): readonly Message[] {
    return this.messages.filter((m) => m.channel === channel && !m.ephemeralTo);
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

  protected override isKnownUser(user: string): boolean {
    return this.users.has(user);
  }

  displayName(id: string): string {
    return this.users.get(id)?.name ?? id;
  }
}
