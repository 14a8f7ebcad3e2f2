/**
 * Proves the fake Socket Mode endpoint (and `apps.connections.open` on the fake Slack) behave as Slack
 * documents, with a raw WebSocket and with the real socket-mode client Bolt uses. If one of these fails,
 * fix the fake before trusting the Socket Mode tests built on it.
 */
import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { boltLogger } from '../../src/slack/boltLogger.js';
import { silentLogger } from '../../src/support/log.js';
import { type FakeSlack, startFakeSlack } from '../../world/slack/fake.js';
import { type FakeSocketMode, startFakeSocketMode } from '../../world/socketMode.js';

const APP_TOKEN = 'xapp-1-A1-1-fake';

let endpoint: FakeSocketMode;
let slack: FakeSlack;
const cleanups: Array<() => Promise<unknown>> = [];

async function start(): Promise<void> {
  endpoint = await startFakeSocketMode();
  slack = await startFakeSlack({ socketMode: { endpoint, appToken: APP_TOKEN } });
  cleanups.push(
    () => endpoint.close(),
    () => slack.close(),
  );
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openConnection(headers: Record<string, string>, body = ''): Promise<Record<string, unknown>> {
  const res = await fetch(`${slack.apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** A raw client: connects, collects every frame. */
async function rawClient(url: string): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>> }> {
  const ws = new WebSocket(url);
  const frames: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  cleanups.push(async () => ws.terminate());
  return { ws, frames };
}

const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within 3 s: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('apps.connections.open on the fake Slack', () => {
  it('answers a one-time ws:// URL to the app-level token in the Authorization header, and refuses the rest', async () => {
    await start();
    const opened = await openConnection({ authorization: `Bearer ${APP_TOKEN}` });
    expect(opened.ok).toBe(true);
    expect(String(opened.url)).toMatch(
      new RegExp(`^${endpoint.url}/link/\\?ticket=[0-9a-f-]{36}&app_id=A1$`.replace(/\//g, '\\/')),
    );
    expect(String(opened.url)).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);

    // Slack: "pass this token in the HTTP Authorization header; passing it as a POST parameter will
    // result in an error". A bot token is the wrong type; an unknown app token is invalid.
    expect(await openConnection({}, `token=${APP_TOKEN}`)).toEqual({ ok: false, error: 'not_authed' });
    expect(await openConnection({})).toEqual({ ok: false, error: 'not_authed' });
    expect(await openConnection({ authorization: 'Bearer xoxb-bot-token' })).toEqual({
      ok: false,
      error: 'not_allowed_token_type',
    });
    expect(await openConnection({ authorization: 'Bearer xapp-1-A1-1-other' })).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect(endpoint.issued).toHaveLength(1);
    // An app-level token is good for nothing but apps.connections.open.
    const post = await fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C1', text: 'hi' }),
    });
    expect(await post.json()).toEqual({ ok: false, error: 'not_allowed_token_type' });
  });
});

describe('the fake Socket Mode endpoint, raw', () => {
  it('says hello, frames envelopes as Slack documents, records acks, and takes each ticket once', async () => {
    await start();
    const { url } = (await openConnection({ authorization: `Bearer ${APP_TOKEN}` })) as { url: string };
    const { ws, frames } = await rawClient(url);
    await until(() => frames.length === 1, 'hello');
    expect(frames[0]).toMatchObject({
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: 'A1' },
      debug_info: { host: expect.any(String), build_number: expect.any(Number) },
    });
    expect(frames[0]?.debug_info).toHaveProperty('approximate_connection_time');

    const command = endpoint.deliver('slash_commands', { command: '/rollback', text: 'help' });
    const event = endpoint.deliver(
      'events_api',
      { type: 'event_callback', event: { type: 'message' } },
      { retryAttempt: 2, retryReason: 'timeout' },
    );
    const first = endpoint.deliver('events_api', { type: 'event_callback', event: { type: 'message' } });
    await until(() => frames.length === 4, 'three envelopes');
    expect(frames[1]).toEqual({
      envelope_id: command,
      type: 'slash_commands',
      payload: { command: '/rollback', text: 'help' },
      accepts_response_payload: true,
    });
    expect(frames[2]).toMatchObject({
      envelope_id: event,
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 2,
      retry_reason: 'timeout',
    });
    expect(frames[3]).toMatchObject({ envelope_id: first, retry_attempt: 0, retry_reason: '' });

    ws.send(JSON.stringify({ envelope_id: command, payload: { text: 'usage' } }));
    ws.send(JSON.stringify({ hello: 'not an ack' }));
    const ack = await endpoint.waitForAck(command);
    expect(ack).toMatchObject({ envelopeId: command, payload: { text: 'usage' }, connection: 1 });
    expect(ack.ms).toBeGreaterThanOrEqual(0);
    await until(() => endpoint.unexpected.length === 1, 'the stray frame');
    expect(endpoint.acksFor(event)).toEqual([]);
    await expect(endpoint.waitForAck(event, { timeoutMs: 50 })).rejects.toThrow(/no acknowledgement/);

    // The ticket is spent: Slack refuses a second connection with the same URL.
    await expect(rawClient(url)).rejects.toThrow(/401/);
    expect(endpoint.refused).toHaveLength(1);
    expect(endpoint.connections).toHaveLength(1);
  });

  it('sends disconnect with its reason, closes after closeAfterMs if the client does not, and can drop a link', async () => {
    await start();
    const first = await rawClient(endpoint.openUrl());
    await endpoint.waitForConnection(1);
    endpoint.disconnect('warning', { closeAfterMs: 50 });
    await until(() => first.frames.length === 2, 'disconnect');
    expect(first.frames[1]).toEqual({
      type: 'disconnect',
      reason: 'warning',
      debug_info: { host: expect.any(String) },
    });
    expect((await endpoint.waitForClose(1)).closeCode).toBe(1001);
    expect(endpoint.connections[0]?.disconnects).toEqual(['warning']);

    await rawClient(endpoint.openUrl());
    await endpoint.waitForConnection(2);
    endpoint.drop();
    expect((await endpoint.waitForClose(2)).closeCode).toBe(1006);
    expect(() => endpoint.deliver('interactive', {})).toThrow(/no open connection/);
  });
});

describe('the fake Socket Mode endpoint, with the real socket-mode client', () => {
  function client(): SocketModeClient {
    const c = new SocketModeClient({
      appToken: APP_TOKEN,
      // The client logs the dropped link at error level; the test asserts on it instead.
      logger: boltLogger(silentLogger, LogLevel.ERROR),
      // Also the reconnect delay; low, but never so low a busy machine misses a pong.
      clientPingTimeout: 1000,
      clientOptions: { slackApiUrl: slack.apiUrl },
    });
    cleanups.push(() => c.disconnect());
    return c;
  }

  it('connects, acks with the payload it was given, and reconnects after disconnect or a drop', async () => {
    await start();
    const c = client();
    const received: Array<{ retry_num?: number; retry_reason?: string }> = [];
    c.on('slash_commands', async ({ ack }) => ack({ response_type: 'ephemeral', text: 'usage' }));
    c.on('message', async ({ ack, retry_num, retry_reason }) => {
      received.push({ retry_num, retry_reason });
      await ack();
    });
    await c.start();
    expect(slack.callsTo('apps.connections.open').map((call) => call.token)).toEqual([APP_TOKEN]);

    const command = endpoint.deliver('slash_commands', { command: '/rollback', text: 'help' });
    expect((await endpoint.waitForAck(command)).payload).toEqual({
      response_type: 'ephemeral',
      text: 'usage',
    });
    const event = endpoint.deliver(
      'events_api',
      { type: 'event_callback', event: { type: 'message' } },
      { retryAttempt: 1, retryReason: 'timeout' },
    );
    expect((await endpoint.waitForAck(event)).payload).toEqual({});
    expect(received).toEqual([{ retry_num: 1, retry_reason: 'timeout' }]);

    endpoint.disconnect('refresh_requested');
    expect((await endpoint.waitForClose(1)).closeCode).toBe(1000); // the client closes it
    await endpoint.waitForConnection(2);
    endpoint.drop();
    await endpoint.waitForConnection(3);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(3);
    const again = endpoint.deliver('slash_commands', { command: '/rollback', text: 'help' });
    expect((await endpoint.waitForAck(again)).connection).toBe(3);
    expect(endpoint.unexpected).toEqual([]);
  });
});
