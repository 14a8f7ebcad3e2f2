/**
 * A local stand-in for Slack's Socket Mode endpoint (https://api.slack.com/apis/socket-mode), for the
 * bot's real socket-mode client. The fake Slack Web API answers `apps.connections.open` with a one-time
 * URL from `openUrl()`; a client that connects with it gets `hello`, then whatever envelopes the test
 * delivers. Every frame the client sends back is recorded: acknowledgements (`{ envelope_id, payload }`)
 * in `acks`, anything else in `unexpected`.
 *
 * Shapes follow Slack's documented protocol:
 * - `hello`: `{ type, num_connections, connection_info: { app_id }, debug_info: { host, started,
 *   build_number, approximate_connection_time } }`
 * - envelopes: `{ envelope_id, type, payload, accepts_response_payload }`, where `type` is
 *   `slash_commands` or `interactive` (accepts a response payload) or `events_api` (does not, and also
 *   carries `retry_attempt` and `retry_reason`: 0 and "" on the first delivery)
 * - `disconnect`: `{ type, reason, debug_info: { host } }`, reason `refresh_requested`, `warning` (sent
 *   about 10 s before Slack closes the socket) or `link_disabled` (Socket Mode turned off)
 * A ticket works once; connecting with an unknown or used one is refused (HTTP 401), as Slack does.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { startHttpServer } from './http.js';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';
export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

export interface SocketConnection {
  /** 1-based, in the order the connections opened. */
  readonly id: number;
  readonly ticket: string;
  readonly openedAt: number;
  closedAt?: number;
  /** The close code the server saw: 1000 when the client closed normally, 1006 when the link dropped. */
  closeCode?: number;
  /** Disconnect messages sent on this connection, in order. */
  readonly disconnects: DisconnectReason[];
}

export interface Delivery {
  readonly envelopeId: string;
  readonly type: EnvelopeType;
  readonly connection: number;
  /** The whole frame as sent. */
  readonly frame: Record<string, unknown>;
  readonly at: number;
}

export interface Ack {
  readonly envelopeId: string;
  /** What the client put in `payload` (Bolt sends `{}` for a bare ack()). */
  // biome-ignore lint/suspicious/noExplicitAny: tests dig into whatever Bolt's ack() sent
  readonly payload: any;
  readonly connection: number;
  readonly at: number;
  /** Time from the delivery of that envelope (the last one with this id) to this ack. */
  readonly ms: number;
}

export interface DeliverOptions {
  /** Defaults to a fresh UUID; give the same one again to model Slack redelivering an envelope. */
  envelopeId?: string;
  /** `events_api` only: Slack's retry counter (0 on the first delivery) and reason (e.g. `timeout`). */
  retryAttempt?: number;
  retryReason?: string;
  /** Which connection to use (default: the newest open one). */
  connection?: number;
}

export interface FakeSocketMode {
  /** `ws://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  appId: string;
  /** Issues a one-time WebSocket URL, as `apps.connections.open` does. */
  openUrl(): string;
  /** URLs issued so far. */
  issued: string[];
  connections: SocketConnection[];
  deliveries: Delivery[];
  acks: Ack[];
  /** Text frames from the client that were not acknowledgements (should stay empty). */
  unexpected: string[];
  /** Upgrade attempts refused (unknown, reused or missing ticket). */
  refused: string[];
  openConnections(): SocketConnection[];
  /** Waits until the n-th connection (1-based) has opened and been sent `hello`. */
  waitForConnection(n: number, timeoutMs?: number): Promise<SocketConnection>;
  /** Waits until that connection has closed. */
  waitForClose(id: number, timeoutMs?: number): Promise<SocketConnection>;
  /** Sends an envelope; returns its envelope_id. Throws when no connection is open. */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, options?: DeliverOptions): string;
  acksFor(envelopeId: string): Ack[];
  /**
   * Waits for the `nth` (default 1st) acknowledgement of an envelope: an envelope delivered again is
   * acknowledged again. Slack's own deadline is 3 s, so is the default timeout.
   */
  waitForAck(envelopeId: string, options?: { nth?: number; timeoutMs?: number }): Promise<Ack>;
  /**
   * Sends `disconnect` on a connection (default: the newest open one). With `closeAfterMs` the server
   * also closes that socket after that long if the client has not (Slack closes it ~10 s after a warning).
   */
  disconnect(reason: DisconnectReason, options?: { connection?: number; closeAfterMs?: number }): void;
  /** Cuts a connection (default: the newest open one) without a close frame, like a network failure. */
  drop(connection?: number): void;
  /** Cuts every open connection and stops listening; safe to call twice. */
  close(): Promise<void>;
}

export interface FakeSocketModeOptions {
  appId?: string;
}

async function waitUntil<T>(what: string, pick: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = pick();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`fake Socket Mode: ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function startFakeSocketMode(opts: FakeSocketModeOptions = {}): Promise<FakeSocketMode> {
  const appId = opts.appId ?? 'A1';
  const tickets = new Set<string>();
  const issued: string[] = [];
  const connections: SocketConnection[] = [];
  const deliveries: Delivery[] = [];
  const acks: Ack[] = [];
  const unexpected: string[] = [];
  const refused: string[] = [];
  const sockets = new Map<number, WebSocket>();
  const timers = new Set<NodeJS.Timeout>();
  const host = 'applink-fake-1';

  // Plain HTTP requests to this server are not part of the protocol.
  const http = await startHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('upgrade required');
  });
  const wss = new WebSocketServer({ noServer: true });
  const url = http.url.replace(/^http:/, 'ws:');

  const refuse = (socket: Duplex, why: string): void => {
    refused.push(why);
    socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  };

  http.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const requested = new URL(req.url ?? '/', 'http://localhost');
    const ticket = requested.searchParams.get('ticket') ?? '';
    if (requested.pathname !== '/link/' || !tickets.delete(ticket)) {
      refuse(socket, req.url ?? '');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, ticket));
  });

  const accept = (ws: WebSocket, ticket: string): void => {
    const connection: SocketConnection = {
      id: connections.length + 1,
      ticket,
      openedAt: Date.now(),
      disconnects: [],
    };
    connections.push(connection);
    sockets.set(connection.id, ws);
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      let frame: unknown;
      try {
        frame = isBinary ? undefined : JSON.parse(text);
      } catch {
        frame = undefined;
      }
      const envelopeId =
        frame && typeof frame === 'object' ? (frame as { envelope_id?: unknown }).envelope_id : undefined;
      if (typeof envelopeId !== 'string') {
        unexpected.push(text);
        return;
      }
      const at = Date.now();
      const delivered = deliveries.filter((d) => d.envelopeId === envelopeId).at(-1);
      acks.push({
        envelopeId,
        payload: (frame as { payload?: unknown }).payload,
        connection: connection.id,
        at,
        ms: delivered ? at - delivered.at : Number.NaN,
      });
    });
    ws.on('close', (code) => {
      connection.closedAt = Date.now();
      connection.closeCode = code;
      sockets.delete(connection.id);
    });
    ws.on('error', () => {
      // a dropped link surfaces as close (1006); nothing else to record
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: sockets.size,
        connection_info: { app_id: appId },
        debug_info: {
          host,
          started: new Date(connection.openedAt).toISOString().replace('T', ' ').slice(0, 23),
          build_number: 1,
          approximate_connection_time: 18060,
        },
      }),
    );
  };

  const socketFor = (id: number | undefined): { ws: WebSocket; connection: SocketConnection } => {
    const open = connections.filter((c) => sockets.has(c.id));
    const connection = id === undefined ? open.at(-1) : open.find((c) => c.id === id);
    const ws = connection && sockets.get(connection.id);
    if (!connection || !ws) {
      throw new Error(
        `fake Socket Mode: no open connection${id === undefined ? '' : ` ${id}`} (connections: ${JSON.stringify(connections)})`,
      );
    }
    return { ws, connection };
  };

  let closing: Promise<void> | undefined;
  const fake: FakeSocketMode = {
    url,
    appId,
    openUrl() {
      const ticket = randomUUID();
      tickets.add(ticket);
      const link = `${url}/link/?ticket=${ticket}&app_id=${appId}`;
      issued.push(link);
      return link;
    },
    issued,
    connections,
    deliveries,
    acks,
    unexpected,
    refused,
    openConnections: () => connections.filter((c) => sockets.has(c.id)),
    waitForConnection: (n, timeoutMs = 5000) =>
      waitUntil(`connection ${n} did not open`, () => connections[n - 1], timeoutMs),
    waitForClose: (id, timeoutMs = 5000) =>
      waitUntil(
        `connection ${id} did not close`,
        () => connections.find((c) => c.id === id && c.closedAt !== undefined),
        timeoutMs,
      ),
    deliver(type, payload, options = {}) {
      const { ws, connection } = socketFor(options.connection);
      const envelopeId = options.envelopeId ?? randomUUID();
      const frame: Record<string, unknown> = {
        envelope_id: envelopeId,
        payload,
        type,
        accepts_response_payload: type !== 'events_api',
      };
      if (type === 'events_api') {
        frame.retry_attempt = options.retryAttempt ?? 0;
        frame.retry_reason = options.retryReason ?? '';
      }
      deliveries.push({ envelopeId, type, connection: connection.id, frame, at: Date.now() });
      ws.send(JSON.stringify(frame));
      return envelopeId;
    },
    acksFor: (envelopeId) => acks.filter((a) => a.envelopeId === envelopeId),
    waitForAck: (envelopeId, { nth = 1, timeoutMs = 3000 } = {}) =>
      waitUntil(
        `no acknowledgement ${nth} of envelope ${envelopeId}`,
        () => acks.filter((a) => a.envelopeId === envelopeId)[nth - 1],
        timeoutMs,
      ),
    disconnect(reason, options = {}) {
      const { ws, connection } = socketFor(options.connection);
      connection.disconnects.push(reason);
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host } }));
      if (options.closeAfterMs !== undefined) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (sockets.has(connection.id)) ws.close(1001, 'going away');
        }, options.closeAfterMs);
        timers.add(timer);
      }
    },
    drop(connection) {
      socketFor(connection).ws.terminate();
    },
    close() {
      closing ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const ws of sockets.values()) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await http.close();
      })();
      return closing;
    },
  };
  return fake;
}
