/**
 * The audit's broken promises (issue 14: safe target, two keys, one-line PR), each driven the way it was
 * found: signed Slack requests and GitHub webhooks, the real clients against the local fakes.
 */
import { describe, expect, it } from 'vitest';
import { branchName } from '../../src/domain/prText.js';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { loadBucketListing } from '../../world/s3.js';
import { sendEvent } from '../../world/slack/requests.js';
import { closedEvent, sendWebhook } from '../support/github.js';
import {
  ALERT_CHANNEL,
  GITHUB_TEST_RETRY,
  type Harness,
  ONCALL_GROUP,
  REPO,
  SIGNING_SECRET,
  USERS,
  useHarness,
} from '../support/harness.js';
import { ephemeralTo, latestCard, postedCard, pulls, settle, threadReplies, until } from './support.js';

const start = useHarness();
const SECRET = 'webhook-secret';
const now = () => new Date().toISOString();

/** The buttons of the latest rendering of a request's card. */
function latestButtons(h: Harness, id: string): string[] {
  const renders = h.slack.calls.filter(
    (c) =>
      (c.method === 'chat.postMessage' || c.method === 'chat.update') &&
      JSON.stringify(c.args.blocks ?? []).includes(`Rollback ${id}`),
  );
  const blocks = (renders.at(-1)?.args.blocks ?? []) as Array<{ elements?: Array<{ action_id?: string }> }>;
  return blocks.flatMap((b) => (b.elements ?? []).map((e) => e.action_id ?? '')).filter(Boolean);
}

/** A newer iteration of `version` lands in the bucket: trained, failed validation, never promoted. */
async function failedIterationLands(h: Harness, iteration: string) {
  await h.s3.putObjects([
    { key: `${iteration}/model.zip`, lastModified: now(), size: 1000 },
    { key: `${iteration}/failed`, lastModified: now(), size: 0 },
  ]);
}

async function ask(h: Harness, text: string, user = USERS.alice): Promise<string> {
  await h.command(text, user);
  return postedCard(h);
}

describe('1. a plan that fails its checks is never approved into a PR', () => {
  it('a failed iteration landing after the request ends it at the Approve: no PR, no Approve button', async () => {
    const hh = await start();
    const id = await ask(hh, 'to 1.25.0');
    await failedIterationLands(hh, '1.25.0-deadbee');
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('ends without a PR')));
    await settle(hh);
    const request = await hh.store.getRequest(id);
    expect(request?.state).toBe('refused');
    const reply = threadReplies(hh).find((t) => t.includes('ends without a PR')) ?? '';
    expect(reply).toContain('1.25.0-deadbee failed validation');
    expect(reply).toContain('/rollback versions fpo-search');
    expect(latestButtons(hh, id)).toEqual([]);
    expect(latestCard(hh, id)).toContain('Ended: its plan fails a check');

    // An old card's Approve button pressed again: told, never counted, never a PR.
    const late = await hh.click(ACTIONS.approve, id, USERS.carol);
    const told = await ephemeralTo(hh, late.responseId);
    expect(told).toContain('ended: its plan failed a check');
    expect(told).toContain('Your click was not counted');
    await settle(hh);
    expect(pulls(hh)).toEqual([]);
    expect(hh.github.callCount({ method: 'POST' })).toBe(0);
    // The service is free for a request with a safe target.
    expect(await hh.store.findActive('fpo-search')).toBeUndefined();
  });

  it('the prefix trap appearing after the request (a newer 1.1.10 model) ends it too', async () => {
    const listing = (await loadBucketListing()).filter((o) => !o.key.startsWith('1.1.10-'));
    const hh = await start({ objects: listing });
    const id = await ask(hh, 'to 1.1.1');
    await hh.s3.putObjects(
      ['model.zip', 'passed', 'staging', 'production'].map((f) => ({
        key: `1.1.10-c0ffee1/${f}`,
        lastModified: now(),
        size: f === 'model.zip' ? 1000 : 0,
      })),
    );
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('ends without a PR')));
    expect(threadReplies(hh).join('\n')).toContain('prefix trap');
    expect((await hh.store.getRequest(id))?.state).toBe('refused');
    expect(pulls(hh)).toEqual([]);
  });

  it('Retry rebuilds the whole plan: an iteration re-validated as failed is refused', async () => {
    const hh = await start();
    const id = await ask(hh, 'to 1.25.0');
    hh.github.failNext('POST', /\/pulls$/, 500, GITHUB_TEST_RETRY.attempts);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_failed');
    // Same iteration name, so CI resolves the version as before; but it no longer passes validation.
    await hh.s3.deleteObjects(['1.25.0-293a4b5/passed']);
    await hh.s3.putObjects([{ key: '1.25.0-293a4b5/failed', lastModified: now(), size: 0 }]);
    await hh.click(ACTIONS.retry, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'refused');
    // The click's attempt or the background's resume (whichever held the request) says why.
    await hh.slack.waitFor(() =>
      threadReplies(hh).find((t) => t.includes('1.25.0-293a4b5 failed validation')),
    );
    expect(pulls(hh)).toEqual([]);
  });

  it('a failed PR attempt expires after request_ttl_minutes; Retry after that is refused with why', async () => {
    let clock = Date.now();
    const hh = await start({ now: () => new Date(clock) });
    const id = await ask(hh, 'to previous');
    hh.github.failNext('POST', /\/pulls$/, 500, GITHUB_TEST_RETRY.attempts);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_failed');
    await hh.slack.waitFor(() =>
      threadReplies(hh).find((t) => t.includes('Press *Retry* on the card before')),
    );
    clock += 61 * 60_000; // request_ttl_minutes defaults to 60
    const retry = await hh.click(ACTIONS.retry, id, USERS.bob);
    expect(await ephemeralTo(hh, retry.responseId)).toContain('the time to retry is over');
    expect((await hh.store.getRequest(id))?.state).toBe('expired');
    await hh.slack.waitFor(() =>
      threadReplies(hh).find((t) => t.includes('its PR could not be opened and nobody retried in time')),
    );
    expect(pulls(hh)).toEqual([]);
  });
});

describe('2. a request the bot opens itself still needs two people', () => {
  const auto = { serviceToml: 'on_alarm = "request"' };
  let n = 0;
  const alertMessage = (event: Record<string, unknown>) => {
    n++;
    return {
      type: 'event_callback',
      team_id: 'T1',
      api_app_id: 'A1',
      event_id: `EvSafety${n}`,
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'message',
        channel: ALERT_CHANNEL,
        channel_type: 'channel',
        ts: `17000${n}0000.000100`,
        text: 'ALARM: fpo-search-production-5xx',
        ...event,
      },
    };
  };

  it('a person typing the alarm’s name in the alert channel opens nothing', async () => {
    const hh = await start(auto);
    const typed = alertMessage({ user: USERS.bob });
    expect((await sendEvent(hh.url, SIGNING_SECRET, typed)).status).toBe(200);
    await settle(hh);
    expect(hh.slack.callsTo('chat.postMessage')).toEqual([]);
    expect(await hh.store.findActive('fpo-search')).toBeUndefined();
  });

  it('an integration’s alert opens a request needing two approvers, and the audit says what triggered it', async () => {
    const hh = await start(auto);
    const alert = alertMessage({ bot_id: 'BALERTS01', username: 'CloudWatch' });
    await sendEvent(hh.url, SIGNING_SECRET, alert);
    const id = await postedCard(hh);
    expect(latestCard(hh, id)).toContain('0 of 2 approvals');
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => latestCard(hh, id).includes('1 of 2 approvals'));
    const again = await hh.click(ACTIONS.approve, id, USERS.bob);
    expect(await ephemeralTo(hh, again.responseId)).toContain('it counts once');
    expect(pulls(hh)).toEqual([]);
    await hh.click(ACTIONS.approve, id, USERS.carol);
    await hh.slack.waitFor(() => pulls(hh).length === 1);
    const requested = (await hh.store.events(id)).find((e) => e.kind === 'requested');
    expect(requested?.detail.trigger).toMatchObject({
      kind: 'alert_message',
      alarm: 'fpo-search-production-5xx',
      channel: ALERT_CHANNEL,
      ts: alert.event.ts,
      botId: 'BALERTS01',
      username: 'CloudWatch',
    });
    const trigger = requested?.detail.trigger as { permalink?: string } | undefined;
    expect(String(trigger?.permalink)).toContain(ALERT_CHANNEL);
  });

  it('with alert_message_bots set, another integration’s message is not an alert', async () => {
    const hh = await start({ ...auto, botToml: 'alert_message_bots = ["BALERTS01"]' });
    await sendEvent(hh.url, SIGNING_SECRET, alertMessage({ bot_id: 'BOTHERAPP1' }));
    await settle(hh);
    expect(hh.slack.callsTo('chat.postMessage')).toEqual([]);
    await sendEvent(hh.url, SIGNING_SECRET, alertMessage({ bot_id: 'BALERTS01' }));
    await postedCard(hh);
  });
});

describe('3. only the bot’s own PR is the request’s', () => {
  it('a fork’s PR carrying the request’s marker is never adopted', async () => {
    const hh = await start({ webhookSecret: SECRET });
    const id = await ask(hh, 'to previous');
    hh.github.failNext('POST', /\/pulls$/, 500, GITHUB_TEST_RETRY.attempts);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_failed');
    const number = hh.github.openPull(REPO, {
      head: 'totally-unrelated',
      user: 'mallory',
      title: 'fix: tweak',
      body: `<!-- rollback-bot request=${id} -->`,
      fork: { fullName: 'mallory/fpo-search', files: { 'search-config.toml': 'version = "0.0.1"\n' } },
    });
    const [pr] = pulls(hh);
    const opened = { ...closedEvent(REPO, pr ?? {}, false), action: 'opened' };
    const res = await sendWebhook(hh, 'pull_request', opened, SECRET);
    expect(JSON.parse(res.body)).toEqual({ ignored: 'not a rollback PR' });
    hh.github.closePull(REPO, number);
    await sendWebhook(hh, 'pull_request', closedEvent(REPO, pr ?? {}, false), SECRET);
    await settle(hh);
    const request = await hh.store.getRequest(id);
    expect(request?.state).toBe('pr_failed');
    expect(request?.pr).toBeUndefined();
    expect(threadReplies(hh).join('\n')).not.toContain(`#${number}`);
    expect(await hh.store.rolledBackFrom('fpo-search')).toEqual(new Set());

    // The bot's own PR still opens on Retry.
    await hh.click(ACTIONS.retry, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    expect((await hh.store.getRequest(id))?.pr?.number).not.toBe(number);
  });

  it('a person’s PR from the request’s own branch is neither adopted by a webhook nor by Retry', async () => {
    const hh = await start({ webhookSecret: SECRET });
    const id = await ask(hh, 'to previous');
    hh.github.failNext('POST', /\/pulls$/, 500, GITHUB_TEST_RETRY.attempts);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_failed');
    const branch = (await hh.store.getRequest(id))?.branch ?? '';
    const number = hh.github.openPull(REPO, { head: branch, user: 'mallory', title: 'mine now' });
    const [pr] = pulls(hh);
    const res = await sendWebhook(
      hh,
      'pull_request',
      { ...closedEvent(REPO, pr ?? {}, false), action: 'opened' },
      SECRET,
    );
    expect(JSON.parse(res.body)).toEqual({ ignored: 'not a rollback PR' });
    expect((await hh.store.getRequest(id))?.pr).toBeUndefined();
    const audited = (await hh.store.events(id)).find((e) => e.kind === 'foreign_pr_ignored');
    expect(audited?.detail.problem).toContain('opened by mallory');

    await hh.click(ACTIONS.retry, id, USERS.bob);
    await hh.slack.waitFor(() =>
      threadReplies(hh).find((t) => t.includes(`PR #${number} is not the bot's own`)),
    );
    const request = await hh.store.getRequest(id);
    expect(request?.state).toBe('pr_failed');
    expect(request?.pr).toBeUndefined();
    expect(pulls(hh)).toHaveLength(1);
  });
});

describe('4. a branch pushed in advance is never reused with its commits', () => {
  it('refuses a branch holding someone else’s commit, under the old name or the stored one', async () => {
    const hh = await start();
    const id = await ask(hh, 'to previous');
    const stored = (await hh.store.getRequest(id))?.branch ?? '';
    // The name older builds derived from the card's request id alone, and the one stored with it.
    for (const branch of [branchName('rollback/', 'fpo-search', '1.25.0', id), stored]) {
      hh.github.createBranch(REPO, branch, 'main');
      hh.github.commitFile(REPO, branch, '.github/workflows/deploy.yml', 'on: push\n', 'ci', 'mallory');
    }
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('Opening the PR failed')));
    const reply = threadReplies(hh).find((t) => t.includes('Opening the PR failed')) ?? '';
    expect(reply).toContain(`Branch ${stored} is not the bot's own`);
    expect(reply).toContain('is by mallory, not by the bot');
    expect(reply).toContain('delete the branch on GitHub, then press Retry');
    expect(pulls(hh)).toEqual([]);
    expect(hh.github.fileAt(REPO, stored, 'search-config.toml')).toBe(
      hh.github.fileAt(REPO, 'main', 'search-config.toml'),
    );

    // Once the branch is gone, Retry makes the one-line PR on a branch of the bot's own.
    hh.github.deleteBranch(REPO, stored);
    await hh.click(ACTIONS.retry, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    const [pr] = pulls(hh);
    expect(pr?.head.ref).toBe(stored);
    expect(hh.github.diff(REPO, Number(pr?.number)).map((f) => f.filename)).toEqual(['search-config.toml']);
  });

  it('a branch a previous attempt of the bot left (its own commit only) is reused', async () => {
    const hh = await start();
    const id = await ask(hh, 'to previous');
    hh.github.failNext('POST', /\/pulls$/, 500, GITHUB_TEST_RETRY.attempts);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_failed');
    await hh.click(ACTIONS.retry, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    expect(pulls(hh)).toHaveLength(1);
    expect(hh.github.diff(REPO, Number(pulls(hh)[0]?.number))).toHaveLength(1);
  });
});

describe('9. a passing GitHub hiccup needs no human', () => {
  it('two 500s on POST /pulls are retried: the PR opens, nothing failed is said', async () => {
    const hh = await start();
    const id = await ask(hh, 'to previous');
    hh.github.failNext('POST', /\/pulls$/, 500, 2);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    await settle(hh);
    expect(pulls(hh)).toHaveLength(1);
    expect(hh.github.callCount({ method: 'POST', path: /\/pulls$/ })).toBe(3);
    expect(threadReplies(hh).join('\n')).not.toContain('failed');
  });

  it('a 4xx is never retried', async () => {
    const hh = await start();
    const id = await ask(hh, 'to previous');
    hh.github.failNext('POST', /\/pulls$/, 403);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_failed');
    expect(hh.github.callCount({ method: 'POST', path: /\/pulls$/ })).toBe(1);
  });
});

describe('16. a captured webhook replayed with a new delivery id changes nothing', () => {
  it('a replayed "closed" after the PR was reopened leaves the rollback followed', async () => {
    const hh = await start({ webhookSecret: SECRET });
    const id = await ask(hh, 'to previous');
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
    const [pr] = pulls(hh);
    const number = Number(pr?.number);
    hh.github.closePull(REPO, number);
    const captured = closedEvent(REPO, pr ?? {}, false);
    await sendWebhook(hh, 'pull_request', captured, SECRET);
    await until(async () => (await hh.store.getRequest(id))?.state === 'abandoned');
    hh.github.reopenPull(REPO, number);
    await sendWebhook(hh, 'pull_request', { ...captured, action: 'reopened' }, SECRET);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');

    // sendWebhook draws a new delivery id each time: the same signed body, replayed.
    expect((await sendWebhook(hh, 'pull_request', captured, SECRET)).status).toBe(200);
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('pr_open');
    expect(threadReplies(hh).filter((t) => t.includes('closed without merging'))).toHaveLength(1);
  });
});

describe('17. a member removed from the approvers’ group cannot approve', () => {
  it('the click that would open the PR reads the group again', async () => {
    const hh = await start({ botToml: 'usergroup_cache_seconds = 300' });
    const id = await ask(hh, 'to previous');
    // A stranger's click fills the group cache while dave is still on call.
    const stranger = await hh.click(ACTIONS.approve, id, USERS.mallory);
    expect(await ephemeralTo(hh, stranger.responseId)).toContain('You are not an approver');
    hh.usergroups[ONCALL_GROUP] = [USERS.carol];
    const click = await hh.click(ACTIONS.approve, id, USERS.dave);
    expect(await ephemeralTo(hh, click.responseId)).toContain('You are not an approver for fpo-search');
    await settle(hh);
    expect(pulls(hh)).toEqual([]);
    expect((await hh.store.getRequest(id))?.approvals).toEqual([]);
  });
});
