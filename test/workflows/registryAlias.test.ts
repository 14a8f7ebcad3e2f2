/**
 * A registry_alias service end to end: signed Slack requests to the bot, the bot's real MLflow client
 * against the local MLflow stand-in, healthchecks from the local fake. The whole story (request →
 * approval → one alias move → tags → healthchecks → complete), a forward target refused, the alias
 * moved by someone else after the plan (approvals void), and MLflow down or slow named in time.
 */
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { readFixture } from '../../world/fixtures.js';
import type { FakeMlflow } from '../../world/mlflow.js';
import { signSns } from '../../world/snsSign.js';
import { type Harness, REPO, USERS, useHarness } from '../support/harness.js';
import { answerTo, ephemeralTo, latestCard, postedCard, settle, threadReplies } from './support.js';

const RECO_CHANNEL = 'CRECO00001';
const MODEL = 'reco-ranker';
const start = useHarness();

const passed = { validation_status: 'passed' };

/**
 * Versions 1..13 of reco-ranker: 12 is champion; 10 and 8 have been champion before (tags a team
 * backfilled); 11 never passed validation; 13 is newer than the champion.
 */
async function startWorld(
  options: { timeoutMs?: number; serviceToml?: string } = {},
): Promise<{ h: Harness; m: FakeMlflow }> {
  const h = await start({
    mlflow: {
      models: [
        {
          name: MODEL,
          versions: Array.from({ length: 13 }, (_, i) => {
            const n = i + 1;
            const tags: Record<string, string> = n === 11 ? { validation_status: 'failed' } : { ...passed };
            if (n === 10 || n === 8) tags['rollback_bot.champion_since'] = `2026-11-${10 + n}T09:00:00Z`;
            return { runId: `run-${n}`, tags };
          }),
          aliases: { champion: 12 },
        },
      ],
    },
    extraToml: ({ health, mlflow }) => `
[services.reco]
channel = "${RECO_CHANNEL}"
source = "mlflow"
action = "registry_alias"
alarm_names = ["reco-5xx"]
cooldown_hours = 0
${options.serviceToml ?? ''}

[services.reco.mlflow]
tracking_uri = "${mlflow?.url}"
model = "${MODEL}"
metrics = ["auc"]
timeout_ms = ${options.timeoutMs ?? 2000}

[services.reco.approvers]
users = ["${USERS.bob}", "${USERS.carol}"]

[[services.reco.environments]]
name = "production"
healthcheck_url = "${health.urlFor('reco-production')}"
`,
  });
  if (!h.mlflow) throw new Error('the harness did not start MLflow');
  return { h, m: h.mlflow };
}

describe('a registry_alias service', () => {
  it('rolls back by moving the alias once, tags both versions, and verifies on the healthchecks', async () => {
    const { h, m } = await startWorld();
    h.health.serve('reco-production', '12');
    const asked = await h.command(
      'to previous reco reason=PERFORMANCE_DEGRADATION p99 is up',
      USERS.alice,
      undefined,
      RECO_CHANNEL,
    );
    expect(asked.status).toBe(200);
    const id = await postedCard(h);
    const card = latestCard(h, id);
    expect(card).toContain('10');
    expect(card).toMatch(/champion/);

    await h.click(ACTIONS.approve, id, USERS.bob);
    await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('Moved `champion`')));
    expect(m.registry.aliasOf(MODEL, 'champion')).toBe('10');
    expect(m.count('POST', 'registered-models/alias')).toBe(1);
    expect(m.registry.versionTags(MODEL, 12)).toMatchObject({
      'rollback_bot.rolled_back': id,
      'rollback_bot.champion_until': expect.any(String),
    });
    expect(m.registry.versionTags(MODEL, 10)['rollback_bot.champion_since']).toBeDefined();
    expect((await h.store.getRequest(id))?.state).toBe('merged');

    // A double click and another round change nothing: the move was made once.
    await h.click(ACTIONS.approve, id, USERS.carol);
    await h.bot.runRound();
    expect(m.count('POST', 'registered-models/alias')).toBe(1);

    h.health.serve('reco-production', '10');
    await h.bot.runRound();
    await h.bot.runRound();
    await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('Rollback complete')));
    expect((await h.store.getRequest(id))?.state).toBe('completed');
    // The version rolled back from is never last known good again, even for a new database.
    const versions = await h.command('versions reco', USERS.alice, undefined, RECO_CHANNEL);
    const shown = await answerTo(h, versions.responseId);
    expect(shown).toMatch(/12/);
    // Its tags show where everyone reads versions (issue 17, item 2).
    expect(shown).toContain(`:rewind: rolled back from by ${id}`);
  });

  it('refuses a target newer than the alias ("release it normally") and one that never was champion', async () => {
    const { h } = await startWorld();
    h.health.serve('reco-production', '12');
    const forward = await h.command(
      'to 13 reco reason=PERFORMANCE_DEGRADATION p99 is up',
      USERS.alice,
      undefined,
      RECO_CHANNEL,
    );
    expect(await ephemeralTo(h, forward.responseId)).toMatch(/release it normally/);
    const never = await h.command(
      'to 9 reco reason=PERFORMANCE_DEGRADATION p99 is up',
      USERS.alice,
      undefined,
      RECO_CHANNEL,
    );
    expect(await ephemeralTo(h, never.responseId)).toMatch(/never been `champion`/);
    const unvalidated = await h.command(
      'to 11 reco reason=PERFORMANCE_DEGRADATION p99 is up',
      USERS.alice,
      undefined,
      RECO_CHANNEL,
    );
    expect(await ephemeralTo(h, unvalidated.responseId)).toMatch(/failed validation/);
  });

  it('voids the approvals when someone moved the alias after the plan, and moves nothing', async () => {
    const { h, m } = await startWorld();
    h.health.serve('reco-production', '12');
    await h.command(
      'to 8 reco reason=PERFORMANCE_DEGRADATION p99 is up',
      USERS.alice,
      undefined,
      RECO_CHANNEL,
    );
    const id = await postedCard(h);
    m.setAlias(MODEL, 'champion', 10);
    await h.click(ACTIONS.approve, id, USERS.bob);
    await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('Approvals were reset')));
    expect(threadReplies(h).join('\n')).toMatch(/now configures 10, not 12/);
    expect(m.count('POST', 'registered-models/alias')).toBe(0);
    expect((await h.store.getRequest(id))?.state).toBe('pending');
  });

  it('ends "nothing to do" when the alias was moved to the target itself', async () => {
    const { h, m } = await startWorld();
    h.health.serve('reco-production', '12');
    await h.command(
      'to 10 reco reason=PERFORMANCE_DEGRADATION p99 is up',
      USERS.alice,
      undefined,
      RECO_CHANNEL,
    );
    const id = await postedCard(h);
    m.setAlias(MODEL, 'champion', 10);
    await h.click(ACTIONS.approve, id, USERS.bob);
    await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('already')));
    expect((await h.store.getRequest(id))?.state).toBe('no_change');
    expect(m.count('POST', 'registered-models/alias')).toBe(0);
  });

  it('names MLflow down, and MLflow too slow, within the bound', async () => {
    const { h, m } = await startWorld({ timeoutMs: 500 });
    h.health.serve('reco-production', '12');
    await m.setMode('down');
    let started = Date.now();
    const down = await h.command('status reco', USERS.alice, undefined, RECO_CHANNEL);
    const downText = await answerTo(h, down.responseId);
    expect(downText).toMatch(/MLflow model reco-ranker: .*refused/);
    expect(Date.now() - started).toBeLessThan(3000);

    await m.setMode('hang');
    started = Date.now();
    const slow = await h.command('status reco', USERS.alice, undefined, RECO_CHANNEL);
    const slowText = await answerTo(h, slow.responseId);
    expect(slowText).toMatch(/no answer within 0.5 s \(timeout\)/);
    expect(Date.now() - started).toBeLessThan(3000);
    await settle(h);
  });

  it('records an alias moved by hand in the next round, in its database and as version tags', async () => {
    const { h, m } = await startWorld();
    h.health.serve('reco-production', '12');
    await h.bot.runRound();
    // 12 is the alias now: seen, recorded, tagged since.
    expect(m.registry.versionTags(MODEL, 12)['rollback_bot.champion_since']).toBeDefined();
    m.setAlias(MODEL, 'champion', 13);
    await h.bot.runRound();
    expect([...(await h.store.aliasHistory('reco', 'champion')).keys()].sort()).toEqual(['12', '13']);
    expect(m.registry.versionTags(MODEL, 13)['rollback_bot.champion_since']).toBeDefined();
    expect(m.registry.versionTags(MODEL, 12)['rollback_bot.champion_until']).toBeDefined();
    // 12 has now reached production: with 13 live it is the last known good.
    h.health.serve('reco-production', '13');
    const status = await h.command('status reco', USERS.alice, undefined, RECO_CHANNEL);
    expect(await answerTo(h, status.responseId)).toMatch(/Last known good:\* `12`/);
  });

  it('with action = "config_pr", opens the one-line PR to the registry version, resolved exactly', async () => {
    const h = await start({
      mlflow: {
        models: [
          {
            name: MODEL,
            versions: Array.from({ length: 70 }, (_, i) => ({
              tags: {
                ...passed,
                ...(i + 1 === 7 ? { 'rollback_bot.champion_since': '2026-11-01T00:00:00Z' } : {}),
              },
            })),
            aliases: { champion: 70 },
          },
        ],
      },
      extraToml: ({ health, mlflow }) => `
[services.reco]
channel = "${RECO_CHANNEL}"
source = "mlflow"
repo = "${REPO}"
config_path = "reco-config.toml"
cooldown_hours = 0

[services.reco.mlflow]
tracking_uri = "${mlflow?.url}"
model = "${MODEL}"

[services.reco.approvers]
users = ["${USERS.bob}"]

[[services.reco.environments]]
name = "production"
healthcheck_url = "${health.urlFor('reco-production')}"
deploy_phase = "merge"
`,
    });
    h.github.commitFile(REPO, 'main', 'reco-config.toml', 'version = "70"\n', 'reco on 70', 'octocat');
    h.health.serve('reco-production', '70');
    // "7" is a prefix of "70": a registry version is never resolved by prefix.
    await h.command(
      'to 7 reco reason=PERFORMANCE_DEGRADATION p99 is up',
      USERS.alice,
      undefined,
      RECO_CHANNEL,
    );
    const id = await postedCard(h);
    expect(latestCard(h, id)).not.toMatch(/prefix trap/);
    await h.click(ACTIONS.approve, id, USERS.bob);
    await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('PR opened')));
    const [pr] = h.github.pulls(REPO);
    expect(h.github.fileAt(REPO, pr?.head.ref ?? '', 'reco-config.toml')).toBe('version = "7"\n');
    expect(h.mlflow?.count('POST', 'registered-models/alias')).toBe(0);
  });

  it('shows the run metrics of the versions shown against the live one, reading runs only for those rows', async () => {
    const { h, m } = await startWorld();
    for (let n = 1; n <= 13; n++)
      m.registry.addRun({ runId: `run-${n}`, metrics: { auc: 0.8 + n / 100, rmse: 2 - n / 10 } });
    h.health.serve('reco-production', '12');
    m.resetCalls();
    const first = await h.command('versions reco 3', USERS.alice, undefined, RECO_CHANNEL);
    const text = await answerTo(h, first.responseId);
    // 13, 12 (live) and 11 shown: auc only (the service's metrics), against live 12's 0.92.
    expect(text).toMatch(/\*13\*[\s\S]*auc 0\.93 \(\+0\.01\) vs live/);
    expect(text).not.toMatch(/rmse/);
    expect(text).toMatch(/versions\/13\|version 13>/);
    expect(m.count('GET', 'runs/get')).toBe(3);
    const again = await h.command('versions reco 3', USERS.alice, undefined, RECO_CHANNEL);
    await answerTo(h, again.responseId);
    expect(m.count('GET', 'runs/get')).toBe(3);

    // The card carries the target's evidence.
    await h.command(
      'to previous reco reason=PERFORMANCE_DEGRADATION p99 is up',
      USERS.alice,
      undefined,
      RECO_CHANNEL,
    );
    const id = await postedCard(h);
    expect(latestCard(h, id)).toMatch(/Evidence[\s\S]*auc 0\.9 \(−0\.02\) vs live/);
  });

  it('from a CloudWatch alarm: the bot opens the request, two approvers, the alias moves, verified', async () => {
    const { h, m } = await startWorld({ serviceToml: 'on_alarm = "request"' });
    h.health.serve('reco-production', '12');
    const fixture = JSON.parse(readFixture('sns-cloudwatch-alarm.json')) as Record<string, string>;
    const inner = JSON.parse(fixture.Message ?? '{}') as Record<string, unknown>;
    inner.AlarmName = 'reco-5xx';
    inner.StateChangeTime = new Date().toISOString().replace('Z', '+0000');
    const message = signSns(
      {
        ...fixture,
        Message: JSON.stringify(inner),
        MessageId: 'm-reco-1',
        Timestamp: new Date().toISOString(),
      },
      '2',
    );
    expect((await h.post('/alerts/sns', JSON.stringify(message))).status).toBe(200);
    const id = await postedCard(h);
    expect(latestCard(h, id)).toMatch(/reco → 10/);
    // The bot asked: two people besides it must approve.
    await h.click(ACTIONS.approve, id, USERS.bob);
    expect(m.count('POST', 'registered-models/alias')).toBe(0);
    await h.click(ACTIONS.approve, id, USERS.carol);
    await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('Moved `champion`')));
    expect(m.registry.aliasOf(MODEL, 'champion')).toBe('10');
    h.health.serve('reco-production', '10');
    await h.bot.runRound();
    await h.bot.runRound();
    await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('Rollback complete')));
    const trail = (await h.store.events(id)).map((e) => e.kind);
    expect(trail).toEqual(
      expect.arrayContaining(['requested', 'approved', 'alias_move', 'alias_moved', 'verified']),
    );
  });
});
