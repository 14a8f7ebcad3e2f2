/**
 * The local Slack Web API (`/api/<method>`) and response URLs (`/response/<id>`), over the workspace
 * state. Only what the bot uses is implemented; any other method answers `unknown_method`, as Slack
 * does, so a new call in the bot shows up instead of silently succeeding.
 */
import type http from 'node:http';
import { parseArgs } from './fake.js';
import { SlackApiError, type Workspace } from './workspace.js';

export interface WebApiOptions {
  readonly botToken: string;
  readonly bot: { readonly userId: string; readonly botId: string; readonly name: string };
  readonly team: { readonly id: string; readonly domain: string; readonly name: string };
  readonly appId: string;
  /** Base URL of the page, for permalinks (`<base>/archives/<channel>/p<ts>`). */
  readonly pageUrl: () => string;
  /** Called for every Web API call and response URL post (the page's activity log, tests). */
  readonly onCall?: (method: string, args: Record<string, unknown>) => void;
  /** Called when the answer to a Web API call has been written. */
  readonly onAnswered?: (method: string) => void;
}

type Args = Record<string, unknown>;

const readArgs = (req: http.IncomingMessage, body: Buffer, query: URLSearchParams): Args =>
  parseArgs(req, body, query, (field) => {
    throw new SlackApiError(`invalid_${field}`);
  });

const truthy = (value: unknown): boolean => value === true || value === 'true' || value === '1';
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): unknown[] | undefined => (Array.isArray(value) ? value : undefined);

function content(args: Args): { text?: string; blocks?: unknown[]; attachments?: unknown[] } {
  return { text: str(args.text), blocks: list(args.blocks), attachments: list(args.attachments) };
}

function send(res: http.ServerResponse, status: number, data: unknown): void {
  const text = JSON.stringify(data);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function createWebApi(workspace: Workspace, options: WebApiOptions) {
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
    'chat.postMessage': (args) => {
      const m = workspace.post({
        channel: String(args.channel ?? ''),
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
      // An app can only update what it posted.
      const original = workspace.find(channel, ts);
      if (original && original.user !== bot.userId) throw new SlackApiError('cant_update_message');
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
      if (!m) throw new SlackApiError('message_not_found');
      const thread = m.threadTs ? `?thread_ts=${m.threadTs}&cid=${channel}` : '';
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
    'usergroups.users.list': (args) => {
      const group = workspace.usergroups.get(String(args.usergroup ?? ''));
      if (!group) throw new SlackApiError('no_such_subteam');
      return { users: [...group.members] };
    },
    'users.info': (args) => {
      const user = workspace.users.get(String(args.user ?? ''));
      if (!user) throw new SlackApiError('user_not_found');
      return {
        user: {
          id: user.id,
          name: user.name,
          real_name: user.realName,
          is_bot: user.isBot,
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

  /** A response URL post, as Slack treats it (see workspace.ts for the target it was made for). */
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

  /** Handles `/api/*` and `/response/*`; answers false for any other path. */
  return function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/response/')) {
      const id = decodeURIComponent(url.pathname.slice('/response/'.length));
      try {
        const parsed = JSON.parse(body.toString('utf8') || '{}') as Args;
        options.onCall?.('response_url', parsed);
        respond(id, parsed);
        send(res, 200, { ok: true });
      } catch (err) {
        send(res, err instanceof SlackApiError ? 404 : 400, {
          ok: false,
          error: err instanceof SlackApiError ? err.code : 'invalid_payload',
        });
      }
      return true;
    }
    if (!url.pathname.startsWith('/api/')) return false;
    const method = url.pathname.slice('/api/'.length);
    let args: Args;
    try {
      args = readArgs(req, body, url.searchParams);
    } catch (err) {
      send(res, 200, { ok: false, error: err instanceof SlackApiError ? err.code : 'invalid_arguments' });
      return true;
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : str(args.token);
    const { token: _token, ...callArgs } = args;
    options.onCall?.(method, callArgs);
    if (token !== options.botToken) {
      send(res, 200, { ok: false, error: token ? 'invalid_auth' : 'not_authed' });
      return true;
    }
    const run = methods[method];
    if (!run) {
      send(res, 200, { ok: false, error: 'unknown_method' });
      return true;
    }
    res.once('finish', () => options.onAnswered?.(method));
    try {
      send(res, 200, { ok: true, ...run(callArgs) });
    } catch (err) {
      if (!(err instanceof SlackApiError)) throw err;
      send(res, 200, { ok: false, error: err.code });
    }
    return true;
  };
}
