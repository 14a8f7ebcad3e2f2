/**
 * The defects found by trying to break the bot (issue 7), each driven the way it was found: over signed
 * HTTP, against the local fakes, with the real clients. Each test failed on the code before the fix.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findService } from '../../src/config/botConfig.js';
import { branchName } from '../../src/domain/prText.js';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { REJECT_MODAL, REQUEST_MODAL } from '../../src/slack/blocks/requestModal.js';
import { makePlan } from '../../src/workflows/requestRollback.js';
import { closedPortUrl } from '../../world/ports.js';
import { nowSeconds, sendSlashCommand } from '../../world/slack/requests.js';
import { closedEvent, sendWebhook } from '../support/github.js';
import { CHANNEL, type Harness, REPO, SIGNING_SECRET, USERS, useHarness } from '../support/harness.js';
import { rawTextOf, textOf } from '../support/slackText.js';
import { ephemeralTo, latestCard, postedCard, pulls, settle, threadReplies, until } from './support.js';

const start = useHarness();
const SECRET = 'webhook-secret';

async function approvedPr(hh: Harness): Promise<{ id: string; number: number }> {
  await hh.command('to previous');
  const id = await postedCard(hh);
  await hh.click(ACTIONS.approve, id, USERS.bob);
  await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('PR opened')));
  await settle(hh);
  return { id, number: Number(pulls(hh)[0]?.number) };
}

describe('1. one active rollback per service', () => {
  it('10 concurrent `/rollback to previous`: one card, nine refusals naming the active request', async () => {
    const hh = await start();
    const sent = await Promise.all(
      Array.from({ length: 10 }, (_, i) => hh.command('to previous', i % 2 ? USERS.alice : USERS.mallory)),
    );
    expect(sent.every((r) => r.status === 200 && r.ms < 3000)).toBe(true);
    const answers = await Promise.all(sent.map((r) => ephemeralTo(hh, r.responseId)));
    await settle(hh);
    const cards = hh.slack.callsTo('chat.postMessage').filter((c) => textOf(c.args).includes('Rollback R-'));
    expect(cards).toHaveLength(1);
    const active = await hh.store.inStates(['pending']);
    expect(active).toHaveLength(1);
    const id = active[0]?.id;
    expect(answers.filter((a) => a.includes(`Request *${id}* is posted`))).toHaveLength(1);
    expect(answers.filter((a) => a.includes(`${id} is already active for fpo-search`))).toHaveLength(9);
  });
});

describe('2. webhooks are an accelerator, never the only path', () => {
  it('a merge whose webhook never comes is noticed by the next round, within poll_seconds', async () => {
    const hh = await start({ webhookSecret: SECRET, pollSeconds: 1 });
    const { id, number } = await approvedPr(hh);
    hh.github.mergePull(REPO, number, 'bob');
    const started = Date.now();
    await until(async () => (await hh.store.getRequest(id))?.state === 'merged', 4000);
    expect(Date.now() - started).toBeLessThan(3000);
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes(`PR #${number} merged by bob`)));
  });

  it('a merge delivered before the bot stored the PR number is matched by its branch', async () => {
    const hh = await start({ webhookSecret: SECRET });
    await hh.command('to previous');
    const id = await postedCard(hh);
    // GitHub creates the PR but its answer to the bot is held: the bot does not know the number yet.
    const held = hh.github.holdNext('POST', /\/pulls$/);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await held.arrived;
    const pr = pulls(hh)[0];
    const stored = await hh.store.getRequest(id);
    expect(stored?.branch).toMatch(
      new RegExp(`^${branchName('rollback/', 'fpo-search', '1.25.0', id)}-[0-9a-z]{8}$`),
    );
    expect(pr?.head.ref).toBe(stored?.branch);
    hh.github.mergePull(REPO, Number(pr?.number), 'bob');
    const merged = await sendWebhook(
      hh,
      'pull_request',
      closedEvent(REPO, { ...pr, body: '' }, true), // no marker: the branch alone must match
      SECRET,
    );
    expect(JSON.parse(merged.body)).toEqual({ ok: true, request: id });
    expect((await hh.store.getRequest(id))?.state).toBe('merged');
    held.release();
    await hh.slack.waitFor(() => hh.github.labels(REPO, Number(pr?.number)).length > 0);
    await settle(hh);
    expect(pulls(hh)).toHaveLength(1);
    const replies = threadReplies(hh);
    expect(replies.filter((t) => t.includes('PR opened'))).toHaveLength(1);
    expect(replies.filter((t) => t.includes('merged by bob'))).toHaveLength(1);
    expect((await hh.store.getRequest(id))?.pr?.number).toBe(pr?.number);
  });

  it('a delivery for a PR that is not ours is ignored', async () => {
    const hh = await start({ webhookSecret: SECRET });
    const res = await sendWebhook(
      hh,
      'pull_request',
      closedEvent(REPO, { number: 99, body: 'bump', html_url: 'x', head: { ref: 'feature/r-abcd' } }, true),
      SECRET,
    );
    expect(JSON.parse(res.body)).toEqual({ ignored: 'not a rollback PR' });
  });
});

describe('3. user text is data', () => {
  const HOSTILE =
    '<!channel> <!here> <!everyone> <!subteam^SADMINS1> <@U0BOSS0001> <https://evil.example|click> & fixes #12 @octocat @org/team';

  it('a note with mentions and masked links pings nobody on the card, nor in the PR body', async () => {
    const hh = await start();
    await hh.command(`to previous ${HOSTILE}`);
    const id = await postedCard(hh);
    await settle(hh);
    const raw = hh.slack.calls
      .filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update')
      .map((c) => rawTextOf(c.args))
      .join('\n');
    for (const markup of [
      '<!channel>',
      '<!here>',
      '<!everyone>',
      '<!subteam^SADMINS1',
      '<@U0BOSS0001>',
      '<https://evil',
    ])
      expect(raw).not.toContain(markup);
    expect(raw).toContain('&lt;!channel&gt; &lt;!here&gt;');
    // Shown as typed.
    expect(latestCard(hh, id)).toContain(HOSTILE);

    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => pulls(hh).length > 0);
    const body = String(pulls(hh)[0]?.body);
    expect(body).not.toMatch(/@octocat|@org\/team|#12\b|<!--[^>]*request=R-[0-9A-Z]{4}[^>]*-->[\s\S]*<!--/);
    expect(body).toContain('@\u200boctocat');
    expect(body).toContain('fixes #\u200b12');
    expect(body).not.toContain('<https://');
  });

  it('a reject reason and a modal note are escaped too', async () => {
    const hh = await start();
    await hh.submitView(
      {
        callback_id: REQUEST_MODAL,
        private_metadata: JSON.stringify({ service: 'fpo-search', channel: CHANNEL }),
      },
      {
        target: { value: { type: 'static_select', selected_option: { value: '1.25.0' } } },
        note: { value: { type: 'plain_text_input', value: 'ping <!here> and <@U0BOSS0001>' } },
      },
      USERS.alice,
    );
    const id = await postedCard(hh);
    await hh.click(ACTIONS.reject, id, USERS.carol);
    const open = await hh.slack.waitFor(() => hh.slack.callsTo('views.open')[0]);
    await hh.submitView(
      open.args.view as { callback_id: string; private_metadata: string },
      { why: { value: { type: 'plain_text_input', value: 'no <!channel> <https://x.example|here>' } } },
      USERS.carol,
    );
    expect((open.args.view as { callback_id: string }).callback_id).toBe(REJECT_MODAL);
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('rejected')));
    await settle(hh);
    const raw = hh.slack.calls.map((c) => rawTextOf(c.args)).join('\n');
    for (const markup of ['<!here>', '<@U0BOSS0001>', '<!channel>', '<https://x.example'])
      expect(raw).not.toContain(markup);
    expect(threadReplies(hh).join('\n')).toContain('rejected');
    expect(textOf({ text: threadReplies(hh).join('\n') })).toContain(
      'no <!channel> <https://x.example|here>',
    );
  });
});

describe('5. signatures from the future', () => {
  it.each([6 * 60, 24 * 3600])('refuses a correctly signed request timestamped %i s ahead', async (ahead) => {
    const hh = await start();
    const responseUrl = hh.slack.responseUrl('future');
    const res = await sendSlashCommand(
      hh.url,
      SIGNING_SECRET,
      { text: 'help', user_id: USERS.alice, channel_id: CHANNEL, response_url: responseUrl },
      { timestamp: nowSeconds() + ahead },
    );
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('/rollback');
    await settle(hh);
    expect(hh.slack.responses).toEqual([]);
  });
});

describe('6. approvals after the request has enough', () => {
  it('are answered privately with who approved and the PR, and not recorded', async () => {
    const hh = await start();
    const { id, number } = await approvedPr(hh);
    const late = await hh.click(ACTIONS.approve, id, USERS.carol);
    expect(await ephemeralTo(hh, late.responseId)).toContain(
      `${id} already has its approvals (approved by <@${USERS.bob}>, PR <`,
    );
    await settle(hh);
    expect((await hh.store.getRequest(id))?.approvals.map((a) => a.user)).toEqual([USERS.bob]);
    expect(latestCard(hh, id)).toContain('1 of 1 approval');
    expect(latestCard(hh, id)).not.toContain('2 of 1');
    expect(number).toBe(1);
  });
});

describe('7. main already configures the target', () => {
  it('ends the request without a PR, says since which commit, and never retries a 409', async () => {
    const hh = await start();
    await hh.command('to previous');
    const id = await postedCard(hh);
    const before = hh.github.fileAt(REPO, 'main', 'search-config.toml') ?? '';
    const sha = hh.github.commitFile(
      REPO,
      'main',
      'search-config.toml',
      before.replace('version = "1.25.3"', 'version = "1.25.0"'),
      'fix(model): manual rollback to 1.25.0',
    );
    hh.github.reset();
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('nothing to do')));
    await settle(hh);
    expect(pulls(hh)).toEqual([]);
    expect(hh.github.callCount({ method: 'PUT' })).toBe(1); // the 409, not retried
    expect(hh.github.callCount({ method: 'POST', path: /\/pulls$/ })).toBe(0);
    const reply = threadReplies(hh).find((t) => t.includes('nothing to do')) ?? '';
    expect(reply).toContain(`main already configures 1.25.0 since ${sha.slice(0, 7)}`);
    expect(reply).toContain('fix(model): manual rollback to 1.25.0');
    expect(reply).toContain(`${id} ends without a PR`);
    expect((await hh.store.getRequest(id))?.state).toBe('no_change');
    expect(hh.github.branchSha(REPO, (await hh.store.getRequest(id))?.branch ?? '')).toBeUndefined();
    expect(latestCard(hh, id)).toContain('Nothing to do: main already configures the target');
    // The service is free again.
    expect((await hh.store.findActive('fpo-search'))?.id).toBeUndefined();
  });
});

describe('8. outside systems failing or hanging', () => {
  let silent: Server | undefined;
  afterEach(() => silent?.close());

  /** Accepts connections and never answers, like an S3 endpoint behind a broken proxy. */
  async function hangingEndpoint(): Promise<string> {
    const sockets: import('node:net').Socket[] = [];
    silent = createServer((s) => sockets.push(s));
    silent.on('close', () => {
      for (const s of sockets) s.destroy();
    });
    await new Promise<void>((r) => silent?.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  }

  it('S3 that never answers: the request is answered within seconds, naming the timeout', async () => {
    const hh = await start({ s3Endpoint: await hangingEndpoint(), botToml: 's3_timeout_ms = 1000' });
    const started = Date.now();
    const res = await hh.command('to previous');
    const answer = await ephemeralTo(hh, res.responseId);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(answer).toContain('the model bucket could not be read: no answer within 1 s (timeout)');
    const status = await hh.command('status');
    const text = textOf((await hh.slack.waitFor(() => hh.slack.responsesTo(status.responseId)[0])).body);
    expect(text).toContain('S3 bucket fpo-search-models: no answer within 1 s (timeout)');
    expect(text).toContain('production'); // the rest is still shown
  });

  it.each([
    ['an unresolvable host', async () => 'http://github.invalid', 'does not resolve (DNS, ENOTFOUND)'],
    ['a refused connection', closedPortUrl, 'connection refused (ECONNREFUSED 127.0.0.1:'],
  ])('GitHub at %s: status answers at once with the true cause', async (_what, url, cause) => {
    const hh = await start({ githubUrl: await url() });
    const started = Date.now();
    const res = await hh.command('status');
    const text = textOf((await hh.slack.waitFor(() => hh.slack.responsesTo(res.responseId)[0])).body);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(text).toContain(cause);
    expect(text).not.toContain('HTTP 500');
  });

  it('a healthcheck that hangs is bounded and named, the other environments shown', async () => {
    const hh = await start({ healthcheckTimeoutMs: 300 });
    hh.health.set('staging', { delayMs: 10_000, body: {} });
    const res = await hh.command('status');
    const text = textOf((await hh.slack.waitFor(() => hh.slack.responsesTo(res.responseId)[0])).body);
    expect(text).toContain('no answer within 300 ms');
    expect(text).toContain('1.25.3-3a4b5c6');
  });
});

describe('9. card updates only when the card changes', () => {
  it('twenty tracking rounds waiting for staging send no chat.update', async () => {
    const hh = await start({ webhookSecret: SECRET });
    const { number } = await approvedPr(hh);
    hh.health.serve('development', '1.25.0-293a4b5');
    hh.github.mergePull(REPO, number, 'bob');
    await hh.bot.runRound();
    await hh.bot.runRound();
    await settle(hh);
    const updates = hh.slack.callsTo('chat.update').length;
    for (let i = 0; i < 20; i++) await hh.bot.runRound();
    await settle(hh);
    expect(hh.slack.callsTo('chat.update')).toHaveLength(updates);
    // A change in what the card shows is sent.
    hh.health.serve('staging', '1.25.0-293a4b5');
    await hh.bot.runRound();
    await settle(hh);
    expect(hh.slack.callsTo('chat.update').length).toBeGreaterThan(updates);
  });
});

describe('11. a request whose card was never posted', () => {
  async function storeWithoutCard(hh: Harness, minutesAgo: number, ttlMinutes = 60): Promise<string> {
    const service = findService(hh.config, 'fpo-search');
    if (!service) throw new Error('no service');
    const made = await makePlan(hh.bot.workflows, { service, target: { kind: 'previous' }, force: false });
    if (!made.ok) throw new Error(made.problem);
    const createdAt = new Date(Date.now() - minutesAgo * 60_000);
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
      expiresAt: new Date(createdAt.getTime() + ttlMinutes * 60_000),
      updatedAt: createdAt,
      channel: CHANNEL,
    };
    // What a kill -9 between storing the request and posting its card leaves behind.
    expect(await hh.store.createRequest(request)).toEqual({ ok: true });
    return request.id;
  }

  it('gets its card at start-up, and can then be approved', async () => {
    const hh = await start();
    const id = await storeWithoutCard(hh, 3);
    await hh.restart();
    await until(async () => (await hh.store.getRequest(id))?.cardTs !== undefined);
    expect(latestCard(hh, id)).toContain(`Rollback ${id}: fpo-search → 1.25.0`);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => pulls(hh).length > 0);
  });

  it('that expired meanwhile is ended, and the channel is told', async () => {
    const hh = await start();
    const id = await storeWithoutCard(hh, 90, 60);
    await hh.bot.runRound();
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('expired');
    const told = hh.slack.callsTo('chat.postMessage').map((c) => textOf(c.args));
    expect(told.join('\n')).toContain(
      `${id} for fpo-search (to 1.25.0) expired before its card could be posted`,
    );
    const res = await hh.command('to previous');
    expect(await ephemeralTo(hh, res.responseId)).toContain('is posted');
  });
});
