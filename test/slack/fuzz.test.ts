/**
 * Fuzzing the Slack entry point with 1,000 slash-command texts and 300 interaction payloads, generated
 * from a fixed seed (reproducible: change SEED to explore). Every one is sent signed to /slack/events and
 * must get a 200 acknowledgement under 3 s and a reply (in the ack, through response_url, a modal, or a
 * private message), and the process must stay up and keep answering.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHOW_VERSIONS_ACTION } from '../../src/slack/blocks/alertCard.js';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { OPEN_MODAL_ACTION, REJECT_MODAL, REQUEST_MODAL } from '../../src/slack/blocks/requestModal.js';
import { sendInteraction, sendSlashCommand } from '../../world/slack/requests.js';
import { CHANNEL, type Harness, SIGNING_SECRET, USERS, useHarness } from '../support/harness.js';

const SEED = 20_261_127;
const start = useHarness();

const word = fc.oneof(
  fc.constantFrom(
    'help',
    'status',
    'versions',
    'to',
    'history',
    'cancel',
    'previous',
    'fpo-search',
    'ranker',
    '1.25.0',
    '1.1.1',
    '1.24.0-f607182',
    '9.9.9',
    '1.25',
    'v1.2.3',
    '-1',
    '0',
    '51',
    '10',
    'reason=TEST_FAILURE',
    'reason=',
    'reason=nope',
    '--dry-run',
    '--force',
    '--',
    '—dry-run',
    'R-0000',
    'r-abcd',
    '<!channel>',
    '<@U0BOSS01>',
    '<https://x|y>',
    '&amp;',
    '`',
    '*',
    '_',
    '~',
    '%00',
    '\u0000',
    '\u202e',
    '🔥',
    'ß',
    '"',
    "'",
    '\\',
    '\n',
    '\t',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ maxLength: 6, unit: 'binary' }),
);
const subcommand = fc.constantFrom(
  'status',
  'versions',
  'to',
  'to previous',
  'history',
  'cancel',
  'help',
  '',
);
const commandText = fc.oneof(
  // Mostly a real subcommand followed by noise, so the fuzz reaches the parsers and workflows behind it.
  {
    weight: 6,
    arbitrary: fc
      .tuple(subcommand, fc.array(word, { maxLength: 6 }))
      .map(([sub, rest]) => [sub, ...rest].join(' ')),
  },
  { weight: 2, arbitrary: fc.array(word, { maxLength: 7 }).map((w) => w.join(' ')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.string({ minLength: 2000, maxLength: 4000 }) },
);

const RESPONSE_WAIT_MS = 15_000;

/** A reply for `responseId`: something posted to its response_url, or a modal or private message. */
async function replied(hh: Harness, responseId: string, triggerId: string): Promise<boolean> {
  const deadline = Date.now() + RESPONSE_WAIT_MS;
  while (Date.now() < deadline) {
    if (hh.slack.responsesTo(responseId).length > 0) return true;
    if (hh.slack.calls.some((c) => c.method === 'views.open' && c.args.trigger_id === triggerId)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T, i: number) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map((item, j) => run(item, i + j)));
  }
}

describe('fuzzing /slack/events', () => {
  it('1,000 slash-command texts: each acknowledged under 3 s with 200, each answered', async () => {
    const hh = await start({ serviceToml: 'cooldown_hours = 0' });
    const texts = fc.sample(commandText, { seed: SEED, numRuns: 1000 });
    const failures: string[] = [];
    let inAck = 0;
    await inBatches(texts, 25, async (text, i) => {
      const responseId = `fuzz-c${i}`;
      const triggerId = `fuzz-t${i}`;
      const user = [USERS.alice, USERS.bob, USERS.mallory][i % 3] ?? USERS.alice;
      const res = await sendSlashCommand(hh.url, SIGNING_SECRET, {
        text,
        user_id: user,
        channel_id: CHANNEL,
        response_url: hh.slack.responseUrl(responseId),
        trigger_id: triggerId,
      });
      const answeredInAck = res.body !== '' && res.body !== '{}';
      if (answeredInAck) inAck++;
      if (res.status !== 200 || res.ms >= 3000)
        failures.push(`#${i} ${JSON.stringify(text)}: ${res.status} in ${Math.round(res.ms)} ms`);
      else if (!answeredInAck && !(await replied(hh, responseId, triggerId)))
        failures.push(`#${i} ${JSON.stringify(text)}: no reply`);
    });
    expect(failures).toEqual([]);
    // Both paths were exercised: answers in the ack (help, usage errors) and follow-ups after it.
    expect(inAck).toBeGreaterThan(100);
    expect(texts.length - inAck).toBeGreaterThan(150);
    expect((await fetch(`${hh.url}/healthz`)).status).toBe(200);
  }, 300_000);

  it('300 interaction payloads with arbitrary values: each acknowledged and answered', async () => {
    const hh = await start();
    const value = fc.oneof(
      fc.constantFrom(
        '',
        'R-0000',
        'R-ZZZZ',
        'fpo-search',
        'null',
        '{}',
        '[]',
        '{"service":1}',
        '{"service":"nope"}',
      ),
      fc.string({ maxLength: 40 }),
      fc.json(),
    );
    const buttons = fc.record({
      actionId: fc.constantFrom(
        ACTIONS.approve,
        ACTIONS.reject,
        ACTIONS.cancel,
        ACTIONS.retry,
        OPEN_MODAL_ACTION,
        SHOW_VERSIONS_ACTION,
      ),
      value,
      user: fc.constantFrom(USERS.alice, USERS.bob, USERS.carol, USERS.mallory),
    });
    const views = fc.record({
      callbackId: fc.constantFrom(REQUEST_MODAL, REJECT_MODAL),
      metadata: fc.oneof(fc.constant(''), fc.json(), fc.string({ maxLength: 30 })),
      target: fc.option(fc.constantFrom('1.25.0', '1.1.1', '0.0.0', '<!here>'), { nil: undefined }),
      note: fc.string({ maxLength: 60 }),
      user: fc.constantFrom(USERS.alice, USERS.bob, USERS.mallory),
    });
    const clicks = fc.sample(buttons, { seed: SEED, numRuns: 200 });
    const submissions = fc.sample(views, { seed: SEED + 1, numRuns: 100 });
    const failures: string[] = [];

    await inBatches(clicks, 20, async (click, i) => {
      const responseId = `fuzz-a${i}`;
      const triggerId = `fuzz-at${i}`;
      const res = await sendInteraction(hh.url, SIGNING_SECRET, {
        type: 'block_actions',
        user: { id: click.user, username: 'fuzz', team_id: 'T1' },
        api_app_id: 'A1',
        token: 'deprecated',
        team: { id: 'T1', domain: 'example' },
        channel: { id: CHANNEL, name: 'rollbacks' },
        container: { type: 'message', message_ts: '1.000', channel_id: CHANNEL, is_ephemeral: false },
        message: { type: 'message', ts: '1.000', text: 'card' },
        trigger_id: triggerId,
        response_url: hh.slack.responseUrl(responseId),
        actions: [
          { type: 'button', action_id: click.actionId, block_id: 'b', value: click.value, action_ts: '1' },
        ],
      });
      if (res.status !== 200 || res.ms >= 3000)
        failures.push(`click #${i} ${JSON.stringify(click)}: ${res.status}`);
      else if (!(await replied(hh, responseId, triggerId)))
        failures.push(`click #${i} ${JSON.stringify(click)}: no reply`);
    });

    await inBatches(submissions, 20, async (view, i) => {
      const before = hh.slack.calls.length;
      const res = await sendInteraction(hh.url, SIGNING_SECRET, {
        type: 'view_submission',
        team: { id: 'T1', domain: 'example' },
        user: { id: view.user, username: 'fuzz', team_id: 'T1' },
        api_app_id: 'A1',
        token: 'deprecated',
        trigger_id: `fuzz-vt${i}`,
        view: {
          id: `VFUZZ${i}`,
          type: 'modal',
          team_id: 'T1',
          callback_id: view.callbackId,
          private_metadata: view.metadata,
          state: {
            values: {
              ...(view.target
                ? { target: { value: { type: 'static_select', selected_option: { value: view.target } } } }
                : {}),
              note: { value: { type: 'plain_text_input', value: view.note } },
              why: { value: { type: 'plain_text_input', value: view.note } },
            },
          },
          hash: 'h',
          blocks: [],
          title: { type: 'plain_text', text: 'x' },
        },
        response_urls: [],
      });
      if (res.status !== 200 || res.ms >= 3000) {
        failures.push(`view #${i} ${JSON.stringify(view)}: ${res.status}`);
        return;
      }
      if (res.body.includes('response_action')) return; // answered in the modal itself
      const deadline = Date.now() + RESPONSE_WAIT_MS;
      const told = () =>
        hh.slack.calls
          .slice(before)
          .some((c) => c.method === 'chat.postEphemeral' && c.args.user === view.user);
      while (!told() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (!told()) failures.push(`view #${i} ${JSON.stringify(view)}: no reply`);
    });

    expect(failures).toEqual([]);
    expect((await fetch(`${hh.url}/healthz`)).status).toBe(200);
  }, 300_000);
});
