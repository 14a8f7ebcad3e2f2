/**
 * The bot in Socket Mode (SLACK_APP_TOKEN set), end to end: the real Bolt SocketModeReceiver gets its
 * WebSocket URL from the fake Slack API at SLACK_API_URL and receives envelopes from the fake Socket
 * Mode endpoint; everything else (GitHub, S3, healthchecks, response_url) is the same local fakes as in
 * HTTP mode.
 */
import { createHook } from 'node:async_hooks';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { helpMessage } from '../../src/slack/blocks/help.js';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { REQUEST_MODAL } from '../../src/slack/blocks/requestModal.js';
import { readFixture } from '../../world/fixtures.js';
import { signSns } from '../../world/snsSign.js';
import { closedEvent, sendWebhook } from '../support/github.js';
import {
  ALARM,
  ALERT_CHANNEL,
  APP_TOKEN,
  type Harness,
  REPO,
  USERS,
  useHarness,
} from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { postedCard, pulls, settle, threadReplies, until } from '../workflows/support.js';

const start = useHarness();
const SECRET = 'webhook-secret';

// Every HTTP call the bot makes through fetch (Slack's WebClient and respond(), octokit, healthchecks)
// is seen here. The clients take globalThis.fetch when they are built, so this is installed first.
const fetchSpy = vi.spyOn(globalThis, 'fetch');
// A braced body: a function returned from beforeEach would be run as its teardown.
beforeEach(() => {
  fetchSpy.mockClear();
});
afterAll(() => fetchSpy.mockRestore());

function outboundUrls(): string[] {
  return fetchSpy.mock.calls.map(([input]) => (input instanceof Request ? input.url : String(input)));
}

/** Every call the bot made went to a fake on 127.0.0.1, Slack calls with the right token for each. */
function expectOnlyLocalFakes(h: Harness): void {
  const urls = outboundUrls();
  expect(urls.length).toBeGreaterThan(0);
  expect(urls.filter((u) => !u.startsWith('http://127.0.0.1:'))).toEqual([]);
  for (const call of h.slack.calls) {
    expect(call.token, call.method).toBe(
      call.method === 'apps.connections.open' ? APP_TOKEN : 'xoxb-test-token',
    );
  }
  expect(h.socket.endpoint.refused).toEqual([]);
  expect(h.socket.endpoint.unexpected).toEqual([]);
}

async function readyz(h: Harness): Promise<{ status: number; socket: { ok: boolean; detail: string } }> {
  const res = await fetch(`${h.url}/readyz`);
  const body = (await res.json()) as { checks: Array<{ name: string; ok: boolean; detail: string }> };
  const socket = body.checks.find((c) => c.name === 'slack socket mode');
  if (!socket) throw new Error(`no socket check in ${JSON.stringify(body)}`);
  return { status: res.status, socket };
}

const responseOf = (h: Harness, id: string) => h.slack.waitFor(() => h.slack.responsesTo(id)[0]);

describe('connecting', () => {
  it('opens the connection through SLACK_API_URL with the app-level token, and nothing leaves the fakes', async () => {
    const h = await start({ socketMode: true });
    const opens = h.slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]?.token).toBe(APP_TOKEN);
    expect(h.socket.endpoint.connections).toHaveLength(1);
    expect(h.socket.endpoint.connections[0]?.ticket).toBe(
      new URL(h.socket.endpoint.issued[0] ?? '').searchParams.get('ticket'),
    );
    expect(outboundUrls()).toContain(`${h.slack.apiUrl}apps.connections.open`);
    expect(await readyz(h)).toEqual({
      status: 200,
      socket: {
        name: 'slack socket mode',
        required: true,
        ok: true,
        detail: expect.stringMatching(/^connected since \d{4}-/),
      },
    });
    // Slack does not post to /slack/events in Socket Mode, and the bot does not listen there.
    expect((await h.post('/slack/events', 'payload=%7B%7D')).status).toBe(404);
    expectOnlyLocalFakes(h);
  });
});

describe('slash commands as slash_commands envelopes', () => {
  it('/rollback status: acknowledged at once, answered through response_url', async () => {
    const h = await start({ socketMode: true });
    // A slow production healthcheck: the answer takes about a second; the ack must not wait for it.
    h.health.set('production', { delayMs: 3000, body: {} });
    const res = await h.socket.command('status');
    expect(res.ack.payload).toEqual({});
    expect(res.ack.ms).toBeLessThan(3000);
    const answer = await responseOf(h, res.responseId);
    expect(res.ack.at).toBeLessThan(answer.at);
    expect(answer.at - res.ack.at).toBeGreaterThan(500);
    expect(answer.body.response_type).toBe('in_channel');
    const text = textOf(answer.body);
    expect(text).toContain('*Configured on main:* `1.25.3` → CI deploys `1.25.3-3a4b5c6`');
    expect(text).toContain('`1.25.4-4b5c6d7`');
    expect(h.slack.responsesTo(res.responseId)).toHaveLength(1);
    expect(h.socket.endpoint.acksFor(res.envelopeId)).toHaveLength(1);
    expectOnlyLocalFakes(h);
  });

  it('/rollback help: answered in the acknowledgement itself, ephemerally, as in HTTP mode', async () => {
    const h = await start({ socketMode: true });
    const res = await h.socket.command('help');
    expect(res.ack.payload).toEqual({ response_type: 'ephemeral', ...helpMessage(['fpo-search']) });
    expect(textOf(res.ack.payload)).toContain('/rollback versions [service] [count]');
    const bad = await h.socket.command('frobnicate');
    expect(bad.ack.payload.response_type).toBe('ephemeral');
    expect(textOf(bad.ack.payload)).toContain('/rollback to <version|previous>');
    await settle(h);
    // Help is then completed with what this person may do (it needs Slack's word on who they are);
    // the usage error is only its ack.
    expect(h.slack.responses).toHaveLength(1);
    expect(textOf(h.slack.responses[0]?.body)).toContain('What you may do');
    // Beyond the connection: only the reads of who is asking (users.info, auth.test, user groups).
    const reads = new Set(['apps.connections.open', 'auth.test', 'users.info', 'usergroups.users.list']);
    expect(h.slack.calls.filter((c) => !reads.has(c.method))).toEqual([]);
  });
});

describe('a whole request over the socket', () => {
  it('/rollback to previous, Approve as an interactive envelope, one PR, "PR opened" in the thread, merge webhook on PORT', async () => {
    const h = await start({ socketMode: true, webhookSecret: SECRET, serviceToml: 'base_branch = "main"' });
    const before = h.slack.calls.length;
    const asked = await h.socket.command('to previous reason=PERFORMANCE_DEGRADATION p99 doubled');
    expect(asked.ack.payload).toEqual({});
    const confirmation = await responseOf(h, asked.responseId);
    expect(confirmation.body.response_type).toBe('ephemeral');
    expect(textOf(confirmation.body)).toMatch(/Request \*R-[0-9A-Z]{4}\* is posted/);
    const id = await postedCard(h, before);
    const request = await h.store.getRequest(id);
    expect(request).toMatchObject({
      state: 'pending',
      requester: USERS.alice,
      reason: 'PERFORMANCE_DEGRADATION',
    });
    const cardTs = request?.cardTs;
    expect(cardTs).toBeDefined();

    const approved = await h.socket.click(ACTIONS.approve, id, USERS.bob, undefined, { messageTs: cardTs });
    expect(approved.ack.payload).toEqual({});
    const [pr] = await h.slack.waitFor(() => pulls(h).length > 0 && pulls(h));
    await until(async () => (await h.store.getRequest(id))?.state === 'pr_open');
    // Wait for the reply itself (a fixed pause alone is too short on a busy machine), then for strays.
    const isOpened = (c: { args: Record<string, unknown> }) =>
      /PR opened: <http[^|]+\|#\d+>/.test(String(c.args.text));
    await h.slack.waitFor(() => h.slack.callsTo('chat.postMessage').some(isOpened));
    await settle(h);
    expect(pulls(h)).toHaveLength(1);
    expect(h.github.callCount({ method: 'POST', path: /\/pulls$/ })).toBe(1);
    expect(pr?.title).toBe('fix(model): roll back fpo-search to 1.25.0');
    expect((await h.store.getRequest(id))?.approvals.map((a) => a.user)).toEqual([USERS.bob]);

    const opened = h.slack.callsTo('chat.postMessage').filter(isOpened);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.args).toMatchObject({ channel: 'CROLLBACK1', thread_ts: cardTs });

    // GitHub's webhook still arrives over HTTP on PORT.
    h.github.mergePull(REPO, pr?.number ?? 0, 'bob');
    const delivered = await sendWebhook(
      h,
      'pull_request',
      closedEvent(REPO, pr ?? { number: 0 }, true),
      SECRET,
    );
    expect(delivered.status).toBe(200);
    await until(async () => (await h.store.getRequest(id))?.state === 'merged');
    await h.slack.waitFor(() => threadReplies(h).some((t) => t.includes('merged by bob')));
    await settle(h);
    expect(threadReplies(h).filter((t) => t.includes('merged by bob'))).toEqual([
      ':twisted_rightwards_arrows: PR #1 merged by bob. Watching the environments deployed from main.',
    ]);
    // Each envelope acknowledged once, on the one connection there was.
    expect(h.socket.endpoint.acks.map((a) => [a.envelopeId, a.connection])).toEqual([
      [asked.envelopeId, 1],
      [approved.envelopeId, 1],
    ]);
    expectOnlyLocalFakes(h);
  });
});

describe('the request modal over the socket', () => {
  it('/rollback alone opens it with the envelope trigger; submissions are interactive envelopes, errors answered in the ack', async () => {
    const h = await start({ socketMode: true });
    const asked = await h.socket.command('');
    expect(asked.ack.payload).toEqual({});
    const delivered = h.socket.endpoint.deliveries.find((d) => d.envelopeId === asked.envelopeId);
    const triggerId = (delivered?.frame.payload as { trigger_id?: string } | undefined)?.trigger_id;
    expect(triggerId).toMatch(/\.trigger$/);
    const open = await h.slack.waitFor(() => h.slack.callsTo('views.open')[0]);
    expect(open.args.trigger_id).toBe(triggerId);
    const update = await h.slack.waitFor(() => h.slack.callsTo('views.update')[0]);
    const view = update.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(REQUEST_MODAL);

    // Slack shows errors in the modal only from the acknowledgement itself.
    const incomplete = await h.socket.submitView(view, {}, USERS.alice);
    expect(incomplete.ack.payload).toEqual({
      response_action: 'errors',
      errors: { target: 'Pick a version to roll back to.' },
    });
    expect(await h.store.history('fpo-search', 10)).toEqual([]);

    const before = h.slack.calls.length;
    const submitted = await h.socket.submitView(
      view,
      {
        target: { value: { type: 'static_select', selected_option: { value: '1.25.0' } } },
        reason: { value: { type: 'static_select', selected_option: { value: 'TEST_FAILURE' } } },
        note: { value: { type: 'plain_text_input', value: 'ranker regression' } },
      },
      USERS.alice,
    );
    expect(submitted.ack.payload).toEqual({});
    const id = await postedCard(h, before);
    expect(await h.store.getRequest(id)).toMatchObject({
      state: 'pending',
      requester: USERS.alice,
      reason: 'TEST_FAILURE',
      note: 'ranker regression',
    });
    expectOnlyLocalFakes(h);
  });
});

describe('events as events_api envelopes', () => {
  const alertEvent = (ts: string) => ({
    type: 'message',
    channel: ALERT_CHANNEL,
    channel_type: 'channel',
    bot_id: 'BALERTS',
    ts,
    text: '',
    attachments: [{ color: 'danger', title: `:red_circle: ALARM: "${ALARM}" in EU (London)` }],
  });

  it('answers an alert message from another tool in its thread, with the offer', async () => {
    const h = await start({ socketMode: true });
    const res = await h.socket.event(alertEvent('1700000001.000100'));
    expect(res.ack.payload).toEqual({});
    const reply = await h.slack.waitFor(() => h.slack.callsTo('chat.postMessage')[0]);
    expect(reply.args).toMatchObject({ channel: ALERT_CHANNEL, thread_ts: '1700000001.000100' });
    expect(textOf(reply.args)).toContain(`Alert for fpo-search: ${ALARM}`);
    expect(JSON.stringify(reply.args.blocks)).toContain('Request rollback to 1.25.0');
    await settle(h);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    expectOnlyLocalFakes(h);
  });

  it('handles an envelope Slack delivers again (retry_attempt) once, and acknowledges both', async () => {
    const h = await start({ socketMode: true });
    const first = await h.socket.event(alertEvent('1700000002.000100'));
    await h.slack.waitFor(() => h.slack.callsTo('chat.postMessage')[0]);
    const retry = await h.socket.event(alertEvent('1700000002.000100'), {
      envelopeId: first.envelopeId,
      eventId: first.eventId,
      retryAttempt: 1,
      retryReason: 'timeout',
    });
    expect(retry.envelopeId).toBe(first.envelopeId);
    expect(h.socket.endpoint.deliveries.map((d) => d.frame)).toEqual([
      expect.objectContaining({ envelope_id: first.envelopeId, retry_attempt: 0, retry_reason: '' }),
      expect.objectContaining({ envelope_id: first.envelopeId, retry_attempt: 1, retry_reason: 'timeout' }),
    ]);
    expect(h.socket.endpoint.acksFor(first.envelopeId).map((a) => a.payload)).toEqual([{}, {}]);
    await settle(h);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });
});

describe('reconnecting', () => {
  it('after disconnect (refresh_requested): /readyz says so, a new apps.connections.open, the next command works', async () => {
    const h = await start({ socketMode: true });
    const { endpoint } = h.socket;
    expect((await readyz(h)).status).toBe(200);

    // Hold the reconnect's apps.connections.open: the bot is then certainly between two connections.
    // (Released in `finally`: a held call cut by the fake closing is retried by the client for minutes.)
    const held = h.slack.hold('apps.connections.open');
    try {
      endpoint.disconnect('refresh_requested');
      expect((await endpoint.waitForClose(1)).closeCode).toBe(1000); // the bot closed it, cleanly
      await held.arrived;
      expect(await readyz(h)).toEqual({
        status: 503,
        socket: {
          name: 'slack socket mode',
          required: true,
          ok: false,
          detail: expect.stringMatching(/^socket closed at \d{4}-[^;]+; reconnecting$/),
        },
      });
    } finally {
      held.release();
    }
    await endpoint.waitForConnection(2);
    await until(async () => (await readyz(h)).status === 200);
    expect((await readyz(h)).socket.detail).toMatch(/^connected since \d{4}-.+ \(reconnected 1×\)$/);
    expect(h.slack.callsTo('apps.connections.open')).toHaveLength(2);

    const res = await h.socket.command('status');
    expect(res.ack.connection).toBe(2);
    expect((await responseOf(h, res.responseId)).body.response_type).toBe('in_channel');
    expectOnlyLocalFakes(h);
  });

  it.each([
    [
      'a disconnect warning',
      (h: Harness) => h.socket.endpoint.disconnect('warning', { closeAfterMs: 10_000 }),
    ],
    ['a dropped link', (h: Harness) => h.socket.endpoint.drop()],
  ])('after %s: reconnects and the next command works', async (_what, cut) => {
    const h = await start({ socketMode: true });
    cut(h);
    const closed = await h.socket.endpoint.waitForClose(1);
    // After a warning the bot closes at once rather than waiting ~10 s for Slack to; a drop is 1006.
    expect(closed.closeCode).toBe(closed.disconnects.length > 0 ? 1000 : 1006);
    await h.socket.endpoint.waitForConnection(2);
    await until(async () => (await readyz(h)).status === 200);
    const res = await h.socket.command('help');
    expect(res.ack.connection).toBe(2);
    expect(res.ack.payload.response_type).toBe('ephemeral');
    expect(h.slack.callsTo('apps.connections.open')).toHaveLength(2);
    expect(h.socket.endpoint.openConnections().map((c) => c.id)).toEqual([2]);
  });
});

describe('HTTP routes on PORT in Socket Mode', () => {
  it('serves /healthz, /readyz, POST /alerts/sns and POST /github/webhook', async () => {
    const h = await start({ socketMode: true, webhookSecret: SECRET });
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ok: true,
      checks: expect.arrayContaining([
        expect.objectContaining({ name: 'store', ok: true }),
        expect.objectContaining({ name: 'slack', ok: true }),
        expect.objectContaining({ name: 'slack socket mode', ok: true }),
      ]),
    });

    const alarm = {
      ...(JSON.parse(readFixture('sns-cloudwatch-alarm.json')) as Record<string, unknown>),
      MessageId: `socket-${Date.now()}`,
      Timestamp: new Date().toISOString(),
    };
    const sns = await h.post('/alerts/sns', JSON.stringify(signSns(alarm, '2')), {
      'x-amz-sns-message-type': 'Notification',
    });
    expect(sns.status).toBe(200);
    const card = await h.slack.waitFor(() =>
      h.slack.callsTo('chat.postMessage').find((c) => c.args.channel === ALERT_CHANNEL),
    );
    expect(textOf(card.args)).toContain(`Firing: ${ALARM}`);

    const unknownPr = closedEvent(REPO, { number: 99, body: 'not ours' }, true);
    expect(await sendWebhook(h, 'pull_request', unknownPr, SECRET)).toEqual({
      status: 200,
      body: JSON.stringify({ ignored: 'not a rollback PR' }),
    });
    expect((await sendWebhook(h, 'pull_request', unknownPr, 'wrong-secret')).status).toBe(401);
    expectOnlyLocalFakes(h);
  });
});

/**
 * Runs `body`, waits `ms`, and returns the timers created meanwhile that are still pending and would keep
 * the process alive (ref'd): a ping interval or reconnect timer left behind by stop() shows up here.
 */
async function timersLeftBy(body: () => Promise<void>, ms: number): Promise<string[]> {
  const pending = new Map<number, NodeJS.Timeout>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type === 'Timeout') pending.set(id, resource as NodeJS.Timeout);
    },
    destroy(id) {
      pending.delete(id);
    },
  }).enable();
  try {
    await body();
    let wait: NodeJS.Timeout | undefined;
    await new Promise((resolve) => {
      wait = setTimeout(resolve, ms);
    });
    return [...pending.values()]
      .filter((t) => t !== wait && t.hasRef())
      .map((t) => {
        // Node's own fields, for a message that says which timer it is.
        const { _idleTimeout, _onTimeout } = t as unknown as { _idleTimeout?: number; _onTimeout?: unknown };
        return `${_idleTimeout} ms timer: ${String(_onTimeout).replace(/\s+/g, ' ').slice(0, 120)}`;
      });
  } finally {
    hook.disable();
  }
}

describe('stopping', () => {
  it('closes the socket, never reconnects afterwards, and leaves no timer behind', async () => {
    let h: Harness | undefined;
    const left = await timersLeftBy(async () => {
      h = await start({ socketMode: true });
      await h.socket.command('help');
      await h.bot.stop();
      // stop() resolves only once the close handshake is done: cutting every socket now changes nothing.
      await h.socket.endpoint.close();
    }, 1500); // longer than the reconnect delay (1 s in tests)
    expect(left).toEqual([]);
    expect(h?.socket.endpoint.connections[0]?.closeCode).toBe(1000);
    expect(h?.slack.callsTo('apps.connections.open')).toHaveLength(1);
    expect(h?.socket.endpoint.connections).toHaveLength(1);
  });

  it('a stop while waiting to reconnect cancels the reconnect', async () => {
    let h: Harness | undefined;
    const left = await timersLeftBy(async () => {
      h = await start({ socketMode: true });
      const bot = h;
      bot.socket.endpoint.drop();
      // Stop once the bot has seen the drop and waits to reconnect (1 s). Stopping between undici's
      // `error` and `close` events would leave socket-mode's 30 s close-handshake timer running.
      await until(async () => (await readyz(bot)).socket.detail.endsWith('reconnecting'));
      await bot.bot.stop();
    }, 1500);
    expect(left).toEqual([]);
    expect(h?.slack.callsTo('apps.connections.open')).toHaveLength(1);
    expect(h?.socket.endpoint.connections).toHaveLength(1);
  });

  it('a stop while apps.connections.open is in flight closes the connection that arrives after it', async () => {
    const h = await start({ socketMode: true });
    const held = h.slack.hold('apps.connections.open');
    try {
      h.socket.endpoint.drop();
      await held.arrived;
      await h.bot.stop();
    } finally {
      held.release();
    }
    // socket-mode connects with the late URL anyway; the bot closes that connection at once.
    const late = await h.socket.endpoint.waitForClose(2);
    expect(late.closeCode).toBe(1000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.slack.callsTo('apps.connections.open')).toHaveLength(2);
    expect(h.socket.endpoint.connections).toHaveLength(2);
    expect(h.socket.endpoint.openConnections()).toEqual([]);
  });
});
