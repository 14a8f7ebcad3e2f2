import { describe, expect, it } from 'vitest';
import { SHOW_VERSIONS_ACTION } from '../../src/slack/blocks/alertCard.js';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { OPEN_MODAL_ACTION, REJECT_MODAL, REQUEST_MODAL } from '../../src/slack/blocks/requestModal.js';
import { GITHUB_TEST_RETRY, type Harness, REPO, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { ephemeralTo, latestCard, postedCard, pulls, settle, threadReplies } from './support.js';

const start = useHarness();

async function refusal(hh: Harness, text: string): Promise<string> {
  const before = hh.slack.calls.length;
  const res = await hh.command(text);
  const answer = await ephemeralTo(hh, res.responseId);
  await settle(hh);
  expect(hh.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  return answer;
}

describe('requests refused by the plan', () => {
  it('refuses the prefix trap, a higher version, a failed iteration and one that never left development', async () => {
    const hh = await start();
    expect(await refusal(hh, 'to 1.1.1')).toContain(
      'prefix trap: CI looks models up by the string prefix "1.1.1" and would deploy 1.1.10-b2c3d4e',
    );
    expect(await refusal(hh, 'to 1.25.4')).toContain(
      'a higher version makes CI train a new model; release it normally instead',
    );
    const failed = await refusal(hh, 'to 1.24.0-f607182');
    expect(failed).toContain('1.24.0-f607182 failed validation: CI refuses to deploy it');
    expect(failed).toContain('CI resolves 1.24.0 to the newer 1.24.0-0718293');
    expect(await refusal(hh, 'to 1.24.1')).toContain(
      'never reached staging or production: the garbage collector may delete it',
    );
    expect(await refusal(hh, 'to 1.25.3')).toContain('main already configures 1.25.3');
    expect(await refusal(hh, 'to 3.0.0')).toContain('3.0.0 has no model.zip in the bucket');
    // Every refusal is on the audit trail, nothing reached GitHub but reads.
    expect(hh.github.calls.every((c) => c.method === 'GET')).toBe(true);
  });

  it('refuses a second request while one is active', async () => {
    const hh = await start();
    await hh.command('to previous');
    const first = await postedCard(hh);
    expect(await refusal(hh, 'to 1.24.0')).toContain(`${first} is already active for fpo-search (pending)`);
  });
});

describe('--dry-run', () => {
  it('shows the whole plan and writes nothing to GitHub or the channel', async () => {
    const hh = await start();
    hh.github.reset();
    const res = await hh.command('to previous --dry-run checking');
    const text = await ephemeralTo(hh, res.responseId);
    expect(text).toContain('Dry run: fpo-search → 1.25.0');
    expect(text).toContain('- version = "1.25.3"\n+ version = "1.25.0"');
    expect(text).toContain('Would be accepted');
    await settle(hh);
    expect(hh.github.calls.filter((c) => c.method !== 'GET')).toEqual([]);
    expect(hh.slack.callsTo('chat.postMessage')).toEqual([]);
    expect(await hh.store.history('fpo-search', 10)).toEqual([]);
  });
});

describe('cooldown and break-glass', () => {
  it('refuses within the cooldown naming the last rollback; --force needs a note and one more approval', async () => {
    // Alice may break glass here (by default only approvers may).
    const hh = await start({
      serviceToml: `[services.fpo-search.break_glass]\nusers = ["${USERS.alice}"]\n`,
    });
    await hh.command('to previous');
    const first = await postedCard(hh);
    await hh.click(ACTIONS.approve, first, USERS.bob);
    await hh.slack.waitFor(() => pulls(hh).length === 1);
    await settle(hh);
    // Close out the first request so only the cooldown stands in the way.
    hh.github.mergePull(REPO, pulls(hh)[0]?.number ?? 0, 'bob');
    await hh.store.transition(first, 'merged');
    await hh.store.transition(first, 'verified');

    expect(await refusal(hh, 'to 1.24.0')).toMatch(
      new RegExp(`${first} opened a rollback PR \\d+ min ago \\(cooldown 24 h\\): add --force`),
    );
    expect(await refusal(hh, 'to 1.24.0 --force')).toContain('`--force` is break-glass: add a note');

    const before = hh.slack.calls.length;
    await hh.command('to 1.24.0 --force production still degraded after the first rollback');
    const second = await postedCard(hh, before);
    expect(latestCard(hh, second)).toContain('Break-glass');
    expect(latestCard(hh, second)).toContain('0 of 2 approvals');
    await hh.click(ACTIONS.approve, second, USERS.bob);
    await settle(hh);
    expect(pulls(hh)).toHaveLength(1);
    await hh.click(ACTIONS.approve, second, USERS.carol);
    await hh.slack.waitFor(() => pulls(hh).length === 2);
    expect(pulls(hh)[1]?.body).toContain('BREAK-GLASS');
  });
});

describe('failures after approval', () => {
  it('GitHub answering 500 on the PR past its retries: the thread says so, Retry opens exactly one PR', async () => {
    const hh = await start();
    await hh.command('to previous');
    const id = await postedCard(hh);
    hh.github.failNext('POST', /\/pulls$/, 500, GITHUB_TEST_RETRY.attempts);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('Opening the PR failed')));
    await settle(hh);
    expect(threadReplies(hh).join('\n')).toContain('opening the pull request: HTTP 500');
    expect(threadReplies(hh).join('\n')).toContain('Press *Retry*');
    expect((await hh.store.getRequest(id))?.state).toBe('pr_failed');
    expect(latestCard(hh, id)).toContain('Retry');
    expect(pulls(hh)).toEqual([]);

    const stranger = await hh.click(ACTIONS.retry, id, USERS.mallory);
    expect(await ephemeralTo(hh, stranger.responseId)).toContain(
      'Only <@UALICE0001> or an approver can retry',
    );
    await Promise.all([hh.click(ACTIONS.retry, id, USERS.bob), hh.click(ACTIONS.retry, id, USERS.alice)]);
    await hh.slack.waitFor(() => pulls(hh).length > 0);
    await settle(hh);
    expect(pulls(hh)).toHaveLength(1);
    expect((await hh.store.getRequest(id))?.state).toBe('pr_open');
    // The branch made by the failed attempt was reused, not duplicated.
    expect(hh.github.callCount({ method: 'POST', path: /\/git\/refs$/ })).toBe(2);
  });

  it('a restart after the last approval opens the PR once, at start-up', async () => {
    const hh = await start();
    await hh.command('to previous');
    const id = await postedCard(hh);
    // The process dies right after the deciding approval is committed, before any GitHub call.
    const outcome = await hh.store.approve(id, USERS.bob, new Date(), 1);
    expect(outcome).toMatchObject({ kind: 'counted', complete: true });
    await hh.restart();
    await hh.slack.waitFor(() => pulls(hh).length > 0);
    await settle(hh);
    await hh.restart();
    await settle(hh);
    expect(pulls(hh)).toHaveLength(1);
    expect((await hh.store.getRequest(id))?.state).toBe('pr_open');
    expect(threadReplies(hh).filter((t) => t.includes('PR opened'))).toHaveLength(1);
  });
});

describe('history, the modal and the versions buttons', () => {
  it('lists past requests with state, people and PR', async () => {
    const hh = await start();
    await hh.command('to previous reason=TEST_FAILURE flaky ranking');
    const id = await postedCard(hh);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => pulls(hh).length > 0);
    await settle(hh);
    const res = await hh.command('history');
    const text = await ephemeralTo(hh, res.responseId);
    expect(text).toContain(`*${id}*`);
    expect(text).toContain('*pr open*');
    expect(text).toContain('`1.25.3-3a4b5c6` → `1.25.0-293a4b5` · `TEST_FAILURE` · flaky ranking');
    expect(text).toContain('asked by <@UALICE0001> · approved by <@UBOB000001>');
    expect(text).toMatch(/PR #\d+>/);
  });

  it('`/rollback` opens the modal with the safe targets; a versions button prefills it', async () => {
    const hh = await start();
    await hh.command('');
    const update = await hh.slack.waitFor(() => hh.slack.callsTo('views.update')[0]);
    expect(hh.slack.callsTo('views.open')).toHaveLength(1);
    const modal = textOf(update.args.view);
    expect(modal).toContain('1.25.0 → 1.25.0-293a4b5');
    expect(modal).toContain('1.24.0 → 1.24.0-0718293');
    expect(modal).not.toContain('1.24.1');
    expect(modal).not.toContain('1.1.1 ');

    const res = await hh.command('versions');
    const versions = await hh.slack.waitFor(() => hh.slack.responsesTo(res.responseId)[0]?.body);
    const buttons = JSON.stringify(versions.blocks).match(/Roll back to [0-9.]+/g);
    expect(buttons).toEqual([
      'Roll back to 1.25.0',
      'Roll back to 1.24.0',
      'Roll back to 1.23.0',
      'Roll back to 1.22.0',
      'Roll back to 1.1.10',
    ]);
    hh.slack.reset();
    await hh.click(
      OPEN_MODAL_ACTION,
      JSON.stringify({ service: 'fpo-search', version: '1.23.0' }),
      USERS.alice,
    );
    const prefilled = await hh.slack.waitFor(() => hh.slack.callsTo('views.update')[0]);
    // biome-ignore lint/suspicious/noExplicitAny: Block Kit view as received
    const target = (prefilled.args.view as any).blocks.find((b: any) => b.block_id === 'target');
    expect(target.element.initial_option.value).toBe('1.23.0');
  });
});

describe('reject, the modal and alert buttons', () => {
  it('Reject asks why in a modal, records who and why, and refuses non-approvers', async () => {
    const hh = await start();
    await hh.command('to previous');
    const id = await postedCard(hh);
    await hh.click(ACTIONS.reject, id, USERS.carol);
    const open = await hh.slack.waitFor(() => hh.slack.callsTo('views.open')[0]);
    const view = open.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(REJECT_MODAL);

    // Someone who may not reject is told so privately and nothing changes.
    expect(
      (
        await hh.submitView(
          view,
          { why: { value: { type: 'plain_text_input', value: 'no' } } },
          USERS.mallory,
        )
      ).status,
    ).toBe(200);
    const told = await hh.slack.waitFor(() => hh.slack.callsTo('chat.postEphemeral')[0]);
    expect(told.args.user).toBe(USERS.mallory);
    expect(String(told.args.text)).toContain(`Only approvers can reject ${id}`);
    expect((await hh.store.getRequest(id))?.state).toBe('pending');

    const why = { why: { value: { type: 'plain_text_input', value: '1.25.0 has the tokenizer bug' } } };
    expect((await hh.submitView(view, why, USERS.carol)).status).toBe(200);
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('rejected')));
    await settle(hh);
    const request = await hh.store.getRequest(id);
    expect(request).toMatchObject({
      state: 'rejected',
      decidedBy: USERS.carol,
      decisionNote: '1.25.0 has the tokenizer bug',
    });
    expect(threadReplies(hh)).toContain(
      `:no_entry: <@UCAROL0001> rejected ${id}: 1.25.0 has the tokenizer bug. Nothing was changed.`,
    );
    expect(latestCard(hh, id)).toContain('By <@UCAROL0001>: 1.25.0 has the tokenizer bug');
    expect(pulls(hh)).toEqual([]);
  });

  it('a modal submitted without a target is answered in the modal, and nothing is written', async () => {
    const hh = await start();
    const res = await hh.submitView(
      {
        callback_id: REQUEST_MODAL,
        private_metadata: JSON.stringify({ service: 'fpo-search', channel: 'CROLLBACK1' }),
      },
      {},
      USERS.alice,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      response_action: 'errors',
      errors: { target: 'Pick a version to roll back to.' },
    });
    await settle(hh);
    expect(await hh.store.history('fpo-search', 10)).toEqual([]);
  });

  it('"Show versions" under an alert answers with the versions list, privately', async () => {
    const hh = await start();
    const res = await hh.click(SHOW_VERSIONS_ACTION, 'fpo-search', USERS.alice);
    const body = await hh.slack.waitFor(() => hh.slack.responsesTo(res.responseId)[0]?.body);
    expect(body.response_type).toBe('ephemeral');
    expect(textOf(body)).toContain('fpo-search: versions');
    expect(textOf(body)).toContain(':large_green_circle: safe rollback target');
  });
});
