/**
 * Two bot processes on one real PostgreSQL, every Slack request, webhook and round landing on either:
 * the outcomes must be those of one bot. Everything "only once" lives in the database, so this is where
 * a check-then-act in process memory would show.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../src/slack/blocks/requestCard.js';
import { readFixture } from '../world/fixtures.js';
import type { FakeGitHub } from '../world/github.js';
import type { FakeHealthchecks } from '../world/healthchecks.js';
import type { FakeSlack } from '../world/slack/fake.js';
import { blockActionsPayload } from '../world/slack/payloads.js';
import { sendInteraction, sendSlashCommand } from '../world/slack/requests.js';
import { type BotProcess, killAll, startBotProcess } from './support/botProcess.js';
import { freshPostgresUrl } from './support/databases.js';
import { CHANNEL, configToml, REPO, SIGNING_SECRET, USERS } from './support/harness.js';
import { textOf } from './support/slackText.js';
import { startWorld, type World } from './support/world.js';

let world: World;
let slack: FakeSlack;
let github: FakeGitHub;
let health: FakeHealthchecks;

beforeAll(async () => {
  world = await startWorld({
    pollSeconds: 0.5,
    healthcheckTimeoutMs: 500,
    botToml: 'lease_ttl_seconds = 3\nrepair_after_seconds = 2\ndrain_delay_seconds = 0',
  });
  ({ slack, github, health } = world);
}, 60_000);
afterAll(() => world?.close());
afterEach(() => {
  killAll();
  slack.reset();
  github.reset();
  world.snsPublish.reset();
  // A merged rollback moved main; the next test starts from the reference state again.
  const original = readFixture('search-config.toml');
  if (github.fileAt(REPO, 'main', 'search-config.toml') !== original)
    github.commitFile(REPO, 'main', 'search-config.toml', original, 'test: back to the fixture');
});

const serveStart = () => world.serveStart();

async function twoReplicas(databaseUrl: string, configPath?: string): Promise<[BotProcess, BotProcess]> {
  const env = {
    ...world.env(),
    DATABASE_URL: databaseUrl,
    ...(configPath ? { ROLLBACK_BOT_CONFIG: configPath } : {}),
  };
  return Promise.all([startBotProcess(env), startBotProcess(env)]);
}

/**
 * A config with the liveness settings at their defaults (lease_ttl_seconds 30, heartbeat_seconds 2,
 * repair_after_seconds 60): only tracking is faster, and the drain delay is off.
 */
function defaultsConfig(): string {
  const path = join(world.dir, 'defaults.toml');
  writeFileSync(path, configToml({ health }, { pollSeconds: 0.5, botToml: 'drain_delay_seconds = 0' }));
  return path;
}

let seq = 0;
function command(bot: BotProcess, text: string, user: string) {
  const responseId = `replica-${++seq}`;
  return sendSlashCommand(bot.url, SIGNING_SECRET, {
    text,
    user_id: user,
    channel_id: CHANNEL,
    response_url: slack.responseUrl(responseId),
  }).then((res) => ({ ...res, responseId }));
}

function approve(bot: BotProcess, id: string, user: string) {
  return sendInteraction(
    bot.url,
    SIGNING_SECRET,
    blockActionsPayload(
      { actionId: ACTIONS.approve, value: id, user, responseUrl: slack.responseUrl(`click-${++seq}`) },
      { channel: CHANNEL },
    ),
  );
}

async function until<T>(
  what: string,
  pick: () => Promise<T | undefined> | T | undefined,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await pick();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const cardIds = () => [
  ...new Set(
    slack
      .callsTo('chat.postMessage')
      .map((c) => /Rollback (R-[0-9A-Z]{4})/.exec(textOf(c.args))?.[1])
      .filter((id): id is string => id !== undefined),
  ),
];
const threadReplies = () =>
  slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.thread_ts !== undefined && !Array.isArray(c.args.blocks))
    .map((c) => String(c.args.text));

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('two replicas on one PostgreSQL', () => {
  it('10 concurrent requests split across both: one active request, one card', async () => {
    serveStart();
    const url = await freshPostgresUrl();
    const [a, b] = await twoReplicas(url);
    const sent = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        command(i % 2 ? a : b, 'to previous', i % 2 ? USERS.alice : USERS.mallory),
      ),
    );
    expect(sent.every((r) => r.status === 200)).toBe(true);
    const answers = await Promise.all(
      sent.map((r) => until('an answer', () => slack.responsesTo(r.responseId)[0]?.body).then(textOf)),
    );
    const active = await query<{ id: string }>(url, `select id from requests where state = 'pending'`);
    expect(active).toHaveLength(1);
    const id = active[0]?.id;
    expect(answers.filter((t) => t.includes(`${id} is already active for fpo-search`))).toHaveLength(9);
    expect(cardIds()).toEqual([id]);
  });

  it('20 concurrent Approve clicks split across both: one PR, one approval, one "PR opened"', async () => {
    serveStart();
    const url = await freshPostgresUrl();
    const [a, b] = await twoReplicas(url);
    await command(a, 'to previous', USERS.alice);
    const id = await until('the card', () => cardIds()[0]);
    const clicks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => approve(i % 2 ? a : b, id, i % 3 ? USERS.bob : USERS.carol)),
    );
    expect(clicks.every((c) => c.status === 200)).toBe(true);
    const ours = () => github.pulls(REPO).filter((p) => String(p.head.ref).includes(`-${id.toLowerCase()}-`));
    await until('the PR', () => ours().length > 0);
    await until('"PR opened"', () => threadReplies().some((t) => t.includes('PR opened')));
    await new Promise((r) => setTimeout(r, 1500)); // any second PR or reply would land by now
    expect(ours()).toHaveLength(1);
    expect(github.callCount({ method: 'POST', path: /\/pulls$/ })).toBe(1);
    expect(threadReplies().filter((t) => t.includes('PR opened'))).toHaveLength(1);
    expect(await query(url, `select user_id from approvals where request_id = '${id}'`)).toHaveLength(1);
  });

  it('kill -9 of the lease holder mid-tracking: the other takes over, the rollback completes, each step said once', async () => {
    serveStart();
    const url = await freshPostgresUrl();
    const [a, b] = await twoReplicas(url);
    await command(a, 'to previous', USERS.alice);
    const id = await until('the card', () => cardIds()[0]);
    await approve(b, id, USERS.bob);
    // (The fake GitHub keeps earlier tests' PRs: find this request's by its branch.)
    const pr = await until('the PR', () =>
      github.pulls(REPO).find((p) => String(p.head.ref).includes(`-${id.toLowerCase()}-`)),
    );
    // The PR deploys to development; the merge (no webhook: rounds must notice) to staging.
    health.serve('development', '1.25.0-293a4b5');
    github.mergePull(REPO, Number(pr.number), 'bob');
    health.serve('staging', '1.25.0-293a4b5');
    await until('staging verified', () => threadReplies().some((t) => t.includes('staging verified'))).catch(
      (err: Error) => {
        throw new Error(
          `${err.message}\nreplies: ${threadReplies().join('\n')}\n${a.output().slice(-3000)}\n${b.output().slice(-3000)}`,
        );
      },
    );

    const [lease] = await query<{ holder: string }>(
      url,
      `select holder from leases where name = 'background'`,
    );
    const holder = [a, b].find((r) => lease?.holder.includes(`-${r.child.pid}-`));
    const survivor = holder === a ? b : a;
    expect(holder).toBeDefined();
    holder?.child.kill('SIGKILL');
    const killedAt = Date.now();
    health.serve('production', '1.25.0-293a4b5');

    await until(
      'rollback complete',
      () => threadReplies().some((t) => t.includes('Rollback complete')),
      20_000,
    );
    const tookOver = Date.now() - killedAt;
    expect(tookOver).toBeLessThan(3000 + 2000 + 1500); // TTL + a round + reads
    const [after] = await query<{ holder: string }>(
      url,
      `select holder from leases where name = 'background'`,
    );
    expect(after?.holder).toContain(`-${survivor.child.pid}-`);
    await new Promise((r) => setTimeout(r, 1500));
    // Each step's own message, once (the timeline at the end names the steps again, as a record).
    const replies = threadReplies().filter((t) => !t.startsWith(':spiral_note_pad: Timeline'));
    for (const step of [
      'PR opened',
      'merged by bob',
      'Served on development',
      'staging verified',
      'production verified',
      'Rollback complete',
    ])
      expect(
        replies.filter((t) => t.includes(step)),
        step,
      ).toHaveLength(1);
    const [state] = await query<{ state: string }>(url, `select state from requests where id = '${id}'`);
    expect(state?.state).toBe('completed');
  }, 60_000);

  it('kill -9 of the replica opening a PR: the other resumes it, finds the PR, says "PR opened" once', async () => {
    serveStart();
    const url = await freshPostgresUrl();
    const [a, b] = await twoReplicas(url);
    await command(a, 'to previous', USERS.alice);
    const id = await until('the card', () => cardIds()[0]);
    // GitHub creates the PR, but its answer never reaches the replica that asked: that one dies first.
    const held = github.holdNext('POST', /\/pulls$/);
    await approve(a, id, USERS.bob);
    await held.arrived;
    a.child.kill('SIGKILL');
    await a.exited;
    held.release();
    // The dead opener's lease is taken over once its heartbeat lapses; the survivor resumes the request.
    await until('"PR opened"', () => threadReplies().some((t) => t.includes('PR opened')), 30_000);
    const ours = github.pulls(REPO).filter((p) => String(p.head.ref).includes(`-${id.toLowerCase()}-`));
    expect(ours).toHaveLength(1);
    expect(threadReplies().filter((t) => t.includes('PR opened'))).toHaveLength(1);
    const [row] = await query<{ state: string; pr_number: number }>(
      url,
      `select state, pr_number from requests where id = '${id}'`,
    );
    expect(row).toEqual({ state: 'pr_open', pr_number: Number(ours[0]?.number) });
    expect(b.child.exitCode).toBeNull();
  }, 60_000);
});

describe('notify on two replicas (issue 17, item 5)', () => {
  it('an outcome reached on both at once is published to SNS once', async () => {
    serveStart();
    const topic = 'arn:aws:sns:eu-west-2:111122223333:model-rollbacks';
    const path = join(world.dir, 'notify.toml');
    writeFileSync(
      path,
      configToml({ health }, { pollSeconds: 0.5, serviceToml: `notify = { sns_topic_arn = "${topic}" }` }),
    );
    const [a, b] = await twoReplicas(await freshPostgresUrl(), path);
    await command(a, 'to previous', USERS.alice);
    const id = await until('the card', () => cardIds()[0]);
    // The requester cancels it on both replicas at once: one move, one outcome, one message.
    await Promise.all([command(a, `cancel ${id}`, USERS.alice), command(b, `cancel ${id}`, USERS.alice)]);
    await until('the SNS message', () => world.snsPublish.messages.length > 0);
    await new Promise((r) => setTimeout(r, 1500)); // a second publish, or a repair's, would land by now
    expect(world.snsPublish.messages).toHaveLength(1);
    expect(world.snsPublish.messages[0]).toMatchObject({
      topicArn: topic,
      subject: 'Model Rollback: fpo-search',
    });
    expect(world.snsPublish.received()[0]).toMatchObject({
      request: id,
      rolled_back: false,
      outcome: 'cancelled',
    });
  }, 60_000);
});

describe('liveness at the default settings (issue 14, finding 8)', () => {
  it('a PR attempt of a replica killed mid-way is resumed by the other within 10 s, one PR', async () => {
    serveStart();
    const url = await freshPostgresUrl();
    const [a, b] = await twoReplicas(url, defaultsConfig());
    await command(a, 'to previous', USERS.alice);
    const id = await until('the card', () => cardIds()[0]);
    const held = github.holdNext('POST', /\/pulls$/);
    await approve(a, id, USERS.bob);
    await held.arrived;
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    held.release();
    await until('"PR opened"', () => threadReplies().some((t) => t.includes('PR opened')), 30_000);
    // Before: 4 × lease_ttl_seconds = 2 minutes.
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    const ours = github.pulls(REPO).filter((p) => String(p.head.ref).includes(`-${id.toLowerCase()}-`));
    expect(ours).toHaveLength(1);
    expect(github.callCount({ method: 'POST', path: /\/pulls$/ })).toBe(1);
    expect(threadReplies().filter((t) => t.includes('PR opened'))).toHaveLength(1);
    expect(b.child.exitCode).toBeNull();
  }, 60_000);

  it('a PR attempt of a process killed mid-way is resumed by its restart within 10 s, one PR', async () => {
    serveStart();
    const env = {
      ...world.env(),
      DATABASE_URL: await freshPostgresUrl(),
      ROLLBACK_BOT_CONFIG: defaultsConfig(),
    };
    const first = await startBotProcess(env);
    await command(first, 'to previous', USERS.alice);
    const id = await until('the card', () => cardIds()[0]);
    const held = github.holdNext('POST', /\/pulls$/);
    await approve(first, id, USERS.bob);
    await held.arrived;
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;
    held.release();
    await startBotProcess(env);
    const upAt = Date.now();
    await until('"PR opened"', () => threadReplies().some((t) => t.includes('PR opened')), 30_000);
    // From the later of the kill and the restart being ready (the start-up itself is not the bot's to speed).
    expect(Date.now() - Math.max(killedAt, upAt)).toBeLessThan(10_000);
    const ours = github.pulls(REPO).filter((p) => String(p.head.ref).includes(`-${id.toLowerCase()}-`));
    expect(ours).toHaveLength(1);
    expect(threadReplies().filter((t) => t.includes('PR opened'))).toHaveLength(1);
  }, 60_000);

  it('a card its replica died posting is posted by the other within 10 s', async () => {
    serveStart();
    const url = await freshPostgresUrl();
    const [a, b] = await twoReplicas(url, defaultsConfig());
    // The card's post reaches Slack only after its poster died: Slack never answers that one.
    const held = slack.hold('chat.postMessage');
    await command(a, 'to previous', USERS.alice);
    await held.arrived;
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    const [row] = await query<{ id: string }>(url, `select id from requests where state = 'pending'`);
    const id = row?.id ?? '';
    // Before: repair_after_seconds (60 s) after the request was stored.
    await until(
      'the card posted by the survivor',
      async () =>
        (await query<{ card_ts: string | null }>(url, `select card_ts from requests where id = '${id}'`))[0]
          ?.card_ts,
      30_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    held.release();
    const [event] = await query<{ kind: string }>(
      url,
      `select kind from events where request_id = '${id}' and kind = 'card_repaired'`,
    );
    expect(event?.kind).toBe('card_repaired');
    expect(b.child.exitCode).toBeNull();
  }, 60_000);

  it('the background lease of a replica killed with it is taken by the other within 10 s', async () => {
    serveStart();
    const url = await freshPostgresUrl();
    const [a, b] = await twoReplicas(url, defaultsConfig());
    const holderOf = async () =>
      (await query<{ holder: string }>(url, `select holder from leases where name = 'background'`))[0]
        ?.holder;
    const first = await until('a lease holder', holderOf);
    const holder = [a, b].find((r) => first.includes(`-${r.child.pid}-`));
    const survivor = holder === a ? b : a;
    holder?.child.kill('SIGKILL');
    const killedAt = Date.now();
    // Before: lease_ttl_seconds (30) plus a renewal interval.
    await until(
      'the survivor holding the lease',
      async () => (await holderOf())?.includes(`-${survivor.child.pid}-`),
      40_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(10_000);
  }, 60_000);
});
