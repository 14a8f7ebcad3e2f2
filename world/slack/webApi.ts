/**
 * The Web API methods the bot calls and the response URLs it posts to, answered from the workspace's
 * state (workspace.ts). HTTP, tokens and the record of calls are the server's (fake.ts). A strict
 * workspace answers any other method `unknown_method`, as Slack does, so a new call in the bot shows
 * up instead of silently succeeding; a lenient one (tests) answers `ok`.
 */

import type { SlackIdentity } from './identity.js';
import type { SlackUser } from './model.js';
import { SlackApiError, type Workspace } from './workspace.js';

export interface WebApiOptions extends SlackIdentity {
  /** Base URL of permalinks (`<base>/archives/<channel>/p<ts>`): Slack's, or the demo's page. */
  readonly pageUrl: () => string;
  /** `apps.connections.open`: a one-time Socket Mode URL, when a Socket Mode endpoint runs. */
  readonly socketUrl?: () => string;
}

type Args = Record<string, unknown>;

/** A view argument: JSON (form-encoded calls send it as a string) or already an object. */
function parseView(value: unknown): Args {
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Args;
    } catch {
      // falls through to Slack's answer
    }
    throw new SlackApiError('invalid_arguments');
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Args;
  throw new SlackApiError('invalid_arguments');
}

const truthy = (value: unknown): boolean => value === true || value === 'true' || value === '1';
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): unknown[] | undefined => (Array.isArray(value) ? value : undefined);

function content(args: Args): { text?: string; blocks?: unknown[]; attachments?: unknown[] } {
  return { text: str(args.text), blocks: list(args.blocks), attachments: list(args.attachments) };
}

export interface WebApi {
  /** The answer to a Web API call, without `ok`; a refusal throws SlackApiError with Slack's code. */
  call(method: string, args: Args): Args;
  /** A post to the response URL `id`, as Slack treats it (see workspace.ts for its target). */
  respond(id: string, body: Args): void;
}

export function createWebApi(workspace: Workspace, options: WebApiOptions): WebApi {
  const { bot } = options;

  const messageJson = (m: { ts: string; text: string; blocks?: unknown[]; threadTs?: string }) => ({
    type: 'message',
    user: bot.userId,
    bot_id: bot.botId,
    app_id: options.appId,
    text: m.text,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    ts: m.ts,
  });

  const viewJson = (v: { id: string; hash: string; view: Args }) => ({
    ...v.view,
    id: v.id,
    hash: v.hash,
    team_id: options.team.id,
    app_id: options.appId,
    bot_id: bot.botId,
    state: { values: {} },
  });

  const methods: Record<string, (args: Args) => Args> = {
    'auth.test': () => ({
      url: `https://${options.team.domain}.slack.com/`,
      team: options.team.name,
      team_id: options.team.id,
      user: bot.name,
      user_id: bot.userId,
      bot_id: bot.botId,
      is_enterprise_install: false,
    }),
    'apps.connections.open': () => {
      if (!options.socketUrl)
        throw new Error('local Slack: apps.connections.open without a Socket Mode endpoint');
      return { url: options.socketUrl() };
    },
    'chat.postMessage': (args) => {
      const to = String(args.channel ?? '');
      const m = workspace.post({
        // A person's user id: the app's DM with them (its Messages tab), as Slack does.
        channel: workspace.users.has(to) ? workspace.imWith(to).id : to,
        content: content(args),
        user: bot.userId,
        botId: bot.botId,
        threadTs: str(args.thread_ts),
        broadcast: truthy(args.reply_broadcast),
      });
      return { channel: m.channel, ts: m.ts, message: messageJson(m) };
    },
    'chat.update': (args) => {
      const channel = String(args.channel ?? '');
      const ts = String(args.ts ?? '');
      workspace.channelOrThrow(channel);
      // An app can only update what it posted (a message taken on trust has no author to compare).
      const original = workspace.find(channel, ts);
      const authored = original?.user !== undefined || original?.botId !== undefined;
      if (original && authored && original.user !== bot.userId)
        throw new SlackApiError('cant_update_message');
      const m = workspace.update(channel, ts, content(args));
      return { channel: m.channel, ts: m.ts, text: m.text, message: messageJson(m) };
    },
    'chat.postEphemeral': (args) => {
      const m = workspace.postEphemeral({
        channel: String(args.channel ?? ''),
        user: String(args.user ?? ''),
        content: content(args),
        threadTs: str(args.thread_ts),
        from: bot.userId,
      });
      return { message_ts: m.ts };
    },
    'chat.getPermalink': (args) => {
      const channel = String(args.channel ?? '');
      const ts = String(args.message_ts ?? '');
      workspace.channelOrThrow(channel);
      const m = workspace.find(channel, ts);
      if (!m && !workspace.lenient) throw new SlackApiError('message_not_found');
      const thread = m?.threadTs ? `?thread_ts=${m.threadTs}&cid=${channel}` : '';
      return {
        channel,
        permalink: `${options.pageUrl()}/archives/${channel}/p${ts.replace('.', '')}${thread}`,
      };
    },
    'views.open': (args) => ({
      view: viewJson(workspace.openView(args.trigger_id, (args.view ?? {}) as Args)),
    }),
    'views.push': (args) => ({
      view: viewJson(workspace.pushView(args.trigger_id, (args.view ?? {}) as Args)),
    }),
    'views.update': (args) => ({
      view: viewJson(workspace.updateView(args.view_id, (args.view ?? {}) as Args, args.hash)),
    }),
    'views.publish': (args) => ({
      view: viewJson(workspace.publishHome(args.user_id, parseView(args.view), args.hash)),
    }),
    'usergroups.users.list': (args) => {
      const members = workspace.members[String(args.usergroup ?? '')];
      if (!members) throw new SlackApiError('no_such_subteam');
      return { users: [...members] };
    },
    'users.info': (args) => {
      const id = String(args.user ?? '');
      const known = workspace.users.get(id);
      if (!known && !workspace.lenient) throw new SlackApiError('user_not_found');
      const user: Omit<SlackUser, 'color'> = known ?? {
        id,
        name: id.toLowerCase(),
        realName: id,
        isBot: false,
      };
      return {
        user: {
          id: user.id,
          name: user.name,
          real_name: user.realName,
          is_bot: user.isBot,
          is_restricted: user.guest !== undefined,
          is_ultra_restricted: user.guest === 'single',
          team_id: user.teamId ?? options.team.id,
          profile: { display_name: user.name, real_name: user.realName },
        },
      };
    },
    'conversations.info': (args) => {
      const channel = workspace.channelOrThrow(String(args.channel ?? ''));
      return {
        channel: {
          id: channel.id,
          name: channel.name,
          is_channel: true,
          is_private: false,
          is_archived: false,
          is_member: true,
          topic: { value: channel.topic },
        },
      };
    },
  };

  function respond(id: string, body: Args): void {
    const { target, firstInChannel } = workspace.useResponseUrl(id);
    const message = content(body);
    if (truthy(body.delete_original)) {
      if (target.messageTs) deleteOriginal(target.user, target.channel, target.messageTs);
      return;
    }
    if (truthy(body.replace_original) && target.messageTs) {
      const ephemeral = workspace.findEphemeral(target.user, target.channel, target.messageTs);
      if (ephemeral) workspace.replaceEphemeral(ephemeral, message);
      else workspace.update(target.channel, target.messageTs, message);
      return;
    }
    if (body.response_type === 'in_channel') {
      if (target.kind === 'command' && target.commandText && firstInChannel()) {
        // Slack shows the command as typed along with an in_channel answer.
        workspace.post({
          channel: target.channel,
          content: { text: target.commandText },
          user: target.user,
          threadTs: target.threadTs,
        });
      }
      workspace.post({
        channel: target.channel,
        content: message,
        user: bot.userId,
        botId: bot.botId,
        threadTs: target.threadTs,
      });
      return;
    }
    workspace.postEphemeral({
      channel: target.channel,
      user: target.user,
      content: message,
      threadTs: target.threadTs,
      from: bot.userId,
    });
  }

  function deleteOriginal(user: string, channel: string, ts: string): void {
    if (!workspace.dismissEphemeral(user, channel, ts)) workspace.delete(channel, ts);
  }

  return {
    call(method, args) {
      const run = Object.hasOwn(methods, method) ? methods[method] : undefined;
      if (run) return run(args);
      if (workspace.lenient) return {};
      throw new SlackApiError('unknown_method');
    },
    respond,
  };
}
