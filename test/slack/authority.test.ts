/**
 * Who may ask, over signed slash commands: a guest, a Slack Connect member, the wrong channel, a
 * non-break-glass --force and the per-person limit are each refused ephemerally with what to do,
 * audited once, and hold no slot (the service stays free for a real request).
 */
import { describe, expect, it } from 'vitest';
import { ALERT_CHANNEL, CHANNEL, type Harness, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { postedCard } from '../workflows/support.js';

const start = useHarness();
const GUEST = 'UGUEST0001';
const OUTSIDER = 'UOUTSIDE01';

async function answer(h: Harness, text: string, user: string, channel = CHANNEL): Promise<string> {
  const sent = await h.command(text, user, undefined, channel);
  return textOf(await h.slack.waitFor(() => h.slack.responsesTo(sent.responseId)[0]?.body));
}

describe('who may ask for a rollback', () => {
  it('refuses a guest, a Slack Connect member and the wrong channel, saying what to do; audits each once', async () => {
    const h = await start({
      slackUsers: [
        { id: GUEST, name: 'gina', realName: 'Gina Guest', color: '#999', isBot: false, guest: 'single' },
        {
          id: OUTSIDER,
          name: 'otto',
          realName: 'Otto Other',
          color: '#999',
          isBot: false,
          teamId: 'TOTHER0001',
        },
      ],
    });
    expect(await answer(h, 'to previous', GUEST)).toContain('Guests cannot ask for a rollback of fpo-search');
    expect(await answer(h, 'to previous', OUTSIDER)).toContain(
      'People from other workspaces (Slack Connect)',
    );
    const elsewhere = await answer(h, 'to previous fpo-search', USERS.alice, 'CELSEWHERE1');
    expect(elsewhere).toContain(
      `Rollbacks of fpo-search are requested in <#${CHANNEL}>, <#${ALERT_CHANNEL}>: ask there`,
    );
    // Read-only commands work anywhere.
    expect(await answer(h, 'status fpo-search', USERS.alice, 'CELSEWHERE1')).toContain('fpo-search: status');
    const refusals = (await h.store.auditTrail('fpo-search', 50)).filter((e) => e.kind === 'refused');
    expect(refusals.map((e) => [e.actor, e.detail.refusal])).toEqual([
      [GUEST, 'guest'],
      [OUTSIDER, 'external'],
      [USERS.alice, 'wrong_channel'],
    ]);
    // Nothing was held: a member's request in the channel gets its card.
    await h.command('to previous', USERS.alice);
    await postedCard(h);
  });

  it('lets only break-glass people use --force, and limits requests per person', async () => {
    const h = await start({
      botToml: 'requests_per_person = 2\nrequests_window_minutes = 10',
      serviceToml: 'cooldown_hours = 0',
    });
    expect(await answer(h, 'to previous --force hurry', USERS.alice)).toMatch(
      /`--force` lifts the cooldown of fpo-search, and only/,
    );
    for (let i = 0; i < 2; i++) {
      const before = h.slack.calls.length;
      await h.command('to previous', USERS.alice);
      const id = await postedCard(h, before);
      await h.command(`cancel ${id}`, USERS.alice);
    }
    expect(await answer(h, 'to previous', USERS.alice)).toMatch(
      /You asked for 2 rollbacks with a card in the last 10 min/,
    );
  });

  it('/rollback help says what this person may do for each service, and why not', async () => {
    const h = await start({
      slackUsers: [
        { id: GUEST, name: 'gina', realName: 'Gina Guest', color: '#999', isBot: false, guest: 'multi' },
      ],
    });
    const helpFor = async (user: string) => {
      const sent = await h.command('help', user);
      return textOf(await h.slack.waitFor(() => h.slack.responsesTo(sent.responseId)[0]?.body));
    };
    const bob = await helpFor(USERS.bob);
    expect(bob).toContain('What you may do');
    expect(bob).toMatch(
      /fpo-search\*: :white_check_mark: request in <#CROLLBACK1>, <#CALERTS001> · :white_check_mark: approve and unpin · :white_check_mark: break glass/,
    );
    const alice = await helpFor(USERS.alice);
    expect(alice).toMatch(
      /:white_check_mark: request in .* · :no_entry: approve: only <@UBOB000001>, <@UCAROL0001>, <!subteam\^SONCALL001> · :no_entry: break glass/,
    );
    expect(await helpFor(GUEST)).toContain(
      ':no_entry: request: guests cannot request (unless listed by user id)',
    );
  });
});
