/**
 * A local stand-in for the Slack Web API and for `response_url` endpoints. The bot's real WebClient (or
 * Bolt's) is pointed at `apiUrl`; every call is recorded so tests assert on what the bot said.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { sendJson, startHttpServer } from '../http.js';
import type { FakeSocketMode } from '../socketMode.js';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** The token the call carried (Authorization header or `token` field), when any. */
  token?: string;
  at: number;
}

export interface SlackResponsePost {
  id: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests dig into whatever Bolt's respond() sent
  body: any;
  at: number;
}

export interface FailHow {
  /** Answer with this HTTP status instead of 200 (the WebClient throws a WebAPIHTTPError). */
  status?: number;
  /** Answer 200 `{ ok: false, error }` (the WebClient throws a WebAPIPlatformError). */
  error?: string;
}

export interface FakeSlack {
  url: string;
  /** Base URL for Bolt / WebClient `slackApiUrl`; ends with `/api/`. */
  apiUrl: string;
  calls: SlackCall[];
  responses: SlackResponsePost[];
  callsTo(method: string): SlackCall[];
  /** Forgets recorded calls, responses and pending failures. */
  reset(): void;
  failNext(method: string, how: FailHow, times?: number): void;
  /**
   * Holds the next call to `method` unanswered until `release()`; `arrived` resolves when it comes in.
   * For races such as stopping the bot while `apps.connections.open` is in flight.
   */
  hold(method: string): { arrived: Promise<void>; release(): void };
  /** A fresh `response_url` served by this fake; POSTs to it land in `responses`. */
  responseUrl(id?: string): string;
  responsesTo(id: string): SlackResponsePost[];
  waitFor<T>(pick: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface FakeSlackOptions {
  /** usergroup id → member user ids, answered by `usergroups.users.list`. */
  usergroups?: Record<string, string[]>;
  /**
   * Socket Mode: `apps.connections.open` answers a one-time URL of this endpoint, when called with
   * `appToken` in the Authorization header (Slack refuses the token as a POST parameter).
   */
  socketMode?: { endpoint: FakeSocketMode; appToken: string };
  /** The workspace's bot token: any other `xoxb-` token is refused with `invalid_auth`, as Slack does. */
  botToken?: string;
}

/**
 * Form-encoded calls carry every non-scalar argument as a JSON string (WebClient.serializeBody). These
 * are the arguments that hold structures; parsing only these keeps a `text` like "[1]" a string.
 */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks']);

/**
 * The arguments of a Web API call as Slack reads them (query, form or JSON body). A structured field
 * holding malformed JSON is handed to `onMalformed` (the demo answers `invalid_<field>` like Slack); by
 * default it is left as the string the client sent, so a test sees it.
 */
export function parseArgs(
  req: http.IncomingMessage,
  body: Buffer,
  query: URLSearchParams,
  onMalformed: (field: string) => void = () => undefined,
): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(query);
  const text = body.toString('utf8');
  if (text === '') return args;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    return { ...args, ...(JSON.parse(text) as Record<string, unknown>) };
  }
  for (const [key, value] of new URLSearchParams(text)) {
    args[key] = value;
  }
  for (const key of JSON_FIELDS) {
    const value = args[key];
    if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
      try {
        args[key] = JSON.parse(value);
      } catch {
        onMalformed(key);
      }
    }
  }
  return args;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const usergroups = opts.usergroups ?? {};
  const calls: SlackCall[] = [];
  const responses: SlackResponsePost[] = [];
  const failures = new Map<string, Array<{ how: FailHow; left: number }>>();
  const holds = new Map<string, Array<{ arrived: () => void; released: Promise<void> }>>();
  let tsCounter = 0;
  let viewCounter = 0;

  // Slack message timestamps are "<unix seconds>.<6 digits>", unique per channel and increasing.
  const nextTs = (): string => {
    tsCounter += 1;
    const seconds = 1_700_000_000 + Math.floor(tsCounter / 10_000);
    return `${seconds}.${String((tsCounter % 10_000) * 100).padStart(6, '0')}`;
  };

  const takeFailure = (method: string): FailHow | undefined => {
    const queue = failures.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.left -= 1;
    if (head.left <= 0) queue.shift();
    return head.how;
  };

  const answer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const channel = args.channel;
    switch (method) {
      case 'chat.postMessage': {
        const ts = nextTs();
        const { channel: _c, token: _t, ...message } = args;
        return {
          ok: true,
          channel,
          ts,
          message: { type: 'message', user: 'UBOT', bot_id: 'BBOT', ...message, ts },
        };
      }
      case 'chat.update': {
        const { channel: _c, token: _t, ...message } = args;
        return { ok: true, channel, ts: args.ts, text: args.text, message: { ...message } };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.getPermalink': {
        const ts = String(args.message_ts ?? '');
        return {
          ok: true,
          channel,
          permalink: `https://example.slack.com/archives/${String(channel)}/p${ts.replace('.', '')}`,
        };
      }
      case 'views.open':
      case 'views.update':
      case 'views.push': {
        viewCounter += 1;
        const view = typeof args.view === 'object' && args.view !== null ? args.view : {};
        // views.update keeps the id of the view it replaces
        const id =
          method === 'views.update' && typeof args.view_id === 'string'
            ? args.view_id
            : `V${String(viewCounter).padStart(8, '0')}`;
        return { ok: true, view: { id, ...view } };
      }
      case 'usergroups.users.list': {
        const users = usergroups[String(args.usergroup)];
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'apps.connections.open':
        return { ok: true, url: opts.socketMode?.endpoint.openUrl() };
      case 'auth.test':
        return {
          ok: true,
          url: 'https://example.slack.com/',
          team: 'Example',
          team_id: 'T1',
          user: 'rollback-bot',
          user_id: 'UBOT',
          bot_id: 'BBOT',
        };
      case 'conversations.info': {
        const id = String(channel ?? '');
        return {
          ok: true,
          channel: {
            id,
            name: `channel-${id.toLowerCase()}`,
            is_channel: true,
            is_private: false,
            is_archived: false,
            is_member: true,
          },
        };
      }
      default:
        return { ok: true };
    }
  };

  /**
   * Slack's token rules for the methods this fake knows: `apps.connections.open` takes only the app-level
   * token, and only in the Authorization header; an app-level token is good for nothing else.
   */
  const tokenRefusal = (method: string, auth: string | undefined, token: string | undefined) => {
    if (method === 'apps.connections.open') {
      if (!opts.socketMode)
        throw new Error('fake Slack: apps.connections.open called without a socketMode endpoint');
      if (!auth?.startsWith('Bearer ')) return 'not_authed';
      if (!token?.startsWith('xapp-')) return 'not_allowed_token_type';
      if (token !== opts.socketMode.appToken) return 'invalid_auth';
      return undefined;
    }
    if (token?.startsWith('xapp-')) return 'not_allowed_token_type';
    if (opts.botToken && token !== opts.botToken) return token ? 'invalid_auth' : 'not_authed';
    return undefined;
  };

  const server = await startHttpServer(async (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const at = Date.now();

    if (url.pathname.startsWith('/response/')) {
      const id = decodeURIComponent(url.pathname.slice('/response/'.length));
      const text = body.toString('utf8');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Slack only accepts JSON here; keep the raw text so a test can see what was wrong
      }
      responses.push({ id, body: parsed, at });
      sendJson(res, 200, { ok: true });
      return;
    }

    if (!url.pathname.startsWith('/api/')) {
      sendJson(res, 404, { ok: false, error: 'unknown_path' });
      return;
    }
    const method = url.pathname.slice('/api/'.length);
    const args = parseArgs(req, body, url.searchParams);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ')
      ? auth.slice('Bearer '.length)
      : (args.token as string | undefined);
    const call: SlackCall = { method, args, at };
    if (token !== undefined) call.token = token;
    calls.push(call);

    const hold = holds.get(method)?.shift();
    if (hold) {
      hold.arrived();
      await hold.released;
    }

    const failure = takeFailure(method);
    if (failure?.status !== undefined) {
      res.writeHead(failure.status, { 'content-type': 'text/plain' });
      res.end(`injected failure ${failure.status}`);
      return;
    }
    if (failure?.error !== undefined) {
      sendJson(res, 200, { ok: false, error: failure.error });
      return;
    }
    const refusal = tokenRefusal(method, auth, token);
    if (refusal) {
      sendJson(res, 200, { ok: false, error: refusal });
      return;
    }
    sendJson(res, 200, answer(method, args));
  });

  const fake: FakeSlack = {
    url: server.url,
    apiUrl: `${server.url}/api/`,
    calls,
    responses,
    callsTo: (method) => calls.filter((c) => c.method === method),
    reset() {
      // keep the same array objects: tests may hold references to fake.calls
      calls.length = 0;
      responses.length = 0;
      failures.clear();
    },
    failNext(method, how, times = 1) {
      const queue = failures.get(method) ?? [];
      queue.push({ how, left: times });
      failures.set(method, queue);
    },
    hold(method) {
      let arrived!: () => void;
      let release!: () => void;
      const arrivedPromise = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const queue = holds.get(method) ?? [];
      queue.push({ arrived, released });
      holds.set(method, queue);
      return { arrived: arrivedPromise, release };
    },
    responseUrl: (id = randomUUID()) => `${server.url}/response/${encodeURIComponent(id)}`,
    responsesTo: (id) => responses.filter((r) => r.id === id),
    async waitFor<T>(pick: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      for (;;) {
        try {
          const value = pick();
          if (value) return value;
        } catch (err) {
          // a pick that indexes into a not-yet-recorded call throws; treat it as "not yet"
          lastError = err;
        }
        if (Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const recent = {
        calls: calls.slice(-10).map(({ method, args }) => ({ method, args })),
        responses: responses.slice(-10).map(({ id, body }) => ({ id, body })),
      };
      const cause = lastError instanceof Error ? ` (last pick error: ${lastError.message})` : '';
      throw new Error(
        `fake Slack: condition not met within ${timeoutMs} ms${cause}. Last calls and responses:\n${JSON.stringify(recent, null, 2)}`,
      );
    },
    close: () => server.close(),
  };
  return fake;
}
