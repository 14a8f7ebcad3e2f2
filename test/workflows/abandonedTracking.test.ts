/**
 * Issue 14, finding 5: abandoned requests are not polled forever; an old PR reopened or merged while
 * another request of the service is active is said once and not retried every round; and expiry is
 * never held up by a slow tracking round.
 */
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import type { Logger } from '../../src/support/log.js';
import { sendWebhook } from '../support/github.js';
import { type Harness, REPO, USERS, useHarness } from '../support/harness.js';
import { postedCard, pulls, settle, threadReplies, until } from './support.js';

const start = useHarness();
const SECRET = 'webhook-secret';
const NO_COOLDOWN = 'cooldown_hours = 0';

/** A request approved, its PR opened, then closed without merge: abandoned. */
async function abandonedPr(hh: Harness): Promise<{ id: string; number: number }> {
  await hh.command('to 1.25.0');
  const id = await postedCard(hh);
  await hh.click(ACTIONS.approve, id, USERS.bob);
  await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('PR opened')));
  const number = Number(pulls(hh).at(-1)?.number);
  hh.github.closePull(REPO, number);
  await hh.bot.runRound();
  await until(async () => (await hh.store.getRequest(id))?.state === 'abandoned');
  await settle(hh);
  return { id, number };
}

/** A second request of the service, pending (its card posted). */
async function anotherRequest(hh: Harness): Promise<string> {
  const after = hh.slack.calls.length;
  await hh.command('to 1.25.0');
  return postedCard(hh, after);
}

function capturingLogger(lines: string[]): Logger {
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (msg) => lines.push(`warn: ${msg}`),
    error: (msg) => lines.push(`error: ${msg}`),
    audit: () => undefined,
    child: () => log,
  };
  return log;
}

describe('an abandoned request', () => {
  it('is polled until verify_timeout_minutes after its PR was closed, then costs no GitHub call', async () => {
    let aheadMs = 0;
    const hh = await start({ webhookSecret: SECRET, now: () => new Date(Date.now() + aheadMs) });
    const { id, number } = await abandonedPr(hh);
    const polls = () => hh.github.callCount({ method: 'GET', path: new RegExp(`/pulls/${number}$`) });
    hh.github.reset();
    await hh.bot.runRound();
    expect(polls()).toBe(1); // a reopening within the timeout is still noticed without webhooks

    aheadMs = 46 * 60_000; // verify_timeout_minutes is 45
    hh.github.reset();
    for (let i = 0; i < 3; i++) await hh.bot.runRound();
    expect(polls()).toBe(0);

    // Webhooks still speak for it.
    const pr = pulls(hh).find((p) => Number(p.number) === number);
    hh.github.reopenPull(REPO, number);
    const reopened = {
      action: 'reopened',
      number,
      repository: { full_name: REPO },
      pull_request: {
        number,
        html_url: pr?.html_url,
        head: { ref: pr?.head.ref },
        body: pr?.body,
        merged: false,
      },
      sender: { login: 'bob' },
    };
    expect((await sendWebhook(hh, 'pull_request', reopened, SECRET)).status).toBe(200);
    await until(async () => (await hh.store.getRequest(id))?.state === 'pr_open');
  });

  it('whose PR is reopened, then merged, while another request is active: said once each, no retry', async () => {
    const lines: string[] = [];
    const hh = await start({ serviceToml: NO_COOLDOWN, log: capturingLogger(lines) });
    const old = await abandonedPr(hh);
    const active = await anotherRequest(hh);

    hh.github.reopenPull(REPO, old.number);
    for (let i = 0; i < 4; i++) await hh.bot.runRound();
    await settle(hh);
    const told = (what: string) =>
      threadReplies(hh).filter((t) => t.includes(`#${old.number} was ${what}, but`));
    expect(told('reopened')).toHaveLength(1);
    expect(told('reopened')[0]).toContain(`${active} is the active rollback of fpo-search`);

    hh.github.mergePull(REPO, old.number, 'bob');
    for (let i = 0; i < 4; i++) await hh.bot.runRound();
    await settle(hh);
    expect(told('merged')).toHaveLength(1);

    expect((await hh.store.getRequest(old.id))?.state).toBe('abandoned');
    expect((await hh.store.getRequest(active))?.state).toBe('pending');
    const ignored = (await hh.store.events(old.id)).filter((e) => e.kind === 'pr_event_ignored');
    expect(ignored.map((e) => e.detail.event)).toEqual(['reopened', 'merged']);
    expect(lines).toEqual([]);
  });
});

describe('expiry', () => {
  it('happens on time while a tracking round waits on GitHub', async () => {
    const hh = await start({
      serviceToml: NO_COOLDOWN,
      pollSeconds: 0.3,
      botToml: 'expiry_sweep_seconds = 0.2',
    });
    const old = await abandonedPr(hh);
    const pending = await anotherRequest(hh);
    // The next tracking round polls the abandoned PR (closed moments ago) and GitHub does not answer.
    const held = hh.github.holdNext('GET', new RegExp(`/pulls/${old.number}$`));
    await held.arrived;
    try {
      await hh.store.update(pending, { expiresAt: new Date(Date.now() + 200) });
      const due = Date.now() + 200;
      await until(async () => (await hh.store.getRequest(pending))?.state === 'expired', 3000);
      expect(Date.now() - due).toBeLessThan(1500);
    } finally {
      held.release();
    }
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes(`${pending} expired`)));
  });
});
