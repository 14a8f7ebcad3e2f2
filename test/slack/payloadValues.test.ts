/**
 * Issue 15, item 6, over signed HTTP: what comes back from Slack (button values, modal
 * private_metadata) is read by one checked reader, and whatever a listener echoes of it, or of an
 * error, reaches Slack as text.
 */
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import {
  OPEN_MODAL_ACTION,
  REJECT_MODAL,
  REQUEST_MODAL,
  SERVICE_SELECT,
} from '../../src/slack/blocks/requestModal.js';
import { sendInteraction } from '../../world/slack/requests.js';
import { CHANNEL, type Harness, SIGNING_SECRET, USERS, useHarness } from '../support/harness.js';
import { rawTextOf } from '../support/slackText.js';

const start = useHarness();

const HOSTILE = '<!channel> <@U0BOSS0001> <https://evil.example|runbook>';
const LIVE = ['<!channel>', '<@U0BOSS0001>', '<https://evil'];

async function ephemeralRaw(hh: Harness, responseId: string): Promise<string> {
  const body = await hh.slack.waitFor(() => hh.slack.responsesTo(responseId)[0]?.body);
  expect(body.response_type).toBe('ephemeral');
  return rawTextOf(body);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a request button whose form cannot be opened', () => {
  it('quotes the error inert: an error text is outside text too', async () => {
    const hh = await start();
    // Slack's answer is what the WebClient puts in its error message.
    hh.slack.failNext('views.open', { error: HOSTILE });
    const res = await hh.click(
      OPEN_MODAL_ACTION,
      JSON.stringify({ service: 'fpo-search', version: '1.25.0' }),
      USERS.alice,
    );
    const raw = await ephemeralRaw(hh, res.responseId);
    expect(raw).toContain(':x: Could not open the request form:');
    for (const markup of LIVE) expect(raw).not.toContain(markup);
    expect(raw).toContain('&lt;!channel&gt; &lt;@U0BOSS0001&gt;');
  });
});

describe('tampered button values', () => {
  it('a card button naming no request id: told so, with the value shown as text', async () => {
    const hh = await start();
    for (const action of [ACTIONS.approve, ACTIONS.retry, ACTIONS.reject]) {
      const res = await hh.click(action, HOSTILE, USERS.bob);
      const raw = await ephemeralRaw(hh, res.responseId);
      expect(raw).toContain('no longer exists');
      for (const markup of LIVE) expect(raw, action).not.toContain(markup);
    }
    expect(hh.slack.callsTo('views.open')).toEqual([]);
  });

  it('a request button with a field that is not what the bot writes opens nothing', async () => {
    const hh = await start();
    for (const value of [
      { service: 'fpo-search', threadTs: { ts: '1.000' } },
      { service: 'fpo-search', reason: 'SOMETHING_ELSE' },
      { service: 'fpo-search', version: 'x'.repeat(201) },
    ]) {
      const res = await hh.click(OPEN_MODAL_ACTION, JSON.stringify(value), USERS.alice);
      expect(await ephemeralRaw(hh, res.responseId)).toContain(
        'This button no longer says what to roll back.',
      );
    }
    expect(hh.slack.callsTo('views.open')).toEqual([]);
  });
});

describe('tampered modal metadata', () => {
  it('a request form whose channel is not a channel id is answered in the form; nothing is requested', async () => {
    const hh = await start();
    const res = await hh.submitView(
      {
        callback_id: REQUEST_MODAL,
        private_metadata: JSON.stringify({ service: 'fpo-search', channel: HOSTILE }),
      },
      { target: { value: { type: 'static_select', selected_option: { value: '1.25.0' } } } },
      USERS.alice,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ response_action: 'errors' });
    await pause(300);
    expect(await hh.store.history('fpo-search', 10)).toEqual([]);
    expect(hh.slack.callsTo('chat.postEphemeral')).toEqual([]);
  });

  it('a reject form naming no request id is answered in the form, and nobody is told anything', async () => {
    const hh = await start();
    const res = await hh.submitView(
      {
        callback_id: REJECT_MODAL,
        private_metadata: JSON.stringify({ requestId: HOSTILE, channel: CHANNEL }),
      },
      { why: { value: { type: 'plain_text_input', value: 'no' } } },
      USERS.bob,
    );
    expect(JSON.parse(res.body)).toMatchObject({ response_action: 'errors' });
    await pause(300);
    expect(hh.slack.callsTo('chat.postEphemeral')).toEqual([]);
  });

  it("the form's service picker updates only a form whose metadata reads back whole", async () => {
    const hh = await start();
    const pick = (viewId: string, metadata: string) =>
      sendInteraction(hh.url, SIGNING_SECRET, {
        type: 'block_actions',
        user: { id: USERS.alice, username: 'alice', team_id: 'T1' },
        api_app_id: 'A1',
        token: 'deprecated',
        team: { id: 'T1', domain: 'example' },
        trigger_id: `${Date.now()}.trigger`,
        container: { type: 'view', view_id: viewId },
        view: {
          id: viewId,
          type: 'modal',
          team_id: 'T1',
          callback_id: REQUEST_MODAL,
          private_metadata: metadata,
          state: { values: {} },
          hash: 'h',
          blocks: [],
          title: { type: 'plain_text', text: 'x' },
        },
        actions: [
          {
            type: 'static_select',
            action_id: SERVICE_SELECT,
            block_id: 'service',
            selected_option: { text: { type: 'plain_text', text: 'fpo-search' }, value: 'fpo-search' },
            action_ts: '1',
          },
        ],
      });
    // No channel: the form could never say where to answer.
    expect((await pick('VTAMPERED', JSON.stringify({ service: 'fpo-search' }))).status).toBe(200);
    expect((await pick('VGOOD', JSON.stringify({ service: 'fpo-search', channel: CHANNEL }))).status).toBe(
      200,
    );
    await hh.slack.waitFor(() => hh.slack.callsTo('views.update').length > 0);
    await pause(500);
    expect(hh.slack.callsTo('views.update').map((c) => c.args.view_id)).toEqual(['VGOOD']);
  });
});
