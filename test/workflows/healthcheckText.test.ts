/**
 * Issue 14, finding 7: what a healthcheck answers is outside text. An environment serving markup instead
 * of a model name must not ping a channel, mask a link, close an issue or reach anyone as anything but
 * text: on `/rollback status`, in the thread notices that are broadcast, and in the PR.
 */
import { describe, expect, it } from 'vitest';
import { githubName } from '../../src/domain/prText.js';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { GITHUB_TOKEN, REPO, USERS, useHarness } from '../support/harness.js';
import { rawTextOf, textOf } from '../support/slackText.js';
import { postedCard, pulls, settle, threadReplies, until } from './support.js';

const start = useHarness();

// Within the 64 characters a healthcheck's model_version may have (a longer one reads as failing).
const HOSTILE = '<!channel> <https://e.vil|runbook> <@U0BOSS0001> fixes #12 @octo';
/** What Slack would parse as a broadcast, a mention or a masked link in raw message text. */
const SLACK_MARKUP = ['<!channel>', '<https://e.vil', '<@U0BOSS0001>'];

describe('a healthcheck answering markup instead of a model name', () => {
  it('`/rollback status` in the channel shows it as text: no @channel, no masked link', async () => {
    const hh = await start();
    hh.health.serve('production', HOSTILE);
    const res = await hh.command('status');
    const body = await hh.slack.waitFor(() => hh.slack.responsesTo(res.responseId)[0]?.body);
    expect(body.response_type).toBe('in_channel');
    const raw = rawTextOf(body);
    for (const markup of SLACK_MARKUP) expect(raw).not.toContain(markup);
    // Shown as served, in the environment's field and in the mismatch note.
    expect(textOf(body)).toContain(`production serves ${HOSTILE} but main configures 1.25.3`);
  });

  it('the notices of an environment that never served the target quote it inert, though broadcast', async () => {
    let now = new Date();
    const hh = await start({ now: () => now });
    await hh.command('to previous');
    const id = await postedCard(hh);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    const [pr] = await hh.slack.waitFor(() => pulls(hh).length > 0 && pulls(hh));
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    hh.github.mergePull(REPO, pr?.number ?? 0, 'bob');
    for (const env of ['development', 'staging', 'production']) hh.health.serve(env, HOSTILE);
    await hh.bot.runRound();
    await hh.bot.runRound();
    now = new Date(now.getTime() + 46 * 60_000);
    await hh.bot.runRound();
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('verify_failed');

    const notices = hh.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.thread_ts !== undefined && /still serves|NOT verified/.test(String(c.args.text)));
    expect(notices.map((c) => textOf(c.args))).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`production still serves \`${HOSTILE}\` after 45 min`),
        expect.stringContaining(`NOT verified: staging still serves \`${HOSTILE}\``),
      ]),
    );
    expect(notices.some((c) => String(c.args.reply_broadcast) === 'true')).toBe(true);
    const raw = [...notices.map((c) => rawTextOf(c.args)), ...threadReplies(hh)].join('\n');
    for (const markup of SLACK_MARKUP) expect(raw).not.toContain(markup);
  });

  it("a PR opened meanwhile names it only reduced to a model name's alphabet: title, commit, body", async () => {
    const hh = await start({
      serviceToml: 'pr.title_template = "fix(model): roll back {service} from {from} to {version}"',
    });
    hh.health.serve('staging', HOSTILE);
    hh.health.serve('production', HOSTILE);
    await hh.command('to previous');
    const id = await postedCard(hh);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('PR opened')));
    const pr = pulls(hh)[0];
    const res = await fetch(`${hh.github.url}/repos/${REPO}/commits/${pr?.head.sha}`, {
      headers: { authorization: `token ${GITHUB_TOKEN}` },
    });
    const message = String(((await res.json()) as { commit: { message: string } }).commit.message);
    expect(pr?.title).toBe(`fix(model): roll back fpo-search from ${githubName(HOSTILE)} to 1.25.0`);
    expect(message.split('\n')[0]).toBe(pr?.title);
    const body = String(pr?.body).replace(`<!-- rollback-bot request=${id} -->`, '');
    expect(body).toContain(`production: \`${githubName(HOSTILE)}\``);
    for (const text of [String(pr?.title), message, body]) {
      expect(text).not.toMatch(/<|@octo|@U0BOSS|#12|:\/\/e\.vil/);
    }
  });
});
