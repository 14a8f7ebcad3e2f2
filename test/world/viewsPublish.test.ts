/** The local Slack's views.publish refuses what Slack refuses, so the Home tab's tests mean something. */
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../../world/slack/fake.js';

let slack: FakeSlack | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

async function publish(args: Record<string, unknown>): Promise<Record<string, unknown>> {
  slack = slack ?? (await startFakeSlack());
  const res = await fetch(`${slack.apiUrl}views.publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer xoxb-test-token' },
    body: JSON.stringify(args),
  });
  return (await res.json()) as Record<string, unknown>;
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('views.publish in the local Slack', () => {
  it('publishes a valid home view and keeps it per person', async () => {
    const res = await publish({ user_id: 'UALICE0001', view: { type: 'home', blocks: [section('hi')] } });
    expect(res.ok).toBe(true);
    expect(slack?.workspace.homeOf('UALICE0001')?.view.blocks).toHaveLength(1);
  });

  it('refuses more than 100 blocks, long texts, a missing user_id and a modal', async () => {
    const many = await publish({
      user_id: 'UALICE0001',
      view: { type: 'home', blocks: Array.from({ length: 101 }, () => section('x')) },
    });
    expect(many).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(JSON.stringify(many.response_metadata)).toContain('at most 100 blocks');
    const long = await publish({
      user_id: 'UALICE0001',
      view: { type: 'home', blocks: [section('x'.repeat(3001))] },
    });
    expect(long).toMatchObject({ ok: false, error: 'invalid_blocks' });
    const button = await publish({
      user_id: 'UALICE0001',
      view: {
        type: 'home',
        blocks: [
          {
            type: 'actions',
            elements: [
              { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'y'.repeat(76) } },
            ],
          },
        ],
      },
    });
    expect(button).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(await publish({ view: { type: 'home', blocks: [] } })).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
    });
    expect(await publish({ user_id: 'UALICE0001', view: { type: 'modal', blocks: [] } })).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
    });
    expect(slack?.workspace.homeOf('UALICE0001')).toBeUndefined();
  });
});
