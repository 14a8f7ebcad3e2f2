/**
 * Issue 14, finding 13: Slack posts that keep failing (a thread message, a card the repair round posts)
 * are retried with a back-off that doubles, counted in the database, and given up after a bounded
 * number of attempts, sooner for errors no retry fixes, with one audit record; and rows kept only for a
 * while are pruned after their retention.
 */
import { describe, expect, it } from 'vitest';
import { findService } from '../../src/config/botConfig.js';
import { makePlan } from '../../src/workflows/requestRollback.js';
import { CHANNEL, type Harness, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { postedCard, until } from './support.js';

const start = useHarness();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const postsSaying = (hh: Harness, text: string) =>
  hh.slack.callsTo('chat.postMessage').filter((c) => textOf(c.args).includes(text));

/**
 * The give-up records of the request's outcome message. (Its timeline, posted after it and refused
 * alike, is a post of its own with its own record.)
 */
async function gaveUp(hh: Harness, id: string) {
  const outcome = async () =>
    (await hh.store.events(id)).filter(
      (e) => e.kind === 'slack_gave_up' && e.detail.what !== 'thread message timeline',
    );
  await until(async () => (await outcome()).length > 0, 15_000);
  return outcome();
}

describe('a thread post Slack keeps refusing', () => {
  it('is retried with a doubling back-off, given up after slack_max_attempts, audited once', async () => {
    const hh = await start({ botToml: 'repair_after_seconds = 0.1\nslack_max_attempts = 4' });
    await hh.command('to previous');
    const id = await postedCard(hh);
    hh.slack.failNext('chat.postMessage', { status: 500 }, 1000);
    await hh.command(`cancel ${id}`);
    const audited = await gaveUp(hh, id);
    expect(audited).toHaveLength(1);
    expect(audited[0]?.detail).toMatchObject({
      what: 'thread message cancelled',
      attempts: 4,
      code: 'http_500',
      permanent: false,
    });
    const posts = postsSaying(hh, `cancelled ${id}`);
    expect(posts).toHaveLength(4);
    // Waits of 100, 200 and 400 ms at least between the attempts (the round looks every 100 ms).
    const gaps = posts.slice(1).map((p, i) => p.at - (posts[i]?.at ?? 0));
    gaps.forEach((gap, i) => {
      expect(gap, `wait before attempt ${i + 2}`).toBeGreaterThanOrEqual(100 * 2 ** i - 20);
    });
    expect(gaps[2]).toBeGreaterThan(gaps[0] ?? 0);
    // Given up means given up: no more calls, however many rounds run.
    await sleep(1500);
    await hh.bot.runRound();
    expect(postsSaying(hh, `cancelled ${id}`)).toHaveLength(4);
    expect(await gaveUp(hh, id)).toHaveLength(1);
  });

  it('gives up after 3 attempts when Slack says the channel is gone', async () => {
    const hh = await start({ botToml: 'repair_after_seconds = 0.1' });
    await hh.command('to previous');
    const id = await postedCard(hh);
    hh.slack.failNext('chat.postMessage', { error: 'channel_not_found' }, 1000);
    await hh.command(`cancel ${id}`);
    const audited = await gaveUp(hh, id);
    expect(audited[0]?.detail).toMatchObject({ attempts: 3, code: 'channel_not_found', permanent: true });
    expect(String(audited[0]?.detail.error)).toContain('channel_not_found');
    await sleep(1000);
    expect(postsSaying(hh, `cancelled ${id}`)).toHaveLength(3);
  });
});

describe('a card the repair round cannot post', () => {
  async function storeWithoutCard(hh: Harness): Promise<string> {
    const service = findService(hh.config, 'fpo-search');
    if (!service) throw new Error('no service');
    const made = await makePlan(hh.bot.workflows, { service, target: { kind: 'previous' }, force: false });
    if (!made.ok) throw new Error(made.problem);
    const createdAt = new Date(Date.now() - 3 * 60_000);
    const request = {
      id: 'R-NCRD',
      service: 'fpo-search',
      state: 'pending' as const,
      requester: USERS.alice,
      reason: 'MANUAL_REQUEST' as const,
      note: '',
      force: false,
      plan: made.plan,
      approvalsRequired: 1,
      approvals: [],
      createdAt,
      expiresAt: new Date(createdAt.getTime() + 3_600_000),
      updatedAt: createdAt,
      channel: CHANNEL,
    };
    expect(await hh.store.createRequest(request)).toEqual({ ok: true });
    return request.id;
  }

  it('is given up after 3 attempts when the bot is not in the channel: the request is withdrawn', async () => {
    const hh = await start({ botToml: 'repair_after_seconds = 0.1' });
    hh.slack.failNext('chat.postMessage', { error: 'not_in_channel' }, 1000);
    const id = await storeWithoutCard(hh);
    const audited = await gaveUp(hh, id);
    expect(audited).toHaveLength(1);
    expect(audited[0]?.detail).toMatchObject({ what: 'card', attempts: 3, code: 'not_in_channel' });
    const request = await hh.store.getRequest(id);
    expect(request?.state).toBe('cancelled');
    expect(request?.lastError).toContain('not_in_channel');
    const cards = () => postsSaying(hh, `Rollback ${id}`);
    expect(cards()).toHaveLength(3);
    await sleep(1000);
    await hh.bot.runRound();
    expect(cards()).toHaveLength(3);
    // The service is free again for a request whose card can be posted.
    hh.slack.reset();
    const res = await hh.command('to previous');
    await hh.slack.waitFor(() => hh.slack.responsesTo(res.responseId)[0]);
    expect(textOf(hh.slack.responsesTo(res.responseId)[0]?.body)).toContain('is posted');
  });
});

describe('rows kept only for a while', () => {
  it('refusals, dry runs and alert threads go after audit_retention_days; requests stay', async () => {
    const hh = await start({ botToml: 'audit_retention_days = 1' });
    await hh.command('to previous --dry-run');
    await hh.command('to 9.9.9');
    await until(async () => (await hh.store.auditTrail(undefined, 10)).length >= 2);
    const old = new Date(Date.now() - 2 * 86_400_000);
    await hh.store.recordEvent({ service: 'fpo-search', kind: 'refused', at: old, detail: { old: true } });
    await hh.store.recordEvent({ service: 'fpo-search', kind: 'dry_run', at: old, detail: { old: true } });
    await hh.store.recordEvent({ service: 'fpo-search', kind: 'requested', requestId: 'R-KEEP', at: old });
    await hh.store.claimAlertEpisode({
      key: 'alarm:old',
      service: 'fpo-search',
      channel: 'CALERTS001',
      threadTs: '1.1',
      state: 'OK',
      alarm: { name: 'x', state: 'OK', reason: 'r', at: old },
      updatedAt: old,
      version: 0,
    });
    // A restarted bot prunes in its first round.
    await hh.restart();
    const oldRowsLeft = async () =>
      (await hh.store.auditTrail(undefined, 10)).filter((e) => e.detail.old).length +
      ((await hh.store.alertThread('alarm:old')) ? 1 : 0);
    await until(async () => (await oldRowsLeft()) === 0, 5000);
    const kept = await hh.store.auditTrail(undefined, 10);
    expect(kept.map((e) => e.kind).sort()).toEqual(['dry_run', 'refused', 'requested']);
  });
});
