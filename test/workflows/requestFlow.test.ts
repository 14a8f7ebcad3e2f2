import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { readFixture } from '../../world/fixtures.js';
import { type Harness, REPO, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { ephemeralTo, latestCard, postedCard, pulls, settle, threadReplies } from './support.js';

const start = useHarness();

/** Asks as alice and returns the new request's id. */
async function ask(
  hh: Harness,
  text = 'to previous reason=PERFORMANCE_DEGRADATION p99 doubled',
): Promise<string> {
  const before = hh.slack.calls.length;
  const res = await hh.command(text, USERS.alice);
  expect(res.status).toBe(200);
  const confirmation = await ephemeralTo(hh, res.responseId);
  expect(confirmation).toMatch(/Request \*R-[0-9A-Z]{4}\* is posted/);
  return postedCard(hh, before);
}

describe('a rollback from request to PR', () => {
  it('`to previous` with one approval opens a PR whose diff is exactly the version line', async () => {
    // With base_branch set, no call is spent looking up the repository's default branch.
    const hh = await start({ serviceToml: 'base_branch = "main"' });
    hh.github.reset();
    const id = await ask(hh);
    // Making the plan read the config file once.
    expect(hh.github.callCount()).toBe(1);
    const card = latestCard(hh, id);
    expect(card).toContain(`Rollback ${id}: fpo-search → 1.25.0`);
    expect(card).toContain('<@UALICE0001>');
    expect(card).toContain('`PERFORMANCE_DEGRADATION`');
    expect(card).toContain('production `1.25.3-3a4b5c6`');
    expect(card).toContain('`1.25.0` → CI deploys `1.25.0-293a4b5`');
    expect(card).toContain(':white_check_mark: CI resolves 1.25.0 to 1.25.0-293a4b5');
    expect(card).toContain('- version = "1.25.3"\n+ version = "1.25.0"');
    expect(card).toContain('0 of 1 approval');

    hh.github.reset();
    const click = await hh.click(ACTIONS.approve, id, USERS.bob);
    expect(click.status).toBe(200);
    const [pr] = await hh.slack.waitFor(() => pulls(hh).length > 0 && pulls(hh));
    await settle(hh);

    expect(pr?.title).toBe('fix(model): roll back fpo-search to 1.25.0');
    const diff = hh.github.diff(REPO, pr?.number ?? 0);
    expect(diff).toHaveLength(1);
    expect(diff[0]).toMatchObject({
      filename: 'search-config.toml',
      removed: ['version = "1.25.3"'],
      added: ['version = "1.25.0"'],
    });
    const after = hh.github.fileAt(REPO, pr?.head.ref ?? '', 'search-config.toml');
    expect(after).toBe(readFixture('search-config.toml').replace('version = "1.25.3"', 'version = "1.25.0"'));
    expect(hh.github.labels(REPO, pr?.number ?? 0)).toEqual(['rollback']);
    expect(pr?.body).toContain(`<!-- rollback-bot request=${id} -->`);
    expect(pr?.body).toContain('`1.25.0-293a4b5`');
    expect(pr?.body).toContain('Slack user UBOB000001');
    expect(pr?.body).toContain('https://example.slack.com/archives/CROLLBACK1/p');
    // The whole plan is read again first (the config file), then the PR: branch head, create branch,
    // commit, open PR, label.
    expect(hh.github.callCount()).toBe(6);

    expect(threadReplies(hh).join('\n')).toMatch(/PR opened: <http[^|]+\|#\d+>/);
    expect(latestCard(hh, id)).toContain('PR open');
    expect(latestCard(hh, id)).toContain('<@UBOB000001> approved');
  });

  it('edits only model.version in a commented config with two version keys', async () => {
    const hh = await start({
      configFile: {
        path: 'serving/ranker.toml',
        content: readFixture('search-config-commented.toml'),
        versionKey: 'model.version',
      },
      objects: [
        ...['2.4.0-aaaaaaa', '2.4.1-bbbbbbb'].flatMap((it, i) =>
          ['model.zip', 'passed', 'staging', 'production'].map((f) => ({
            key: `${it}/${f}`,
            lastModified: `2026-0${i + 1}-01T10:00:00Z`,
            size: f === 'model.zip' ? 1000 : 0,
          })),
        ),
      ],
    });
    hh.health.serve('production', '2.4.1-bbbbbbb');
    hh.health.serve('staging', '2.4.1-bbbbbbb');
    const id = await ask(hh, 'to 2.4.0 reason=TEST_FAILURE');
    await hh.click(ACTIONS.approve, id, USERS.carol); // carol approves through the on-call user group
    const [pr] = await hh.slack.waitFor(() => pulls(hh).length > 0 && pulls(hh));
    const diff = hh.github.diff(REPO, pr?.number ?? 0);
    expect(diff).toEqual([
      expect.objectContaining({
        filename: 'serving/ranker.toml',
        removed: ['version = "2.4.1"   # bumped by the training pipeline; lower it to roll back'],
        added: ['version = "2.4.0"   # bumped by the training pipeline; lower it to roll back'],
      }),
    ]);
    expect(hh.github.fileAt(REPO, pr?.head.ref ?? '', 'serving/ranker.toml')).toContain(
      'version = "7"       # feature schema',
    );
  });
});

describe('who may approve', () => {
  it('never counts the requester, and names the approvers to anyone else who cannot', async () => {
    const hh = await start();
    const id = await ask(hh);
    const self = await hh.click(ACTIONS.approve, id, USERS.alice);
    expect(await ephemeralTo(hh, self.responseId)).toMatch(
      /You asked for R-.{4}, so your approval cannot count/,
    );
    const stranger = await hh.click(ACTIONS.approve, id, USERS.mallory);
    const told = await ephemeralTo(hh, stranger.responseId);
    expect(told).toContain('You are not an approver for fpo-search');
    expect(told).toContain('<@UBOB000001>');
    expect(told).toContain('<!subteam^SONCALL001>');
    await settle(hh);
    expect(pulls(hh)).toEqual([]);
    expect((await hh.store.getRequest(id))?.state).toBe('pending');
    const audit = (await hh.store.events(id)).map((e) => `${e.kind}:${e.actor}`);
    expect(audit).toEqual([
      'requested:UALICE0001',
      'unauthorized_click:UALICE0001',
      'unauthorized_click:UMALLORY01',
    ]);
  });

  it('needs N distinct approvers when configured, and a double click counts once', async () => {
    const hh = await start({ serviceToml: 'approvals_required = 2' });
    const id = await ask(hh);
    const [first, second] = await Promise.all([
      hh.click(ACTIONS.approve, id, USERS.bob),
      hh.click(ACTIONS.approve, id, USERS.bob),
    ]);
    const answers = await Promise.all(
      [first, second].map((c) =>
        hh.slack.waitFor(() => hh.slack.responsesTo(c?.responseId ?? '')[0], 1000).catch(() => undefined),
      ),
    );
    expect(answers.filter(Boolean).map((a) => a?.body.text)).toEqual([
      `:warning: You already approved ${id}; it counts once.`,
    ]);
    await settle(hh);
    expect(pulls(hh)).toEqual([]);
    expect(latestCard(hh, id)).toContain('1 of 2 approvals: <@UBOB000001>');
    await hh.click(ACTIONS.approve, id, USERS.carol);
    await hh.slack.waitFor(() => pulls(hh).length === 1);
    await settle(hh);
    expect((await hh.store.getRequest(id))?.approvals.map((a) => a.user)).toEqual([USERS.bob, USERS.carol]);
  });

  it('20 concurrent approval clicks open exactly one PR; clicks after the deciding one are told, not counted', async () => {
    const hh = await start();
    const id = await ask(hh);
    const clickers = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? USERS.bob : USERS.carol));
    const results = await Promise.all(clickers.map((u) => hh.click(ACTIONS.approve, id, u)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await hh.slack.waitFor(() => pulls(hh).length > 0);
    await settle(hh);
    expect(pulls(hh)).toHaveLength(1);
    expect(hh.github.callCount({ method: 'POST', path: /\/pulls$/ })).toBe(1);
    // One approval was required: exactly one approver is on record, whoever won the race.
    const approvals = (await hh.store.getRequest(id))?.approvals ?? [];
    expect(approvals).toHaveLength(1);
    const winner = approvals[0]?.user;
    expect(latestCard(hh, id)).toContain('1 of 1 approval');
    // The loser's clicks got an answer naming who approved and the PR.
    const loser = winner === USERS.bob ? USERS.carol : USERS.bob;
    const late = await hh.click(ACTIONS.approve, id, loser);
    const told = await ephemeralTo(hh, late.responseId);
    expect(told).toContain(`${id} already has its approvals (approved by <@${winner}>, PR <`);
    expect(told).toContain(`|#${pulls(hh)[0]?.number}>`);
    expect(told).toContain('Your click was not counted.');
    expect((await hh.store.getRequest(id))?.approvals).toHaveLength(1);
  });
});

describe('expiry, rejection and cancel', () => {
  it('expires after the TTL: a late approval is refused and the card says so', async () => {
    let now = new Date('2026-11-22T10:00:00Z');
    const hh = await start({ now: () => now, serviceToml: 'request_ttl_minutes = 30' });
    const id = await ask(hh);
    now = new Date('2026-11-22T10:31:00Z');
    const late = await hh.click(ACTIONS.approve, id, USERS.bob);
    expect(await ephemeralTo(hh, late.responseId)).toContain('has expired; nothing was approved');
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('expired');
    expect(latestCard(hh, id)).toContain('Expired');
    expect(threadReplies(hh).join('\n')).toContain(`${id} expired without enough approvals`);
    expect(pulls(hh)).toEqual([]);
  });

  it('lets the requester cancel from the card, an approver by command, and nobody else', async () => {
    const hh = await start();
    const id = await ask(hh);
    const stranger = await hh.click(ACTIONS.cancel, id, USERS.mallory);
    expect(await ephemeralTo(hh, stranger.responseId)).toContain('Only <@UALICE0001>, who asked, can cancel');
    const byApproverButton = await hh.click(ACTIONS.cancel, id, USERS.bob);
    expect(await ephemeralTo(hh, byApproverButton.responseId)).toContain('/rollback cancel');
    const res = await hh.command(`cancel ${id.toLowerCase()}`, USERS.bob);
    expect(await ephemeralTo(hh, res.responseId)).toContain(`${id} cancelled`);
    await settle(hh);
    expect((await hh.store.getRequest(id))?.state).toBe('cancelled');
    expect(latestCard(hh, id)).toContain('Cancelled');
    const again = await hh.click(ACTIONS.approve, id, USERS.bob);
    expect(await ephemeralTo(hh, again.responseId)).toContain('is cancelled; there is nothing to approve');
  });

  it('voids approvals when CI would now resolve the target differently', async () => {
    const hh = await start();
    const id = await ask(hh, 'to 1.25.0');
    // A newer iteration of 1.25.0 appears: CI would now deploy it instead of the planned one.
    await hh.s3.putObjects(
      ['model.zip', 'passed', 'staging'].map((f) => ({
        key: `1.25.0-abcdef1/${f}`,
        lastModified: '2026-11-01T00:00:00Z',
        size: 10,
      })),
    );
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => threadReplies(hh).find((t) => t.includes('Approvals were reset')));
    await settle(hh);
    expect(threadReplies(hh).join('\n')).toContain(
      'CI now resolves 1.25.0 to 1.25.0-abcdef1, not 1.25.0-293a4b5',
    );
    const request = await hh.store.getRequest(id);
    expect(request?.state).toBe('pending');
    expect(request?.approvals).toEqual([]);
    expect(request?.plan.targetIteration).toBe('1.25.0-abcdef1');
    expect(pulls(hh)).toEqual([]);
  });

  it('voids approvals when the version line changed on main, but builds on a moved head otherwise', async () => {
    const hh = await start();
    const id = await ask(hh, 'to 1.25.0');
    const original = readFixture('search-config.toml');
    hh.github.commitFile(
      REPO,
      'main',
      'search-config.toml',
      original.replace('max_epochs = 5', 'max_epochs = 6'),
    );
    await hh.click(ACTIONS.approve, id, USERS.bob);
    const [pr] = await hh.slack.waitFor(() => pulls(hh).length > 0 && pulls(hh));
    await settle(hh);
    expect(hh.github.diff(REPO, pr?.number ?? 0)[0]).toMatchObject({
      removed: ['version = "1.25.3"'],
      added: ['version = "1.25.0"'],
    });
    expect(threadReplies(hh).join('\n')).toContain(
      'the version line was unchanged, so it builds on the new head',
    );

    const fresh = await start();
    const id2 = await ask(fresh, 'to 1.25.0');
    fresh.github.commitFile(
      REPO,
      'main',
      'search-config.toml',
      original.replace('version = "1.25.3"', 'version = "1.25.4"'),
    );
    await fresh.click(ACTIONS.approve, id2, USERS.bob);
    await fresh.slack.waitFor(() => threadReplies(fresh).find((t) => t.includes('Approvals were reset')));
    expect(threadReplies(fresh).join('\n')).toContain('main now configures 1.25.4, not 1.25.3');
    expect(pulls(fresh)).toEqual([]);
  });
});

describe('card updates', () => {
  it('coalesces a burst of refreshes into one chat.update showing the latest state', async () => {
    const hh = await start();
    const id = await ask(hh);
    await settle(hh);
    hh.slack.reset();
    await hh.store.recordEvent({
      requestId: id,
      service: 'fpo-search',
      kind: 'note_added',
      actor: USERS.bob,
    });
    for (let i = 0; i < 10; i++) hh.bot.workflows.cards.refresh(id);
    await hh.bot.workflows.cards.flush();
    expect(hh.slack.callsTo('chat.update')).toHaveLength(1);
    expect(textOf(hh.slack.callsTo('chat.update')[0]?.args ?? {})).toContain('note added');
  });

  it('sends no update when the card would look the same, on this replica or after a restart', async () => {
    const hh = await start();
    const id = await ask(hh);
    await settle(hh);
    hh.slack.reset();
    for (let i = 0; i < 10; i++) hh.bot.workflows.cards.refresh(id);
    await hh.bot.workflows.cards.flush();
    await hh.restart();
    hh.bot.workflows.cards.refresh(id);
    await hh.bot.workflows.cards.flush();
    expect(hh.slack.callsTo('chat.update')).toEqual([]);
  });

  it('re-sends an update that Slack failed, at the next refresh', async () => {
    const hh = await start();
    const id = await ask(hh);
    await settle(hh);
    await hh.store.recordEvent({
      requestId: id,
      service: 'fpo-search',
      kind: 'note_added',
      actor: USERS.bob,
    });
    hh.slack.failNext('chat.update', { error: 'ratelimited' });
    hh.bot.workflows.cards.refresh(id);
    await hh.bot.workflows.cards.flush();
    hh.bot.workflows.cards.refresh(id);
    await hh.bot.workflows.cards.flush();
    expect(hh.slack.callsTo('chat.update')).toHaveLength(2);
  });
});
