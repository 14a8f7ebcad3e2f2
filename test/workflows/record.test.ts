/**
 * Issue 17, items 4 and 5: when a request ends, its timeline in the thread (once), the time to restore
 * measured, the postmortem draft from the CLI, and the outcome told outside the thread: SNS (the
 * founding function's message), stakeholder channels and user group mentions. The bot's clock is the
 * test's, so every duration is exact.
 */
import { describe, expect, it } from 'vitest';
import { runHistory, runReport } from '../../src/cli.js';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { snsAlarm } from '../../world/alarms.js';
import { ALARM, type Harness, ONCALL_GROUP, REPO, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { postedCard, pulls, settle, until } from './support.js';

const start = useHarness();
const NOTIFY_TOPIC = 'arn:aws:sns:eu-west-2:111122223333:model-rollbacks';
const STAKEHOLDERS = 'CSTAKEHOLD1';
const notify = `notify = { sns_topic_arn = "${NOTIFY_TOPIC}", channels = ["${STAKEHOLDERS}"], usergroups = ["${ONCALL_GROUP}"] }`;

/** A clock the test moves; starts on a whole second so the alarm's time survives CloudWatch's format. */
function testClock() {
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
  let now = t0;
  return {
    now: () => now,
    /** Sets the clock `seconds` after the start. */
    at: (seconds: number) => {
      now = new Date(t0.getTime() + seconds * 1000);
    },
  };
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

const timelinePosts = (hh: Harness) =>
  hh.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith(':spiral_note_pad:'));

describe('the record of a rollback (issue 17, item 4)', () => {
  it('alarm → request → approval → PR → merge → each environment → verified: timeline once, exact durations, metric, report', async () => {
    const clock = testClock();
    const hh = await start({ now: clock.now, serviceToml: `on_alarm = "request"\n${notify}` });
    // The alarm changed state 30 minutes before the bot's "now"; SNS delivers it at 0.
    clock.at(0);
    const alarm = snsAlarm('ALARM', new Date(clock.now().getTime() - 30 * 60_000));
    expect((await hh.post('/alerts/sns', JSON.stringify(alarm))).status).toBe(200);
    const id = await postedCard(hh);
    // Opened by the bot on an alarm: two approvers must agree.
    clock.at(120);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await settle(hh);
    clock.at(150);
    await hh.click(ACTIONS.approve, id, USERS.carol);
    const [pr] = await hh.slack.waitFor(() => pulls(hh).length > 0 && pulls(hh));
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    hh.health.serve('development', '1.25.0-293a4b5');
    clock.at(180);
    await hh.bot.runRound();
    clock.at(240);
    await hh.bot.runRound(); // development serving (second read)
    hh.github.mergePull(REPO, pr?.number ?? 0, 'bob');
    clock.at(300);
    await hh.bot.runRound(); // merged
    hh.health.serve('staging', '1.25.0-293a4b5');
    hh.health.serve('production', '1.25.0-293a4b5');
    clock.at(360);
    await hh.bot.runRound();
    clock.at(420);
    await hh.bot.runRound(); // both verified: completed
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('completed');

    // The histogram, by definition.
    const metric = await hh.bot.metrics.registry.getSingleMetricAsString(
      'rollback_bot_time_to_restore_seconds',
    );
    expect(metric).toContain('rollback_bot_time_to_restore_seconds_sum{from="alarm"} 2220');
    expect(metric).toContain('rollback_bot_time_to_restore_seconds_sum{from="request"} 420');

    // In the thread, once, after the outcome; another round or a restart says nothing more.
    await hh.bot.runRound();
    await hh.restart();
    await hh.bot.runRound();
    await settle(hh);
    const posts = timelinePosts(hh);
    expect(posts).toHaveLength(1);
    const text = String(posts[0]?.args.text);
    expect(text.split('\n')).toEqual([
      `:spiral_note_pad: Timeline of ${id} (completed, UTC):`,
      expect.stringMatching(/^• `[\d-]+ [\d:]+` alarm fired$/),
      expect.stringMatching(/requested by rollback-bot \(\+30 min\)$/),
      expect.stringMatching(/approved by ubob000001 \(\+2 min\)$/),
      expect.stringMatching(/approved by ucarol0001 \(\+30 s\)$/),
      expect.stringMatching(/PR opened \(\+0 s\)$/),
      expect.stringMatching(/development serving \(\+1 min 30 s\)$/),
      expect.stringMatching(/merged by bob \(\+1 min\)$/),
      expect.stringMatching(/staging serving \(\+2 min\)$/),
      expect.stringMatching(/production serving \(\+0 s\)$/),
      expect.stringMatching(/verified \(\+0 s\)$/),
      expect.stringMatching(
        /^Time to restore: 37 min from the alarm, 7 min from the request \(to production verified\)\. Time to decide: 2 min 30 s\. `rollback-bot report R-.{4}` drafts the postmortem\.$/,
      ),
    ]);

    // The postmortem draft, as JSON and as Markdown.
    const json = capture();
    expect(await runReport({ words: [id], json: true, markdown: false }, hh.store, json.io)).toBe(0);
    const report = JSON.parse(json.out.join(''));
    expect(report).toMatchObject({
      request: id,
      service: 'fpo-search',
      from: '1.25.3-3a4b5c6',
      to: '1.25.0-293a4b5',
      reason: 'PERFORMANCE_DEGRADATION',
      outcome: 'completed',
      time_to_restore_seconds: { from_alarm: 2220, from_request: 420 },
      time_to_decide_seconds: 150,
      links: {
        pr: pr?.html_url,
        thread: expect.stringMatching(/^https:\/\/slack\.com\/archives\/CALERTS001\/p\d+$/),
        alarm: `https://eu-west-2.console.aws.amazon.com/cloudwatch/home?region=eu-west-2#alarmsV2:alarm/${ALARM}`,
      },
    });
    expect(report.steps.map((s: { step: string }) => s.step)).toEqual([
      'alarm_fired',
      'requested',
      'approval',
      'approval',
      'pr_opened',
      'serving',
      'merged',
      'serving',
      'serving',
      'verified',
    ]);
    // The merge pinned the service at the target (issue 17, item 1); no mark in the bucket is configured.
    expect(report.pin).toEqual({
      version: '1.25.0',
      by: 'bob',
      reason: 'PERFORMANCE_DEGRADATION: opened automatically on alarm fpo-search-production-5xx',
    });
    expect(report).not.toHaveProperty('preserved');
    const md = capture();
    expect(await runReport({ words: [id.toLowerCase()], json: false, markdown: true }, hh.store, md.io)).toBe(
      0,
    );
    const draft = md.out.join('');
    expect(draft).toContain(`# Rollback ${id}: fpo-search 1.25.3-3a4b5c6 → 1.25.0-293a4b5`);
    expect(draft).toMatch(
      /^\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \| approved by ubob000001 \| \+2 min \|$/m,
    );
    expect(draft).toContain('- Time to restore, from the alarm to production verified: 37 min');
    expect(draft).toContain('- Time to restore, from the request to production verified: 7 min');
    expect(draft).toContain('- Time to decide, from the request to the last approval: 2 min 30 s');
    expect(draft).toContain(`- PR: ${pr?.html_url}`);
    expect(draft).toContain('## Next steps');

    // history --json: the request's last entry carries the same timeline; the other lines are as before.
    const history = capture();
    expect(await runHistory({ words: [], json: true }, hh.config, hh.store, history.io)).toBe(0);
    const lines = history.out.map((l) => JSON.parse(l));
    const carrying = lines.filter((l) => l.timeline);
    expect(carrying).toHaveLength(1);
    expect(carrying[0]).toMatchObject({ kind: 'verified', requestId: id });
    expect(carrying[0].timeline).toEqual(
      expect.objectContaining({
        steps: report.steps,
        time_to_restore_seconds: report.time_to_restore_seconds,
      }),
    );
  });

  it('an expired request: requested → expired, no time to restore, told to SNS as not rolled back', async () => {
    const clock = testClock();
    const hh = await start({ now: clock.now, serviceToml: notify });
    await hh.command('to previous');
    const id = await postedCard(hh);
    clock.at(61 * 60);
    await hh.bot.runRound();
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('expired');
    const json = capture();
    await runReport({ words: [id], json: true, markdown: false }, hh.store, json.io);
    const report = JSON.parse(json.out.join(''));
    expect(report.steps).toEqual([
      { step: 'requested', at: expect.any(String), by: USERS.alice, by_name: 'ualice0001' },
      { step: 'expired', at: expect.any(String), by: 'rollback-bot', since_previous_seconds: 3660 },
    ]);
    expect(report.time_to_restore_seconds).toEqual({ from_alarm: null, from_request: null });
    expect(report.time_to_decide_seconds).toBeNull();
    await until(async () => timelinePosts(hh).length === 1);
    expect(String(timelinePosts(hh)[0]?.args.text)).toContain('Not restored by this request.');
    await until(async () => hh.snsPublish.messages.length === 1);
    expect(hh.snsPublish.received(NOTIFY_TOPIC)[0]).toMatchObject({
      rolled_back: false,
      outcome: 'expired',
      request: id,
      triggered_by: 'ualice0001',
    });
  });
});

describe('notify (issue 17, item 5)', () => {
  it('SNS gets the founding message once with its subject; the stakeholder channel a line; the outcome mentions the user group', async () => {
    const clock = testClock();
    const hh = await start({ now: clock.now, serviceToml: notify });
    await hh.command('to previous');
    const id = await postedCard(hh);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    const [pr] = await hh.slack.waitFor(() => pulls(hh).length > 0 && pulls(hh));
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    hh.github.mergePull(REPO, pr?.number ?? 0, 'bob');
    await hh.bot.runRound();
    hh.health.serve('staging', '1.25.0-293a4b5');
    hh.health.serve('production', '1.25.0-293a4b5');
    await hh.bot.runRound();
    clock.at(90);
    await hh.bot.runRound();
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('completed');
    await hh.bot.runRound();
    await settle(hh);

    expect(hh.snsPublish.messages).toHaveLength(1);
    const [sent] = hh.snsPublish.messages;
    expect(sent?.topicArn).toBe(NOTIFY_TOPIC);
    expect(sent?.subject).toBe('Model Rollback: fpo-search');
    const request = await hh.store.getRequest(id);
    expect(JSON.parse(sent?.message ?? '{}')).toEqual({
      rolled_back: true,
      model_name: 'fpo-search',
      from_version: '1.25.3-3a4b5c6',
      to_version: '1.25.0-293a4b5',
      reason: 'MANUAL_REQUEST',
      // The requester (by name, as Slack gave it): no alarm led to this one.
      triggered_by: request?.requesterName,
      timestamp: clock.now().toISOString(),
      outcome: 'completed',
      request: id,
      pr: pr?.html_url,
      thread: `https://slack.com/archives/${request?.channel}/p${request?.cardTs?.replace('.', '')}`,
    });

    const summaries = hh.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === STAKEHOLDERS);
    expect(summaries).toHaveLength(1);
    expect(textOf(summaries[0]?.args)).toMatch(
      new RegExp(
        `^:rewind: fpo-search: rollback ${id} from \`1\\.25\\.3-3a4b5c6\` to \`1\\.25\\.0-293a4b5\` rolled back and verified\\. <https://slack\\.com/archives/[^|]+\\|Thread>$`,
      ),
    );
    const outcome = hh.slack
      .callsTo('chat.postMessage')
      .filter((c) => String(c.args.text).startsWith(':tada:'));
    expect(outcome).toHaveLength(1);
    expect(String(outcome[0]?.args.text)).toMatch(new RegExp(`<!subteam\\^${ONCALL_GROUP}>$`));
    // Only outcomes mention the group.
    const mentions = hh.slack
      .callsTo('chat.postMessage')
      .filter((c) => String(c.args.text).includes('<!subteam^'));
    expect(mentions).toHaveLength(1);
  });

  it('a refused publish is retried by the repair round with back-off, then sent once', async () => {
    const hh = await start({ serviceToml: notify, botToml: 'repair_after_seconds = 1' });
    hh.snsPublish.failNext(1, 'Throttling', 400);
    await hh.command('to previous');
    const id = await postedCard(hh);
    await hh.command(`cancel ${id}`);
    await until(async () => (await hh.store.getRequest(id))?.state === 'cancelled');
    await settle(hh);
    expect(hh.snsPublish.messages).toHaveLength(0);
    await until(async () => {
      await hh.bot.runRound();
      return hh.snsPublish.messages.length > 0;
    }, 8000);
    await hh.bot.runRound();
    expect(hh.snsPublish.received()).toEqual([
      expect.objectContaining({ rolled_back: false, outcome: 'cancelled', request: id }),
    ]);
  });

  it('a topic that refuses the bot (403) is given up after a few attempts, audited', async () => {
    const hh = await start({ serviceToml: notify, botToml: 'repair_after_seconds = 1' });
    hh.snsPublish.failNext(10, 'AuthorizationError', 403);
    await hh.command('to previous');
    const id = await postedCard(hh);
    await hh.command(`cancel ${id}`);
    await until(async () => {
      await hh.bot.runRound();
      return (await hh.store.events(id)).some((e) => e.kind === 'notify_gave_up');
    }, 15_000);
    const gaveUp = (await hh.store.events(id)).find((e) => e.kind === 'notify_gave_up');
    expect(gaveUp?.detail).toMatchObject({
      what: 'SNS message notify:sns',
      code: 'http_403',
      permanent: true,
    });
    expect(String(gaveUp?.detail.error)).toContain(`SNS Publish to ${NOTIFY_TOPIC} failed: HTTP 403`);
    expect(hh.snsPublish.messages).toHaveLength(0);
  }, 20_000);
});
