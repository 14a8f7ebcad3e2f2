/**
 * The local Slack: the Web API (`/api/<method>`) and response URLs (`/response/<id>`) over one
 * workspace (workspace.ts, webApi.ts). The bot's real WebClient (or Bolt's) is pointed at `apiUrl`.
 * Every call and response post is recorded so tests assert on what the bot said; failures and delays
 * can be injected per method. Tests run it lenient (any channel, trigger or ts a test made up is
 * taken); the demo runs it strict, with its people and channels, and shows the workspace in its page.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { sendJson, startHttpServer } from '../http.js';
import type { FakeSocketMode } from '../socketMode.js';
import { parseArgs } from './args.js';
import { type SlackIdentity, TEST_IDENTITY } from './identity.js';
import { createWebApi } from './webApi.js';
import { type Channel, SlackApiError, type SlackUser, type UserGroup, Workspace } from './workspace.js';

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
  /** What people see: channels, messages, modals (the demo's page draws it). */
  workspace: Workspace;
  identity: SlackIdentity;
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
  /** usergroup id → member user ids (or named groups), answered by `usergroups.users.list`. */
  usergroups?: Record<string, string[]> | readonly UserGroup[];
  users?: readonly SlackUser[];
  /** The workspace's channels; with `strict`, no other channel exists. */
  channels?: readonly Channel[];
  /** Slack's own checks on what the bot names (see WorkspaceOptions.lenient); default: lenient. */
  strict?: boolean;
  /** Who the bot and its team are (default TEST_IDENTITY). */
  identity?: SlackIdentity;
  /** Base URL of permalinks (default `https://<domain>.slack.com`). */
  pageUrl?: () => string;
  /** Workspace clock (message timestamps, trigger and response URL expiry). */
  now?: () => number;
  triggerTtlMs?: number;
  /**
   * Socket Mode: `apps.connections.open` answers a one-time URL of this endpoint, when called with
   * `appToken` in the Authorization header (Slack refuses the token as a POST parameter).
   */
  socketMode?: { endpoint: FakeSocketMode; appToken: string };
  /** The workspace's bot token: any other `xoxb-` token is refused with `invalid_auth`, as Slack does. */
  botToken?: string;
  /** Called when the answer to a Web API call has been written. */
  onAnswered?: (method: string) => void;
  /** Keep a record of calls and response posts (default true; a long-running demo turns it off). */
  record?: boolean;
}

const namedGroups = (groups: FakeSlackOptions['usergroups']): UserGroup[] =>
  Array.isArray(groups)
    ? [...groups]
    : Object.entries(groups ?? {}).map(([id, members]) => ({ id, handle: id, name: id, members }));

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const identity = opts.identity ?? TEST_IDENTITY;
  const workspace = new Workspace({
    users: opts.users,
    usergroups: namedGroups(opts.usergroups),
    channels: opts.channels,
    now: opts.now,
    triggerTtlMs: opts.triggerTtlMs,
    lenient: !opts.strict,
  });
  const record = opts.record ?? true;
  const calls: SlackCall[] = [];
  const responses: SlackResponsePost[] = [];
  const failures = new Map<string, Array<{ how: FailHow; left: number }>>();
  const holds = new Map<string, Array<{ arrived: () => void; released: Promise<void> }>>();
  let url = '';
  const webApi = createWebApi(workspace, {
    ...identity,
    pageUrl: opts.pageUrl ?? (() => `https://${identity.team.domain}.slack.com`),
    socketUrl: opts.socketMode ? () => opts.socketMode?.endpoint.openUrl() ?? '' : undefined,
  });

  const takeFailure = (method: string): FailHow | undefined => {
    const queue = failures.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.left -= 1;
    if (head.left <= 0) queue.shift();
    return head.how;
  };

  /**
   * Slack's token rules: `apps.connections.open` takes only the app-level token, and only in the
   * Authorization header; an app-level token is good for nothing else.
   */
  const tokenRefusal = (method: string, auth: string | undefined, token: string | undefined) => {
    if (method === 'apps.connections.open' && opts.socketMode) {
      if (!auth?.startsWith('Bearer ')) return 'not_authed';
      if (!token?.startsWith('xapp-')) return 'not_allowed_token_type';
      if (token !== opts.socketMode.appToken) return 'invalid_auth';
      return undefined;
    }
    if (token?.startsWith('xapp-')) return 'not_allowed_token_type';
    if (opts.botToken && token !== opts.botToken) return token ? 'invalid_auth' : 'not_authed';
    return undefined;
  };

  function responsePost(id: string, body: Buffer, res: http.ServerResponse): void {
    const text = body.toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Slack only accepts JSON here; keep the raw text so a test can see what was wrong
    }
    if (record) responses.push({ id, body: parsed, at: Date.now() });
    // A test's own response URLs (responseUrl()) are only recorded; the workspace's own are acted on.
    if (!workspace.hasResponseUrl(id)) {
      if (workspace.lenient) sendJson(res, 200, { ok: true });
      else sendJson(res, 404, { ok: false, error: 'no_such_url' });
      return;
    }
    const message = text === '' ? {} : parsed;
    if (typeof message !== 'object' || message === null) {
      sendJson(res, 400, { ok: false, error: 'invalid_payload' });
      return;
    }
    try {
      webApi.respond(id, message as Record<string, unknown>);
      sendJson(res, 200, { ok: true });
    } catch (err) {
      if (!(err instanceof SlackApiError)) throw err;
      sendJson(res, 404, { ok: false, error: err.code });
    }
  }

  async function apiCall(method: string, req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    let args: Record<string, unknown>;
    try {
      args = parseArgs(req, body, query, (field) => {
        if (!workspace.lenient) throw new SlackApiError(`invalid_${field}`);
      });
    } catch (err) {
      sendJson(res, 200, { ok: false, error: err instanceof SlackApiError ? err.code : 'invalid_arguments' });
      return;
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ')
      ? auth.slice('Bearer '.length)
      : (args.token as string | undefined);
    const call: SlackCall = { method, args, at: Date.now() };
    if (token !== undefined) call.token = token;
    if (record) calls.push(call);

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
    const { token: _token, ...callArgs } = args;
    res.once('finish', () => opts.onAnswered?.(method));
    try {
      sendJson(res, 200, { ok: true, ...webApi.call(method, callArgs) });
    } catch (err) {
      if (!(err instanceof SlackApiError)) throw err;
      sendJson(res, 200, {
        ok: false,
        error: err.code,
        ...(err.messages ? { response_metadata: { messages: err.messages } } : {}),
      });
    }
  }

  const server = await startHttpServer(async (req, res, body) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname.startsWith('/response/')) {
      responsePost(decodeURIComponent(pathname.slice('/response/'.length)), body, res);
    } else if (pathname.startsWith('/api/')) {
      await apiCall(pathname.slice('/api/'.length), req, res, body);
    } else {
      sendJson(res, 404, { ok: false, error: 'unknown_path' });
    }
  });
  url = server.url;

  return {
    url,
    apiUrl: `${url}/api/`,
    workspace,
    identity,
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
    responseUrl: (id = randomUUID()) => `${url}/response/${encodeURIComponent(id)}`,
    responsesTo: (id) => responses.filter((r) => r.id === id),
    waitFor: (pick, timeoutMs = 5000) => waitFor(pick, timeoutMs, { calls, responses }),
    close: () => server.close(),
  };
}

async function waitFor<T>(
  pick: () => T | undefined | null | false,
  timeoutMs: number,
  seen: { calls: SlackCall[]; responses: SlackResponsePost[] },
): Promise<T> {
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
    calls: seen.calls.slice(-10).map(({ method, args }) => ({ method, args })),
    responses: seen.responses.slice(-10).map(({ id, body }) => ({ id, body })),
  };
  const cause = lastError instanceof Error ? ` (last pick error: ${lastError.message})` : '';
  throw new Error(
    `fake Slack: condition not met within ${timeoutMs} ms${cause}. Last calls and responses:\n${JSON.stringify(recent, null, 2)}`,
  );
}
