import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { OPEN_MODAL_ACTION, REQUEST_MODAL } from '../../src/slack/blocks/requestModal.js';
import { readFixture } from '../../world/fixtures.js';
import { signSns } from '../../world/snsSign.js';
import { closedEvent, sendWebhook } from '../support/github.js';
import { ALARM, ALERT_CHANNEL, type Harness, REPO, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { postedCard, pulls, settle, until } from './support.js';

const SECRET = 'webhook-secret';
const start = useHarness();

/** The fixture alarm, as SNS would deliver it now for an alarm that changed state `minutesAgo` ago. */
function alarmMessage(minutesAgo: number) {
  const fixture = JSON.parse(readFixture('sns-cloudwatch-alarm.json')) as Record<string, string>;
  const inner = JSON.parse(fixture.Message ?? '{}') as Record<string, unknown>;
  inner.StateChangeTime = new Date(Date.now() - minutesAgo * 60_000).toISOString().replace('Z', '+0000');
  return signSns(
    {
      ...fixture,
      Message: JSON.stringify(inner),
      MessageId: `m-${Date.now()}`,
      Timestamp: new Date().toISOString(),
    },
    '2',
  );
}

/** Everything the bot posted in a thread, in order, as text. */
function threadPosts(hh: Harness, threadTs: string): string[] {
  return hh.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.thread_ts === threadTs)
    .map((c) => textOf(c.args).split('\n')[0] ?? '');
}

async function rollbackFromAlert(hh: Harness): Promise<{ id: string; threadTs: string }> {
  expect((await hh.post('/alerts/sns', JSON.stringify(alarmMessage(23)))).status).toBe(200);
  const thread = await hh.store.alertThread(`alarm:${ALARM}`);
  if (!thread?.cardTs) throw new Error('no alert card');
  const card = hh.slack.callsTo('chat.postMessage').find((c) => c.args.channel === ALERT_CHANNEL);
  type Button = { action_id: string; value: string; text: { text: string } };
  const blocks = (card?.args.blocks ?? []) as Array<{ elements?: Button[] }>;
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === OPEN_MODAL_ACTION);
  if (!button) throw new Error('the alert card has no request button');
  expect(button.text.text).toBe('Request rollback to 1.25.0');

  await hh.click(OPEN_MODAL_ACTION, button.value, USERS.alice, undefined, {
    channel: ALERT_CHANNEL,
    messageTs: thread.cardTs,
  });
  const update = await hh.slack.waitFor(() => hh.slack.callsTo('views.update')[0]);
  const view = update.args.view as { private_metadata: string; callback_id: string };
  expect(view.callback_id).toBe(REQUEST_MODAL);
  // biome-ignore lint/suspicious/noExplicitAny: Block Kit as received
  const reason = (update.args.view as any).blocks.find((b: any) => b.block_id === 'reason');
  expect(reason.element.initial_option.value).toBe('PERFORMANCE_DEGRADATION');

  const submitted = await hh.submitView(
    view,
    {
      target: { value: { type: 'static_select', selected_option: { value: '1.25.0' } } },
      reason: { value: { type: 'static_select', selected_option: { value: 'PERFORMANCE_DEGRADATION' } } },
      note: { value: { type: 'plain_text_input', value: '5xx since the 1.25.3 deploy' } },
    },
    USERS.alice,
  );
  expect(submitted.status).toBe(200);
  const posted = await hh.slack.waitFor(() =>
    hh.slack
      .callsTo('chat.postMessage')
      .find((c) => /Rollback R-/.test(textOf(c.args)) && c.args.thread_ts === thread.threadTs),
  );
  expect(String(posted.args.reply_broadcast)).toBe('true');
  const id = /Rollback (R-[0-9A-Z]{4})/.exec(textOf(posted.args))?.[1] ?? '';
  return { id, threadTs: thread.threadTs };
}

describe('from an alarm to a verified rollback', () => {
  it('alarm, card, button, request in the alert thread, approval, PR, merge webhook, verified', async () => {
    const hh = await start({ webhookSecret: SECRET });
    const { id, threadTs } = await rollbackFromAlert(hh);
    const request = await hh.store.getRequest(id);
    expect(request).toMatchObject({ reason: 'PERFORMANCE_DEGRADATION', alarm: { name: ALARM }, threadTs });

    await hh.click(ACTIONS.approve, id, USERS.bob);
    const [pr] = await hh.slack.waitFor(() => pulls(hh).length > 0 && pulls(hh));
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    expect(pr?.body).toContain(`| Alarm | ${ALARM} (ALARM`);

    // The PR branch deploys to development first.
    hh.health.serve('development', '1.25.0-293a4b5');
    await hh.bot.runRound();
    await hh.bot.runRound();
    // A forged delivery changes nothing.
    const forged = await sendWebhook(
      hh,
      'pull_request',
      closedEvent(REPO, pr ?? { number: 0 }, true),
      'not-the-secret',
    );
    expect(forged.status).toBe(401);
    expect((await hh.store.getRequest(id))?.state).toBe('pr_open');

    hh.github.mergePull(REPO, pr?.number ?? 0, 'bob');
    const delivered = await sendWebhook(
      hh,
      'pull_request',
      closedEvent(REPO, pr ?? { number: 0 }, true),
      SECRET,
    );
    expect(delivered.status).toBe(200);
    // GitHub redelivers sometimes: nothing is posted twice.
    await sendWebhook(hh, 'pull_request', closedEvent(REPO, pr ?? { number: 0 }, true), SECRET);

    hh.health.serve('staging', '1.25.0-293a4b5');
    await hh.bot.runRound();
    hh.health.serve('production', '1.25.0-293a4b5');
    await hh.bot.runRound();
    await hh.bot.runRound();
    await hh.bot.runRound();
    await settle(hh);

    expect((await hh.store.getRequest(id))?.state).toBe('completed');
    const posts = threadPosts(hh, threadTs);
    expect(posts).toEqual([
      expect.stringMatching(/^Rollback R-.{4}: fpo-search → 1\.25\.0/),
      expect.stringMatching(/^:twisted_rightwards_arrows: PR opened: <http[^|]+\|#\d+>/),
      ':white_check_mark: Served on development: `1.25.0-293a4b5` (2 consecutive healthcheck reads), from the PR branch.',
      ':twisted_rightwards_arrows: PR #1 merged by bob. Watching the environments deployed from main.',
      // Pinned from the merge on (issue 17), while verification runs.
      expect.stringMatching(
        /^:pushpin: fpo-search is pinned at `1\.25\.0` by R-.{4} \(PERFORMANCE_DEGRADATION: /,
      ),
      ':white_check_mark: staging verified: serves `1.25.0-293a4b5`.',
      ':white_check_mark: production verified: serves `1.25.0-293a4b5`.',
      expect.stringMatching(
        /^:tada: Rollback complete: production serves 1\.25\.0-293a4b5, 2[3-4] min after the alarm\.$/,
      ),
      // Then its record, once (issue 17, item 4; test/workflows/record.test.ts has the durations).
      `:spiral_note_pad: Timeline of ${id} (completed, UTC):`,
    ]);
    const final = hh.slack
      .callsTo('chat.postMessage')
      .filter((c) => String(c.args.text).startsWith(':tada:'));
    expect(final).toHaveLength(1);
    expect(String(final[0]?.args.reply_broadcast)).toBe('true');
    const card = textOf(hh.slack.callsTo('chat.update').at(-1)?.args);
    expect(card).toContain('Rollback complete');
    expect(card).toContain(':white_check_mark: production serves `1.25.0-293a4b5`');

    // The next status shows the time to verified in history, and nothing active.
    const history = await hh.command('history');
    const text = textOf(await hh.slack.waitFor(() => hh.slack.responsesTo(history.responseId)[0]?.body));
    expect(text).toMatch(/verified after \d+ min/);
  });

  it('without webhooks it polls the PR, and a restart mid-tracking posts nothing twice', async () => {
    const hh = await start();
    const { id, threadTs } = await rollbackFromAlert(hh);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    const [pr] = await hh.slack.waitFor(() => pulls(hh).length > 0 && pulls(hh));
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    hh.health.serve('development', '1.25.0-293a4b5');
    await hh.bot.runRound();
    await hh.bot.runRound();
    hh.github.mergePull(REPO, pr?.number ?? 0, 'carol');
    await hh.bot.runRound();
    expect((await hh.store.getRequest(id))?.state).toBe('merged');
    hh.health.serve('staging', '1.25.0-293a4b5');
    hh.health.serve('production', '1.25.0-293a4b5');
    await hh.bot.runRound(); // one read each: not yet verified

    // Status shows the rollback in flight with its checklist.
    const status = await hh.command('status');
    const shown = textOf(await hh.slack.waitFor(() => hh.slack.responsesTo(status.responseId)[0]?.body));
    expect(shown).toContain(`*Active rollbacks*\n*${id}* → \`1.25.0-293a4b5\` · merged`);
    expect(shown).toContain(':white_check_mark: development serves `1.25.0-293a4b5`');
    expect(shown).toContain(':white_check_mark: merged by carol');
    expect(shown).toContain(
      ':hourglass_flowing_sand: production: waiting (serves `1.25.0-293a4b5`, 1/2 reads)',
    );

    await hh.restart();
    await hh.bot.runRound();
    await hh.bot.runRound();
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('completed');
    const posts = threadPosts(hh, threadTs);
    for (const milestone of [
      'PR opened',
      'Served on development',
      'merged by carol',
      'staging verified',
      'production verified',
      'Rollback complete',
    ]) {
      expect(posts.filter((p) => p.includes(milestone))).toHaveLength(1);
    }
  });

  it('fails verification after the timeout and says what production still serves', async () => {
    let now = new Date();
    const hh = await start({ now: () => now });
    await hh.command('to previous');
    const id = await postedCard(hh);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    const [pr] = await hh.slack.waitFor(() => pulls(hh).length > 0 && pulls(hh));
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    hh.github.mergePull(REPO, pr?.number ?? 0, 'bob');
    await hh.bot.runRound();
    hh.health.serve('staging', '1.25.0-293a4b5');
    await hh.bot.runRound();
    await hh.bot.runRound();
    now = new Date(now.getTime() + 46 * 60_000);
    await hh.bot.runRound();
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('verify_failed');
    const texts = hh.slack.callsTo('chat.postMessage').map((c) => String(c.args.text));
    expect(
      texts.filter((t) => t.includes('production still serves `1.25.3-3a4b5c6` after 45 min')),
    ).toHaveLength(1);
    const outcome = hh.slack
      .callsTo('chat.postMessage')
      .filter((c) => String(c.args.text).includes('NOT verified'));
    expect(outcome).toHaveLength(1);
    expect(String(outcome[0]?.args.reply_broadcast)).toBe('true');
    expect(String(outcome[0]?.args.text)).toContain('production still serves `1.25.3-3a4b5c6` after 46 min');
  });

  it('a PR closed without merge abandons the request and says so; reopening resumes it', async () => {
    const hh = await start({ webhookSecret: SECRET });
    await hh.command('to previous');
    const id = await postedCard(hh);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    const [pr] = await hh.slack.waitFor(() => pulls(hh).length > 0 && pulls(hh));
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    hh.github.closePull(REPO, pr?.number ?? 0);
    expect(
      (await sendWebhook(hh, 'pull_request', closedEvent(REPO, pr ?? { number: 0 }, false), SECRET)).status,
    ).toBe(200);
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('abandoned');
    const said = hh.slack
      .callsTo('chat.postMessage')
      .filter((c) => String(c.args.text).includes('closed without merging'));
    expect(said).toHaveLength(1);
    expect(String(said[0]?.args.reply_broadcast)).toBe('true');

    // Reopening the PR resumes the rollback.
    hh.github.reopenPull(REPO, pr?.number ?? 0);
    const reopened = { ...closedEvent(REPO, pr ?? { number: 0 }, false), action: 'reopened' };
    expect((await sendWebhook(hh, 'pull_request', reopened, SECRET)).status).toBe(200);
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('pr_open');
    expect(
      hh.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes('was reopened')),
    ).toHaveLength(1);
  });
});
