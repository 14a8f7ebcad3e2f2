/**
 * The Home tab over the local Slack, whose views.publish checks a view as Slack does (at most 100
 * blocks, text lengths, user_id): published on app_home_opened, skipped when nothing changed,
 * republished on a request's change for those who opened it in the last 30 minutes, paged beyond 15
 * services, and its buttons (Refresh, "Roll back to …", the request's own) work from the view.
 */
import { describe, expect, it } from 'vitest';
import { HOME_ACTIONS } from '../../src/slack/blocks/home.js';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { OPEN_MODAL_ACTION, UNPIN_MODAL } from '../../src/slack/blocks/requestModal.js';
import { viewProblems } from '../../world/slack/blockKit.js';
import { blockActions, eventCallback } from '../../world/slack/payloads.js';
import { sendEvent, sendInteraction } from '../../world/slack/requests.js';
import { type Harness, SIGNING_SECRET, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { postedCard, settle } from '../workflows/support.js';

const start = useHarness();

type View = { type: string; blocks: Array<Record<string, unknown>> };

const publishesTo = (h: Harness, user: string) =>
  h.slack.callsTo('views.publish').filter((c) => c.args.user_id === user);

async function openHome(h: Harness, user: string): Promise<void> {
  const res = await sendEvent(
    h.url,
    SIGNING_SECRET,
    eventCallback({ type: 'app_home_opened', user, channel: 'DHOME0001', tab: 'home', event_ts: '1.0' }),
  );
  expect(res.status).toBe(200);
  await settle(h);
}

/** What the person's Home tab shows now (the local Slack keeps it). */
function homeOf(h: Harness, user: string): View & { id: string } {
  const home = h.slack.workspace.homeOf(user);
  if (!home) throw new Error(`nothing published to ${user}`);
  return { ...(home.view as View), id: home.id };
}

function button(view: View, actionId: string): Record<string, unknown> {
  for (const block of view.blocks) {
    for (const el of (block.elements as Array<Record<string, unknown>> | undefined) ?? []) {
      if (el.action_id === actionId) return { ...el, block_id: block.block_id };
    }
  }
  throw new Error(`no ${actionId} in the view`);
}

/** Clicks an element of the person's Home tab, as Slack sends it (a view: no response URL). */
async function clickHome(
  h: Harness,
  user: string,
  actionId: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const view = homeOf(h, user);
  const el = button(view, actionId);
  const payload = blockActions({
    user: { id: user },
    place: { kind: 'view', view: { ...view, type: 'home' } },
    triggerId: h.slack.workspace.issueTrigger(user),
    actions: [
      {
        type: el.type,
        action_id: actionId,
        block_id: el.block_id,
        ...(el.value !== undefined ? { value: el.value } : {}),
        action_ts: `${Date.now() / 1000}`,
        ...extra,
      },
    ],
  });
  const res = await sendInteraction(h.url, SIGNING_SECRET, payload);
  expect(res.status).toBe(200);
  await settle(h);
}

function expectValid(view: unknown): void {
  expect(viewProblems(view)).toEqual([]);
  expect((view as View).blocks.length).toBeLessThanOrEqual(100);
}

/** 19 more services like fpo-search (same bucket, repo and healthchecks), svc-02 … svc-20. */
const moreServices = (h: { health: { urlFor(env: string): string } }) =>
  Array.from({ length: 19 }, (_, i) => {
    const name = `svc-${String(i + 2).padStart(2, '0')}`;
    return `
[services.${name}]
channel = "CSVC${String(i + 2).padStart(5, '0')}"
bucket = "fpo-search-models"
repo = "example-org/fpo-search"
config_path = "search-config.toml"

[services.${name}.approvers]
users = ["${USERS.bob}"]

[[services.${name}.environments]]
name = "production"
healthcheck_url = "${h.health.urlFor('production')}"
deploy_phase = "merge"
`;
  }).join('\n');

describe('the Home tab', () => {
  it('app_home_opened publishes a valid view; a second open without change publishes nothing', async () => {
    const h = await start();
    await openHome(h, USERS.alice);
    const [call, ...more] = publishesTo(h, USERS.alice);
    expect(more).toHaveLength(0);
    const view = call?.args.view as View;
    expect(view.type).toBe('home');
    expectValid(view);
    const text = textOf(view);
    expect(text).toContain('fpo-search');
    expect(text).toContain('*production*\n`1.25.3-3a4b5c6` :large_green_circle:');
    expect(text).toContain('*Configured:* `1.25.3`');
    expect(text).toMatch(/\*Last known good:\* `1\.25\.\d-[0-9a-f]{7}`/);
    expect(text).toContain('No rollbacks yet.');
    expect(button(view, OPEN_MODAL_ACTION).text).toMatchObject({
      text: expect.stringMatching(/^Roll back to /),
    });
    expect(button(view, HOME_ACTIONS.refresh)).toBeTruthy();
    // Each section's text within Slack's 3000 characters (the local Slack would have refused it too).
    for (const b of view.blocks) {
      const t = (b.text as { text?: string } | undefined)?.text;
      if (t) expect(t.length).toBeLessThanOrEqual(3000);
    }

    await openHome(h, USERS.alice);
    expect(publishesTo(h, USERS.alice)).toHaveLength(1);
    // The hash is kept in the database: a restarted bot skips it too.
    await h.restart();
    await openHome(h, USERS.alice);
    expect(publishesTo(h, USERS.alice)).toHaveLength(1);
  });

  it("a request's change republishes for who opened it recently, not for who opened it 31 minutes ago", async () => {
    let clock = Date.now();
    const h = await start({ now: () => new Date(clock) });
    await openHome(h, USERS.dave);
    clock += 31 * 60_000;
    await openHome(h, USERS.carol);
    expect(publishesTo(h, USERS.dave)).toHaveLength(1);
    expect(publishesTo(h, USERS.carol)).toHaveLength(1);

    const before = h.slack.calls.length;
    await h.command('to previous reason=PERFORMANCE_DEGRADATION p99 doubled', USERS.alice);
    const id = await postedCard(h, before);
    await settle(h);
    expect(publishesTo(h, USERS.carol)).toHaveLength(2);
    expect(publishesTo(h, USERS.dave)).toHaveLength(1);
    const view = homeOf(h, USERS.carol);
    expectValid(view);
    const text = textOf(view);
    expect(text).toContain(`*Active:* ${id}`);
    expect(text).toContain('Waiting for approval');
    expect(text).toContain(':white_check_mark:'); // the plan's checklist
    // One active request at a time: no "Roll back to" while it is open; its own buttons instead.
    expect(button(view, ACTIONS.approve).value).toBe(id);
    expect(() => button(view, OPEN_MODAL_ACTION)).toThrow();

    // Approving from the Home tab works (no response URL there) and republishes the outcome.
    await clickHome(h, USERS.carol, ACTIONS.approve);
    expect((await h.store.getRequest(id))?.approvals.map((a) => a.user)).toEqual([USERS.carol]);
    await h.slack.waitFor(() => !textOf(homeOf(h, USERS.carol)).includes('Waiting for approval'));
    expect(publishesTo(h, USERS.dave)).toHaveLength(1);
  });

  it('20 services: a service picker and pages, every page under 100 blocks', async () => {
    const h = await start({ extraToml: moreServices });
    await openHome(h, USERS.alice);
    const first = homeOf(h, USERS.alice);
    expectValid(first);
    const picker = button(first, HOME_ACTIONS.pick) as { options: Array<{ value: string }> };
    expect(picker.options).toHaveLength(20);
    expect(textOf(first)).toContain('Page 1 of 2 · 20 services');
    expect(textOf(first)).toContain('*svc-15*');
    expect(textOf(first)).not.toContain('*svc-16*');

    await clickHome(h, USERS.alice, `${HOME_ACTIONS.page}_next`);
    const second = homeOf(h, USERS.alice);
    expectValid(second);
    expect(textOf(second)).toContain('Page 2 of 2');
    expect(textOf(second)).toContain('*svc-20*');
    expect(textOf(second)).not.toContain('*fpo-search*');

    await clickHome(h, USERS.alice, HOME_ACTIONS.pick, {
      type: 'static_select',
      selected_option: { text: { type: 'plain_text', text: 'svc-03' }, value: 'svc-03' },
    });
    expect(textOf(homeOf(h, USERS.alice))).toContain('Page 1 of 2');
  });

  it('Refresh republishes for the clicker; "Roll back to" opens the request form prefilled', async () => {
    const h = await start();
    await openHome(h, USERS.alice);
    await clickHome(h, USERS.alice, HOME_ACTIONS.refresh);
    expect(publishesTo(h, USERS.alice)).toHaveLength(2);

    const rollBack = button(homeOf(h, USERS.alice), OPEN_MODAL_ACTION);
    const { version } = JSON.parse(String(rollBack.value)) as { version: string };
    await clickHome(h, USERS.alice, OPEN_MODAL_ACTION);
    // The form opens at once (loading) and is filled in by views.update, the version preselected.
    expect(h.slack.callsTo('views.open')).toHaveLength(1);
    const filled = await h.slack.waitFor(() => h.slack.callsTo('views.update')[0]);
    const form = JSON.stringify(filled.args.view);
    expect(form).toContain('"initial_option"');
    expect(form).toContain(version);
    expect(h.slack.workspace.topView(USERS.alice)?.view.callback_id).toBe('rollback_request_modal');
  });

  it('shows the pin of a pinned service', async () => {
    const h = await start();
    await h.store.setPin({
      service: 'fpo-search',
      version: '1.25.0',
      requestId: 'R-PIN1',
      reason: 'PERFORMANCE_DEGRADATION: p99 up',
      pinnedAt: new Date(),
    });
    await openHome(h, USERS.bob);
    expect(textOf(homeOf(h, USERS.bob))).toMatch(
      /Pinned at\* `1\.25\.0` by R-PIN1 \(PERFORMANCE_DEGRADATION: p99 up\), since .*, until unpinned/,
    );
  });

  it('unpins from Home through a form asking why, for approvers only', async () => {
    const h = await start();
    await h.store.setPin({
      service: 'fpo-search',
      version: '1.25.0',
      requestId: 'R-PIN2',
      reason: 'PERFORMANCE_DEGRADATION: p99 up',
      pinnedAt: new Date(),
    });
    await openHome(h, USERS.bob);
    await clickHome(h, USERS.bob, HOME_ACTIONS.unpin);
    const opened = await h.slack.waitFor(() => h.slack.callsTo('views.open')[0]);
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(UNPIN_MODAL);
    const empty = await h.submitView(
      view,
      { note: { value: { type: 'plain_text_input', value: ' ' } } },
      USERS.bob,
    );
    expect(empty.body).toContain('Say why');
    await h.submitView(
      view,
      { note: { value: { type: 'plain_text_input', value: 'fix deployed' } } },
      USERS.alice,
    );
    await settle(h);
    expect((await h.store.getPin('fpo-search'))?.unpinnedAt).toBeUndefined();
    await h.submitView(
      view,
      { note: { value: { type: 'plain_text_input', value: 'fix deployed' } } },
      USERS.bob,
    );
    await settle(h);
    const pin = await h.store.getPin('fpo-search');
    expect(pin?.unpinnedBy).toBe(USERS.bob);
    expect(pin?.unpinNote).toBe('fix deployed');
    const dms = h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === USERS.bob);
    expect(dms.map((c) => String(c.args.text)).join('\n')).toMatch(/unpinned|Unpinned/);
  });
});
