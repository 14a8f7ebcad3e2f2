/**
 * `/slack/events` has one check of who sent a request: our gate (issue 15, item 8). Bolt's receiver behind
 * it no longer verifies again; what the gate refuses, and how, is unchanged, and Slack's unsigned SSL
 * check cannot carry anything past it.
 */
import { HTTPModuleFunctions } from '@slack/bolt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { blockActionsPayload, slashCommandFields } from '../../world/slack/payloads.js';
import { nowSeconds, signSlackRequest } from '../../world/slack/requests.js';
import { CHANNEL, type Harness, SIGNING_SECRET, USERS, useHarness } from '../support/harness.js';
import { settle } from '../workflows/support.js';

const start = useHarness();
afterEach(() => {
  vi.restoreAllMocks();
});

const FORM = 'application/x-www-form-urlencoded';

function helpForm(h: Harness): string {
  return new URLSearchParams(
    slashCommandFields({
      text: 'help',
      user_id: USERS.alice,
      channel_id: CHANNEL,
      response_url: h.slack.responseUrl('gate'),
    }),
  ).toString();
}

async function postEvents(h: Harness, body: string, headers: Record<string, string>) {
  const res = await fetch(`${h.url}/slack/events`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}

describe('one verification, by the gate', () => {
  it('a signed command is acknowledged without Bolt’s receiver verifying it again', async () => {
    const verify = vi.spyOn(HTTPModuleFunctions, 'parseAndVerifyHTTPRequest');
    const h = await start();
    const res = await h.command('help');
    expect(res.status).toBe(200);
    expect(res.body).toContain('/rollback status');
    // The receiver reads the body through this function; `enabled: false` skips its HMAC and window.
    expect(verify.mock.calls.map(([options]) => options.enabled)).toEqual([false]);
  });

  it('refuses what Slack did not sign, or signed outside ±5 minutes, with 401; a malformed body with 400', async () => {
    const h = await start();
    const body = helpForm(h);
    const signed = (timestamp = nowSeconds(), secret = SIGNING_SECRET) =>
      signSlackRequest(secret, body, timestamp, FORM);
    const cases: Array<[string, Record<string, string>, number, string?]> = [
      ['unsigned', { 'content-type': FORM }, 401],
      ['signed with another secret', signed(nowSeconds(), 'another-secret'), 401],
      ['forged signature', { ...signed(), 'x-slack-signature': 'v0=deadbeef' }, 401],
      ['6 minutes old', signed(nowSeconds() - 6 * 60), 401],
      ['6 minutes ahead', signed(nowSeconds() + 6 * 60), 401],
    ];
    for (const [name, headers, status] of cases) {
      const res = await postEvents(h, body, headers);
      expect(res.status, name).toBe(status);
      expect(res.body, name).not.toContain('/rollback status');
    }
    const malformed: Array<[string, string]> = [
      ['payload=null', 'payload=null'],
      ['payload given twice', `payload=${encodeURIComponent('{"type":"block_actions"}')}&payload=x`],
      ['a form without command or payload', 'team_id=T1&text=status'],
    ];
    for (const [name, form] of malformed) {
      const res = await postEvents(h, form, signSlackRequest(SIGNING_SECRET, form, nowSeconds(), FORM));
      expect(res.status, name).toBe(400);
    }
    await settle(h);
    expect(h.slack.calls).toEqual([]);
    expect(h.slack.responses).toEqual([]);
  });

  it('answers Slack’s unsigned SSL check itself: nothing it carries reaches a listener', async () => {
    const h = await start();
    const click = blockActionsPayload(
      {
        actionId: ACTIONS.approve,
        value: 'R-0000',
        user: USERS.bob,
        responseUrl: h.slack.responseUrl('smuggled'),
      },
      { channel: CHANNEL },
    );
    const smuggled = `ssl_check=1&token=x&payload=${encodeURIComponent(JSON.stringify(click))}`;
    const command = `ssl_check=1&${helpForm(h)}`;
    for (const body of [smuggled, command]) {
      const res = await postEvents(h, body, { 'content-type': FORM });
      expect(res).toEqual({ status: 200, body: '' });
    }
    await settle(h);
    expect(h.slack.calls).toEqual([]);
    expect(h.slack.responses).toEqual([]);
  });
});
