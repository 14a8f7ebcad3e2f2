/**
 * Issue 17, item 1: the pin. A rollback whose PR merged pins the service at its target; every open PR
 * of the config repository that sets another version gets a failing `model-pin` check (a commit status
 * with a token, a check run as a GitHub App), evaluated on webhooks, on pin and unpin, and by polling;
 * `/rollback unpin` (approvers only) turns them green. A registry_alias service's alias moved while
 * pinned is reported in the thread and shown in status.
 */
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { readFixture } from '../../world/fixtures.js';
import { sendWebhook } from '../support/github.js';
import { type Harness, type HarnessOptions, REPO, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import {
  answerTo,
  ephemeralTo,
  latestCard,
  postedCard,
  pulls,
  settle,
  threadReplies,
  until,
} from './support.js';

const start = useHarness();
const SECRET = 'webhook-secret';
const CONFIG = 'search-config.toml';
const FIXTURE = readFixture(CONFIG);

/** Rolls fpo-search back to 1.25.0 and merges the PR: pinned. Returns the request id. */
async function pinnedAt1250(h: Harness): Promise<string> {
  await h.command('to previous reason=PERFORMANCE_DEGRADATION p99 doubled', USERS.alice);
  const id = await postedCard(h);
  await h.click(ACTIONS.approve, id, USERS.bob);
  await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('PR opened')));
  const number = Number(pulls(h).at(-1)?.number);
  h.github.mergePull(REPO, number, 'bob');
  await h.bot.runRound();
  await until(async () => (await h.store.getPin('fpo-search')) !== undefined);
  await settle(h);
  return id;
}

/** Someone opens a PR from a branch of the config repository whose head has `content`. */
function openPr(h: Harness, branch: string, content: string): { number: number; sha: string } {
  h.github.createBranch(REPO, branch, 'main');
  const sha = h.github.commitFile(REPO, branch, CONFIG, content, 'Bump the model', 'octocat');
  const number = h.github.openPull(REPO, { head: branch, title: 'Release', user: 'octocat' });
  return { number, sha };
}

const openedEvent = (number: number, action = 'opened') => ({
  action,
  number,
  repository: { full_name: REPO },
  pull_request: { number, head: { ref: 'whatever' } },
  sender: { login: 'octocat' },
});

/** The latest model-pin status on a commit (commit-status mode). */
const pinStatus = (h: Harness, sha: string) =>
  h.github
    .statuses(REPO, sha)
    .filter((s) => s.context === 'model-pin')
    .at(-1);
const pinRun = (h: Harness, sha: string) =>
  h.github
    .checkRuns(REPO, sha)
    .filter((r) => r.name === 'model-pin')
    .at(-1);

describe('a pin (token: commit statuses)', () => {
  const options: HarnessOptions = { webhookSecret: SECRET, serviceToml: 'cooldown_hours = 0' };

  it('pins at the merge, fails a roll-forward PR on its webhook, passes another key, and unpins green', async () => {
    const h = await start(options);
    const id = await pinnedAt1250(h);

    const pin = await h.store.getPin('fpo-search');
    expect(pin).toMatchObject({ version: '1.25.0', requestId: id });
    expect(pin?.reason).toContain('PERFORMANCE_DEGRADATION');
    const thread = threadReplies(h).join('\n');
    expect(thread).toMatch(
      /fpo-search is pinned at `1.25.0` by R-[0-9A-Z]{4} \(PERFORMANCE_DEGRADATION: p99 doubled\), since .*until unpinned/,
    );
    expect(latestCard(h, id)).toMatch(/Pinned at `1.25.0`\* by R-.{4}/);
    expect((await h.store.events(id)).map((e) => e.kind)).toContain('pinned');

    // A roll-forward PR, opened after the rollback: the webhook evaluates it at once.
    const forward = openPr(h, 'release-1.25.3', FIXTURE);
    const main = h.github.fileAt(REPO, 'main', CONFIG) ?? '';
    expect(main).toContain('version = "1.25.0"');
    // The PR branched from main (1.25.0) and sets 1.25.3 again.
    h.github.commitFile(REPO, 'release-1.25.3', CONFIG, main.replace('1.25.0', '1.25.3'), 'Roll forward');
    const forwardSha = h.github.branchSha(REPO, 'release-1.25.3') ?? '';
    expect(
      (await sendWebhook(h, 'pull_request', openedEvent(forward.number, 'synchronize'), SECRET)).status,
    ).toBe(200);
    const failing = pinStatus(h, forwardSha);
    expect(failing).toMatchObject({
      state: 'failure',
      context: 'model-pin',
      creator: { login: 'rollback-bot' },
    });
    expect(failing?.description).toMatch(/^Pinned at 1\.25\.0 by R-[0-9A-Z]{4}: this PR sets 1\.25\.3/);
    expect(failing?.description?.length).toBeLessThanOrEqual(140);
    expect(failing?.target_url).toMatch(/^https:\/\/example\.slack\.com\/archives\//);

    // A PR changing another key of the config file passes.
    const other = openPr(h, 'tune-epochs', main.replace('max_epochs = 5', 'max_epochs = 6'));
    await sendWebhook(h, 'pull_request', openedEvent(other.number), SECRET);
    expect(pinStatus(h, other.sha)).toMatchObject({ state: 'success' });

    // The same evaluation again writes nothing (the head already shows the bot's status).
    const before = h.github.statuses(REPO, forwardSha).length;
    await sendWebhook(h, 'pull_request', openedEvent(forward.number, 'synchronize'), SECRET);
    await h.bot.runRound();
    expect(h.github.statuses(REPO, forwardSha)).toHaveLength(before);

    // Someone with write access sets a green model-pin status by hand: the next round sets it back.
    await fetch(`${h.github.url}/repos/${REPO}/statuses/${forwardSha}`, {
      method: 'POST',
      headers: { authorization: 'token ghs_testtoken', 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', context: 'model-pin', description: 'looks fine to me' }),
    });
    expect(pinStatus(h, forwardSha)?.state).toBe('success');
    await h.bot.runRound();
    expect(pinStatus(h, forwardSha)?.state).toBe('failure');

    // Status shows the pin.
    const status = await h.command('status', USERS.alice);
    expect(await answerTo(h, status.responseId)).toMatch(
      /Pinned at `1.25.0`\* by R-.{4} \(PERFORMANCE_DEGRADATION: p99 doubled\), since .*until unpinned/,
    );

    // A non-approver is refused privately, with who may; nothing changes.
    const refused = await h.command('unpin fpo-search release 1.25.3', USERS.mallory);
    const told = await ephemeralTo(h, refused.responseId);
    expect(told).toContain('Only approvers of fpo-search can unpin it');
    expect(told).toContain('<@UBOB000001>');
    expect(told).toContain('<!subteam^SONCALL001>');
    expect(pinStatus(h, forwardSha)?.state).toBe('failure');

    // An approver unpins: audited, said in the thread, and every open PR's check turns green.
    const done = await h.command('unpin fpo-search 1.25.3 is fixed <!channel>', USERS.carol);
    expect(await ephemeralTo(h, done.responseId)).toContain('fpo-search is unpinned');
    await settle(h);
    expect(pinStatus(h, forwardSha)?.state).toBe('success');
    expect(threadReplies(h).join('\n')).toContain(
      'unpinned by <@UCAROL0001> (1.25.3 is fixed &lt;!channel&gt;)',
    );
    const audit = await h.store.events(id);
    expect(audit.find((e) => e.kind === 'unpinned')).toMatchObject({ actor: USERS.carol });
    expect((await h.store.auditTrail('fpo-search', 50)).some((e) => e.kind === 'unpin_refused')).toBe(true);
    expect(latestCard(h, id)).toContain('unpinned by <@UCAROL0001>');
  });

  it('finds a PR by polling without any webhook, and says a note is required', async () => {
    const h = await start({ serviceToml: 'cooldown_hours = 0' });
    await pinnedAt1250(h);
    const main = h.github.fileAt(REPO, 'main', CONFIG) ?? '';
    const forward = openPr(h, 'release-1.26.0', main.replace('1.25.0', '1.26.0'));
    expect(pinStatus(h, forward.sha)).toBeUndefined();
    await h.bot.runRound();
    expect(pinStatus(h, forward.sha)).toMatchObject({ state: 'failure' });

    const noNote = await h.command('unpin fpo-search', USERS.bob);
    // A usage error is the acknowledgement itself.
    expect(textOf(JSON.parse(noNote.body))).toContain('Say why in a note');
  });
});

describe('a pin (GitHub App: check runs)', () => {
  it('fails a roll-forward PR with a check run saying who pinned, why, the thread and how to unpin', async () => {
    const h = await start({ githubApp: true, webhookSecret: SECRET, serviceToml: 'cooldown_hours = 0' });
    const id = await pinnedAt1250(h);
    // The bot's own PR and commits are the app's.
    expect(pulls(h)[0]?.user.login).toBe('rollback-bot-app[bot]');
    const main = h.github.fileAt(REPO, 'main', CONFIG) ?? '';
    const forward = openPr(h, 'release-1.25.3', main.replace('1.25.0', '1.25.3'));
    await sendWebhook(h, 'pull_request', openedEvent(forward.number), SECRET);
    const run = pinRun(h, forward.sha);
    expect(run).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      app: { slug: 'rollback-bot-app' },
      output: {
        title: expect.stringMatching(/^Pinned at 1\.25\.0 by R-[0-9A-Z]{4}: this PR sets 1\.25\.3$/),
      },
    });
    expect(run?.output.summary).toContain(
      `pinned at \`1.25.0\` by ${id} (\`PERFORMANCE_DEGRADATION: p99 doubled\`)`,
    );
    expect(run?.output.summary).toContain('/rollback unpin fpo-search <why>');
    expect(run?.output.summary).toMatch(/\[Slack thread\]\(https:\/\/example\.slack\.com\//);
    expect(run?.details_url).toMatch(/^https:\/\/example\.slack\.com\//);
    // No commit status in App mode.
    expect(pinStatus(h, forward.sha)).toBeUndefined();

    await h.command('unpin fpo-search shipping 1.25.3', USERS.bob);
    await until(async () => pinRun(h, forward.sha)?.conclusion === 'success');
  });

  it('a later rollback re-pins at its own target', async () => {
    const h = await start({ githubApp: true, serviceToml: 'cooldown_hours = 0' });
    const first = await pinnedAt1250(h);
    for (const env of ['development', 'staging', 'production']) h.health.serve(env, '1.25.0-293a4b5');
    for (let i = 0; i < 3; i++) await h.bot.runRound();
    await until(async () => (await h.store.getRequest(first))?.state === 'completed');
    const after = h.slack.calls.length;
    await h.command('to 1.24.0 reason=TEST_FAILURE again', USERS.alice);
    const request = await postedCard(h, after);
    await h.click(ACTIONS.approve, request, USERS.bob);
    await h.slack.waitFor(() => pulls(h).length === 2);
    const rollbackPr = pulls(h).at(-1);
    await h.bot.runRound();
    // The bot's own rollback PR passes the check it sets.
    expect(pinRun(h, String(rollbackPr?.head.sha))?.conclusion).toBe('success');
    h.github.mergePull(REPO, Number(rollbackPr?.number), 'bob');
    await h.bot.runRound();
    await until(async () => (await h.store.getPin('fpo-search'))?.requestId === request);
    expect((await h.store.getPin('fpo-search'))?.version).toBe('1.24.0');
  });
});

describe('a pinned registry_alias service', () => {
  it('reports the alias moved away from the pin in the thread once, and in status', async () => {
    const h = await start({
      mlflow: {
        models: [
          {
            name: 'reco-ranker',
            versions: Array.from({ length: 13 }, (_, i) => ({
              runId: `run-${i + 1}`,
              tags: {
                validation_status: 'passed',
                ...(i + 1 === 10 ? { 'rollback_bot.champion_since': '2026-11-20T09:00:00Z' } : {}),
              } as Record<string, string>,
            })),
            aliases: { champion: 12 },
          },
        ],
      },
      extraToml: ({ health, mlflow }) => `
[services.reco]
channel = "CRECO00001"
source = "mlflow"
action = "registry_alias"
cooldown_hours = 0

[services.reco.mlflow]
tracking_uri = "${mlflow?.url}"
model = "reco-ranker"

[services.reco.approvers]
users = ["${USERS.bob}"]

[[services.reco.environments]]
name = "production"
healthcheck_url = "${health.urlFor('reco-production')}"
`,
    });
    const m = h.mlflow;
    if (!m) throw new Error('no MLflow');
    h.health.serve('reco-production', '12');
    await h.command(
      'to 10 reco reason=PERFORMANCE_DEGRADATION ctr down',
      USERS.alice,
      undefined,
      'CRECO00001',
    );
    const id = await postedCard(h);
    await h.click(ACTIONS.approve, id, USERS.bob);
    await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('Moved `champion`')));
    await until(async () => (await h.store.getPin('reco'))?.version === '10');
    await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('reco is pinned at `10`')));

    m.setAlias('reco-ranker', 'champion', 13);
    await h.bot.runRound();
    await h.bot.runRound();
    await settle(h);
    const moved = threadReplies(h).filter((t) => t.includes('moved from `10` to `13` while pinned'));
    expect(moved).toHaveLength(1);
    expect(moved[0]).toContain(':warning: `champion`');
    const status = await h.command('status reco', USERS.alice);
    expect(await answerTo(h, status.responseId)).toContain('`champion` moved to `13` while pinned at `10`');
  });
});
